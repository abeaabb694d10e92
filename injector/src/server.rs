//! The HTTPS server: accepts TCP, completes TLS with the reloading certificate, serves the webhook
//! router over HTTP/1.1 or HTTP/2, and drains connections on shutdown.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::config::InjectorConfig;
use crate::tls::{self, CertPaths, ReloadingCert, TlsError};
use crate::webhook::{self, DEFAULT_MAX_BODY_BYTES};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The serving certificate could not be loaded.
    #[error("cannot load the serving certificate")]
    Certificate(#[source] TlsError),
    /// rustls refused the configuration.
    #[error("cannot configure TLS")]
    Tls(#[source] rustls::Error),
}

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// PEM certificate chain.
    pub tls_cert: PathBuf,
    /// PEM private key.
    pub tls_key: PathBuf,
    /// What to inject.
    pub injector: InjectorConfig,
    /// Largest request body. Default [`DEFAULT_MAX_BODY_BYTES`].
    pub max_body_bytes: usize,
    /// How often the certificate files are checked for changes. Default 2 s: a rotated
    /// certificate is in use well before the old one expires, and the check is two small reads.
    pub cert_reload_interval: Duration,
    /// How long a client has to finish its TLS handshake. Default 10 s, so a stalled client cannot
    /// hold a task forever.
    pub handshake_timeout: Duration,
    /// How long shutdown waits for open connections. Default 10 s.
    pub drain_timeout: Duration,
}

impl ServeConfig {
    /// A configuration with the defaults above.
    pub fn new(
        listen: SocketAddr,
        tls_cert: PathBuf,
        tls_key: PathBuf,
        injector: InjectorConfig,
    ) -> Self {
        ServeConfig {
            listen,
            tls_cert,
            tls_key,
            injector,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            cert_reload_interval: Duration::from_secs(2),
            handshake_timeout: Duration::from_secs(10),
            drain_timeout: Duration::from_secs(10),
        }
    }
}

/// A server that is accepting connections.
#[derive(Debug)]
pub struct RunningServer {
    local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl RunningServer {
    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting, drains open connections and waits for the server to end.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Binds, loads the certificate and starts serving in the background.
///
/// # Errors
/// [`ServeError`] when the address cannot be bound or the certificate cannot be used.
pub async fn start(config: ServeConfig) -> Result<RunningServer, ServeError> {
    let cert = Arc::new(
        ReloadingCert::load(CertPaths {
            cert: config.tls_cert.clone(),
            key: config.tls_key.clone(),
        })
        .map_err(ServeError::Certificate)?,
    );
    let acceptor = TlsAcceptor::from(Arc::new(
        tls::server_config(Arc::clone(&cert)).map_err(ServeError::Tls)?,
    ));
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.listen,
            source,
        })?;
    let local_addr = listener.local_addr().map_err(|source| ServeError::Bind {
        addr: config.listen,
        source,
    })?;
    let (stop, stopped) = watch::channel(false);
    let watcher = tokio::spawn(cert.watch(config.cert_reload_interval));
    let task = tokio::spawn(async move {
        accept_loop(listener, acceptor, &config, stopped).await;
        watcher.abort();
    });
    tracing::info!(%local_addr, "serving admission reviews on https://{local_addr}/inject");
    Ok(RunningServer {
        local_addr,
        stop,
        task,
    })
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    config: &ServeConfig,
    mut stopped: watch::Receiver<bool>,
) {
    let service = TowerToHyperService::new(webhook::router(
        config.injector.clone(),
        config.max_body_bytes,
    ));
    let builder = auto::Builder::new(TokioExecutor::new());
    let graceful = GracefulShutdown::new();
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    // EMFILE and friends: back off briefly instead of spinning.
                    tracing::warn!(%err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stopped.changed() => break,
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let service = service.clone();
        let builder = builder.clone();
        let watcher = graceful.watcher();
        let handshake_timeout = config.handshake_timeout;
        tokio::spawn(async move {
            let tls = match tokio::time::timeout(handshake_timeout, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => tls,
                Ok(Err(err)) => {
                    tracing::debug!(%peer, %err, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!(%peer, "TLS handshake timed out");
                    return;
                }
            };
            let connection = builder.serve_connection(TokioIo::new(tls), service);
            if let Err(err) = watcher.watch(connection.into_owned()).await {
                tracing::debug!(%peer, %err, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(config.drain_timeout, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the drain timeout; closing them");
    }
}
