//! The generated bootstrap, run by a real Envoy 1.40: validation, readiness, forward-proxy traffic
//! with access-log lines, shutdown and the legacy Job workaround.

mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use sidecar_injector::bootstrap::Bootstrap;
use sidecar_injector::proxy::proxy_container;
use sidecar_injector::{InjectorConfig, Mode};
use support::envoy::{Envoy, envoy_binary, http_request};

/// A local upstream (like httpbin): `/get` 200, `/post` 201, anything else 404.
async fn upstream() -> SocketAddr {
    let app = Router::new()
        .route("/get", get(|| async { "{\"url\": \"/get\"}" }))
        .route("/post", post(|| async { (StatusCode::CREATED, "created") }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind upstream");
    let addr = listener.local_addr().expect("upstream addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// A loopback port with nothing listening.
fn closed_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    addr
}

async fn via_proxy(
    envoy: &Envoy,
    method: &str,
    target: SocketAddr,
    path: &str,
    version: &str,
) -> String {
    let body = if method == "POST" { "hello" } else { "" };
    let raw = format!(
        "{method} http://{target}{path} {version}\r\nHost: {target}\r\nUser-Agent: sidecar-e2e-test\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    http_request(envoy.outbound_addr(), &raw)
        .await
        .expect("proxy must answer")
}

fn status_of(response: &str) -> &str {
    response.split(' ').nth(1).unwrap_or("")
}

/// The access-log line for a request, by its request line, method and authority.
fn log_line<'a>(log: &'a str, method: &str, path: &str, authority: &str) -> &'a str {
    let request = format!("\"{method} {path} HTTP/1.1\"");
    let authority = format!("\"{authority}\"");
    log.lines()
        .find(|l| l.contains(&request) && l.contains(&authority))
        .unwrap_or_else(|| panic!("no access-log line for {request} {authority} in:\n{log}"))
}

#[test]
fn envoy_validates_the_exact_args_the_proxy_container_runs_with() {
    for mode in [Mode::Native, Mode::Legacy] {
        let container = proxy_container(&InjectorConfig::new(mode), mode);
        let args = container.args.expect("proxy has args");
        let output = std::process::Command::new(envoy_binary())
            .args(["--mode", "validate"])
            .args(&args)
            .output()
            .expect("must run envoy --mode validate");
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "envoy rejected the bootstrap:\n{text}"
        );
        assert!(text.contains("OK"), "{text}");
    }
}

#[test]
fn envoy_rejects_a_broken_bootstrap() {
    // Proves the validation test above can fail.
    let mut value = Bootstrap::default().to_value();
    value["static_resources"]["clusters"][0]["lb_policy"] = "NO_SUCH_POLICY".into();
    let output = std::process::Command::new(envoy_binary())
        .args([
            "--mode",
            "validate",
            "--disable-hot-restart",
            "--config-yaml",
            &value.to_string(),
        ])
        .output()
        .expect("must run envoy");
    assert!(!output.status.success());
}

#[tokio::test]
async fn health_listener_answers_ready_and_nothing_else() {
    let envoy = Envoy::start().await;
    let ready = http_request(
        envoy.health_addr(),
        "GET /healthz/ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await
    .expect("health");
    assert_eq!(status_of(&ready), "200", "{ready}");
    let other = http_request(
        envoy.health_addr(),
        "GET /stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await
    .expect("health");
    assert_eq!(status_of(&other), "404", "{other}");
    envoy.stop().await;
}

#[tokio::test]
async fn forwards_requests_and_logs_each_in_istio_format() {
    let upstream = upstream().await;
    let closed = closed_port();
    let envoy = Envoy::start().await;

    let cases = [
        ("GET", upstream, "/get", "200"),
        ("GET", upstream, "/missing", "404"),
        ("POST", upstream, "/post", "201"),
        ("GET", closed, "/closed", "503"),
    ];
    for (method, target, path, status) in cases {
        let response = via_proxy(&envoy, method, target, path, "HTTP/1.1").await;
        assert_eq!(status_of(&response), status, "{method} {path}: {response}");
    }
    let log = envoy.stop().await;

    for (method, target, path, status) in cases {
        let line = log_line(&log, method, path, &target.to_string());
        assert!(
            line.starts_with('['),
            "line starts with the start time: {line}"
        );
        let after_request = line
            .split_once("HTTP/1.1\" ")
            .map(|(_, rest)| rest)
            .unwrap_or("");
        assert!(
            after_request.starts_with(&format!("{status} ")),
            "status {status} in: {line}"
        );
        assert!(
            line.contains("\"sidecar-e2e-test\""),
            "user agent in: {line}"
        );
        assert!(
            line.contains(" dynamic_forward_proxy_cluster "),
            "cluster in: {line}"
        );
        assert!(
            line.trim_end().ends_with(" outbound"),
            "route name ends the line: {line}"
        );
    }
    let refused = log_line(&log, "GET", "/closed", &closed.to_string());
    assert!(
        refused.contains(" UF "),
        "connection failure flag in: {refused}"
    );
}

#[tokio::test]
async fn accepts_http_1_0_clients() {
    let upstream = upstream().await;
    let envoy = Envoy::start().await;
    let response = via_proxy(&envoy, "GET", upstream, "/get", "HTTP/1.0").await;
    assert_eq!(
        status_of(&response),
        "200",
        "HTTP/1.0 must not get 426: {response}"
    );
    envoy.stop().await;
}

#[tokio::test]
async fn sigterm_exits_promptly_and_flushes_the_last_request() {
    let upstream = upstream().await;
    let envoy = Envoy::start().await;
    let response = via_proxy(&envoy, "GET", upstream, "/get?last=1", "HTTP/1.1").await;
    assert_eq!(status_of(&response), "200");

    let sent = Instant::now();
    envoy.terminate();
    let (status, log, stderr) = envoy.wait_exit(Duration::from_secs(10)).await;
    let took = sent.elapsed();
    assert!(status.success(), "exit {status} after SIGTERM:\n{stderr}");
    assert!(
        took < Duration::from_secs(5),
        "SIGTERM to exit took {took:?}"
    );
    log_line(&log, "GET", "/get?last=1", &upstream.to_string());
}

#[tokio::test]
async fn quitquitquit_on_the_admin_port_stops_envoy() {
    // The legacy Job workaround: the app stops its proxy when it is done.
    let envoy = Envoy::start().await;
    let response = http_request(
        envoy.admin_addr(),
        "POST /quitquitquit HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    )
    .await
    .expect("admin");
    assert_eq!(status_of(&response), "200", "{response}");
    let (status, _, stderr) = envoy.wait_exit(Duration::from_secs(10)).await;
    assert!(
        status.success(),
        "exit {status} after /quitquitquit:\n{stderr}"
    );
}

#[tokio::test]
async fn tunnels_https_with_connect_and_logs_the_tunnel() {
    // The TLS upstream: the webhook server, with a self-signed certificate for `localhost` that
    // curl trusts directly.
    let dir = tempfile::tempdir().expect("must create a temp dir");
    let (ca_path, key_path) = (dir.path().join("tls.crt"), dir.path().join("tls.key"));
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])
        .expect("must generate a certificate");
    std::fs::write(&ca_path, certified.cert.pem()).expect("must write the certificate");
    std::fs::write(&key_path, certified.signing_key.serialize_pem()).expect("must write the key");
    let server = sidecar_injector::server::start(sidecar_injector::server::ServeConfig::new(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        ca_path.clone(),
        key_path,
        InjectorConfig::new(Mode::Native),
    ))
    .await
    .expect("the TLS upstream must start");
    let upstream = server.local_addr();
    let envoy = Envoy::start().await;

    // curl reads `https_proxy` as an app in the pod does, and speaks CONNECT to the proxy.
    let url = format!("https://localhost:{}/healthz", upstream.port());
    let curl = tokio::process::Command::new("curl")
        .args(["-sS", "--max-time", "10", "--cacert"])
        .arg(&ca_path)
        .arg(&url)
        .env("https_proxy", format!("http://{}", envoy.outbound_addr()))
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .output()
        .await
        .expect("curl must be installed for this test (apt-get install curl)");
    let log = envoy.stop().await;
    server.shutdown().await;
    assert!(
        curl.status.success(),
        "curl through the proxy failed: {}",
        String::from_utf8_lossy(&curl.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&curl.stdout), "ok");

    let authority = format!("\"localhost:{}\"", upstream.port());
    let line = log
        .lines()
        .find(|l| l.contains("\"CONNECT - HTTP/1.1\"") && l.contains(&authority))
        .unwrap_or_else(|| panic!("no access-log line for the tunnel in:\n{log}"));
    assert!(
        line.contains("HTTP/1.1\" 200 "),
        "tunnel established: {line}"
    );
    assert!(
        line.contains(" dynamic_forward_proxy_cluster "),
        "cluster in: {line}"
    );
    assert!(line.trim_end().ends_with(" outbound"), "route name: {line}");
}
