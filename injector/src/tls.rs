//! The serving certificate, reloaded when its files change.
//!
//! Kubernetes updates a mounted Secret by swapping a symlink, and cert-manager rotates certificates
//! in place; both are seen by re-reading the files. The files are hashed on a short interval rather
//! than watched with inotify, because a symlink swap does not fire an event on the path the pod
//! reads. A pair that fails to load (half-written, key and certificate not matching) is logged and
//! the previous certificate keeps serving.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use rustls::crypto::ring::sign::any_supported_type;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};

/// A certificate and key pair that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read.
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The certificate file holds no PEM certificate.
    #[error("{path} holds no PEM certificate")]
    NoCertificate {
        /// The file.
        path: PathBuf,
    },
    /// The key file holds no usable PEM private key.
    #[error("{path} holds no PEM private key (PKCS#8, PKCS#1 or SEC1)")]
    NoKey {
        /// The file.
        path: PathBuf,
        /// What the PEM reader said.
        #[source]
        source: rustls_pki_types::pem::Error,
    },
    /// The key is of a type rustls cannot sign with, or does not match the certificate.
    #[error("the key in {key} does not fit the certificate in {cert}")]
    KeyMismatch {
        /// Certificate file.
        cert: PathBuf,
        /// Key file.
        key: PathBuf,
        /// What rustls said.
        #[source]
        source: rustls::Error,
    },
}

/// Certificate and key paths.
#[derive(Debug, Clone)]
pub struct CertPaths {
    /// PEM certificate chain, leaf first.
    pub cert: PathBuf,
    /// PEM private key.
    pub key: PathBuf,
}

/// Serves the current certificate to every handshake and swaps it when the files change.
pub struct ReloadingCert {
    paths: CertPaths,
    current: RwLock<Loaded>,
}

struct Loaded {
    key: Arc<CertifiedKey>,
    digest: [u8; 32],
}

impl fmt::Debug for ReloadingCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReloadingCert")
            .field("paths", &self.paths)
            .finish_non_exhaustive()
    }
}

impl ReloadingCert {
    /// Loads the pair once.
    ///
    /// # Errors
    /// [`TlsError`] when the files are missing, empty or do not match.
    pub fn load(paths: CertPaths) -> Result<Self, TlsError> {
        let (cert_pem, key_pem) = read_pair(&paths)?;
        let key = certified_key(&paths, &cert_pem, &key_pem)?;
        Ok(ReloadingCert {
            current: RwLock::new(Loaded {
                key,
                digest: digest(&cert_pem, &key_pem),
            }),
            paths,
        })
    }

    /// Re-reads the files and swaps the certificate if they changed.
    ///
    /// Returns `Ok(true)` when a new certificate was installed.
    ///
    /// # Errors
    /// [`TlsError`] when the changed files cannot be used; the old certificate stays.
    pub fn reload_if_changed(&self) -> Result<bool, TlsError> {
        let (cert_pem, key_pem) = read_pair(&self.paths)?;
        let new_digest = digest(&cert_pem, &key_pem);
        if self.read_current(|loaded| loaded.digest == new_digest) {
            return Ok(false);
        }
        let key = certified_key(&self.paths, &cert_pem, &key_pem)?;
        let mut current = self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *current = Loaded {
            key,
            digest: new_digest,
        };
        Ok(true)
    }

    /// Checks the files every `interval` until the task is dropped.
    pub async fn watch(self: Arc<Self>, interval: Duration) {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let this = Arc::clone(&self);
            match tokio::task::spawn_blocking(move || this.reload_if_changed()).await {
                Ok(Ok(true)) => {
                    tracing::info!(cert = %self.paths.cert.display(), "reloaded serving certificate")
                }
                Ok(Ok(false)) => {}
                Ok(Err(err)) => tracing::warn!(
                    error = %crate::error_chain(&err),
                    "certificate files changed but cannot be used; still serving the previous certificate"
                ),
                Err(err) => tracing::warn!(%err, "certificate reload task failed"),
            }
        }
    }

    fn read_current<T>(&self, f: impl FnOnce(&Loaded) -> T) -> T {
        f(&self
            .current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

impl ResolvesServerCert for ReloadingCert {
    fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.read_current(|loaded| Arc::clone(&loaded.key)))
    }
}

/// A rustls server configuration (ring provider, HTTP/2 and HTTP/1.1 by ALPN) that serves `cert`.
///
/// # Errors
/// When the ring provider rejects the default protocol versions (it does not).
pub fn server_config(cert: Arc<ReloadingCert>) -> Result<rustls::ServerConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_cert_resolver(cert);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

fn read_pair(paths: &CertPaths) -> Result<(Vec<u8>, Vec<u8>), TlsError> {
    Ok((read(&paths.cert)?, read(&paths.key)?))
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_owned(),
        source,
    })
}

fn digest(cert_pem: &[u8], key_pem: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(cert_pem);
    hasher.update([0]);
    hasher.update(key_pem);
    hasher.finalize().into()
}

fn certified_key(
    paths: &CertPaths,
    cert_pem: &[u8],
    key_pem: &[u8],
) -> Result<Arc<CertifiedKey>, TlsError> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
        .filter_map(Result::ok)
        .collect();
    if chain.is_empty() {
        return Err(TlsError::NoCertificate {
            path: paths.cert.clone(),
        });
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|source| TlsError::NoKey {
        path: paths.key.clone(),
        source,
    })?;
    let mismatch = |source| TlsError::KeyMismatch {
        cert: paths.cert.clone(),
        key: paths.key.clone(),
        source,
    };
    let signing_key = any_supported_type(&key).map_err(mismatch)?;
    let certified = CertifiedKey::new(chain, signing_key);
    certified.keys_match().map_err(mismatch)?;
    Ok(Arc::new(certified))
}
