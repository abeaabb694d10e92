//! Shared by the injector's integration tests: a throwaway PKI, an HTTPS client that trusts it,
//! and a webhook server started on a free loopback port.
#![allow(dead_code)] // each test binary uses a different part

pub mod envoy;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, ServerName, pem::PemObject};
use sidecar_injector::server::{RunningServer, ServeConfig, start};
use sidecar_injector::{InjectorConfig, Mode};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// A CA and a serving certificate for `localhost` and `127.0.0.1`, written to a temp dir.
pub struct Pki {
    pub dir: tempfile::TempDir,
    pub ca_pem: String,
    pub cert_path: PathBuf,
    pub key_path: PathBuf,
}

impl Pki {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("must create a temp dir");
        let cert_path = dir.path().join("tls.crt");
        let key_path = dir.path().join("tls.key");
        let mut pki = Pki {
            dir,
            ca_pem: String::new(),
            cert_path,
            key_path,
        };
        pki.rotate();
        pki
    }

    /// Issues a new CA and serving certificate and overwrites the files; returns the new CA.
    pub fn rotate(&mut self) -> String {
        let ca_key = KeyPair::generate().expect("must generate CA key");
        let mut ca_params = CertificateParams::new(Vec::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params
            .self_signed(&ca_key)
            .expect("must self-sign the CA");
        let issuer = Issuer::new(ca_params, ca_key);

        let leaf_key = KeyPair::generate().expect("must generate leaf key");
        let leaf_params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .expect("leaf params");
        let leaf = leaf_params
            .signed_by(&leaf_key, &issuer)
            .expect("must sign leaf");

        std::fs::write(&self.cert_path, leaf.pem()).expect("must write cert");
        std::fs::write(&self.key_path, leaf_key.serialize_pem()).expect("must write key");
        self.ca_pem = ca_cert.pem();
        self.ca_pem.clone()
    }

    pub fn serve_config(&self, mode: Mode) -> ServeConfig {
        ServeConfig::new(
            SocketAddr::from(([127, 0, 0, 1], 0)),
            self.cert_path.clone(),
            self.key_path.clone(),
            InjectorConfig::new(mode),
        )
    }

    pub async fn start(&self, mode: Mode) -> RunningServer {
        start(self.serve_config(mode))
            .await
            .expect("webhook server must start")
    }
}

/// A TLS client configuration that trusts only `ca_pem`.
pub fn client_config(ca_pem: &str, alpn: &[&[u8]]) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots
            .add(cert.expect("CA PEM must parse"))
            .expect("must add CA");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

/// One keep-alive HTTPS connection (HTTP/1.1 or HTTP/2, by ALPN).
pub enum HttpsConnection {
    H1(hyper::client::conn::http1::SendRequest<Full<Bytes>>),
    H2(hyper::client::conn::http2::SendRequest<Full<Bytes>>),
}

impl HttpsConnection {
    pub async fn connect(
        addr: SocketAddr,
        config: Arc<rustls::ClientConfig>,
    ) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let tcp = TcpStream::connect(addr).await?;
        tcp.set_nodelay(true)?;
        let tls = TlsConnector::from(config)
            .connect(ServerName::try_from("localhost")?, tcp)
            .await?;
        let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
        let io = TokioIo::new(tls);
        if h2 {
            let (sender, conn) =
                hyper::client::conn::http2::handshake(TokioExecutor::new(), io).await?;
            tokio::spawn(conn);
            Ok(HttpsConnection::H2(sender))
        } else {
            let (sender, conn) = hyper::client::conn::http1::handshake(io).await?;
            tokio::spawn(conn);
            Ok(HttpsConnection::H1(sender))
        }
    }

    pub fn is_h2(&self) -> bool {
        matches!(self, HttpsConnection::H2(_))
    }

    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        body: Vec<u8>,
    ) -> Result<(StatusCode, Bytes), Box<dyn std::error::Error + Send + Sync>> {
        let request = Request::builder()
            .method(method)
            .uri(format!("https://localhost{path}"))
            .header("host", "localhost")
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))?;
        let response = match self {
            HttpsConnection::H1(sender) => {
                sender.ready().await?;
                sender.send_request(request).await?
            }
            HttpsConnection::H2(sender) => {
                sender.ready().await?;
                sender.send_request(request).await?
            }
        };
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }
}
