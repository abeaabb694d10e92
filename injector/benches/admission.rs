//! Admission latency over TLS on loopback, side by side with a ceiling, plus `inject` throughput.
//!
//!     cargo bench -p sidecar-injector --bench admission
//!
//! The ceiling is nginx (Debian's package) answering the same POST over the same TLS setup with a
//! canned AdmissionReview: what a server that does no work at all costs on this machine. Both
//! servers run as separate processes; one client (keep-alive HTTP/1.1 connections, as many as the
//! concurrency) drives both in alternating rounds, so machine noise hits both alike.
//! Env: BENCH_SECONDS (per measurement, default 5), BENCH_ROUNDS (default 3), NGINX (binary).

#[path = "../tests/support/mod.rs"]
mod support;

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sidecar_injector::{Injector, InjectorConfig, Mode, inject_manifest, webhook};
use support::{HttpsConnection, Pki, client_config};

const POD: &str = include_str!("../tests/data/bench-pod.json");

fn review_body() -> Vec<u8> {
    let pod: Value = serde_json::from_str(POD).expect("bench pod is JSON");
    serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "0df28fbd-5f5f-11e8-bc74-36e6bb280816",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": "bench",
            "operation": "CREATE",
            "userInfo": {"username": "system:serviceaccount:kube-system:replicaset-controller"},
            "object": pod,
            "dryRun": false
        }
    }))
    .expect("review serialises")
}

struct Stats {
    p50: Duration,
    p99: Duration,
    rps: f64,
}

async fn measure(
    addr: SocketAddr,
    ca: &str,
    concurrency: usize,
    body: Arc<Vec<u8>>,
    seconds: f64,
) -> Stats {
    let config = client_config(ca, &[b"http/1.1"]);
    let warmup = Duration::from_millis(500);
    let window = Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let config = Arc::clone(&config);
        let body = Arc::clone(&body);
        tasks.push(tokio::spawn(async move {
            let mut conn = HttpsConnection::connect(addr, config)
                .await
                .expect("bench connect");
            let start = Instant::now();
            let mut latencies = Vec::new();
            loop {
                let sent = Instant::now();
                let (status, _) = conn
                    .send("POST", "/inject", body.to_vec())
                    .await
                    .expect("bench request");
                assert_eq!(status, 200, "bench target answered {status}");
                let now = Instant::now();
                if now - start > warmup + window {
                    break;
                }
                if sent - start >= warmup {
                    latencies.push(now - sent);
                }
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("bench task"));
    }
    all.sort();
    let pick = |q: f64| all[((all.len() as f64 - 1.0) * q) as usize];
    Stats {
        p50: pick(0.50),
        p99: pick(0.99),
        rps: all.len() as f64 / seconds,
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn start_nginx(pki: &Pki, canned: &[u8]) -> (std::process::Child, SocketAddr) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let dir = pki.dir.path();
    std::fs::write(dir.join("canned.json"), canned).expect("write canned");
    let conf = format!(
        "daemon off;\nmaster_process on;\nworker_processes 2;\npid {dir}/nginx.pid;\nerror_log {dir}/error.log warn;\n\
         events {{ worker_connections 1024; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {dir};\n  proxy_temp_path {dir};\n  fastcgi_temp_path {dir};\n  uwsgi_temp_path {dir};\n  scgi_temp_path {dir};\n\
           client_max_body_size 4m;\n  client_body_buffer_size 64k;\n  keepalive_requests 1000000;\n\
           server {{\n    listen 127.0.0.1:{port} ssl;\n    ssl_certificate {cert};\n    ssl_certificate_key {key};\n\
             location = /inject {{ default_type application/json; alias {dir}/canned.json; error_page 405 =200 $uri; }}\n  }}\n}}\n",
        dir = dir.display(),
        cert = pki.cert_path.display(),
        key = pki.key_path.display(),
    );
    let conf_path = dir.join("nginx.conf");
    std::fs::write(&conf_path, conf).expect("write nginx.conf");
    let nginx = std::env::var("NGINX").unwrap_or_else(|_| "nginx".to_owned());
    let child = std::process::Command::new(&nginx)
        .args([
            "-c",
            &conf_path.display().to_string(),
            "-p",
            &dir.display().to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|err| panic!("must start {nginx} (apt-get install nginx-light): {err}"));
    (child, SocketAddr::from(([127, 0, 0, 1], port)))
}

fn start_injector(pki: &Pki) -> (std::process::Child, SocketAddr) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_sidecar-injector"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--mode",
            "native",
        ])
        .arg("--tls-cert")
        .arg(&pki.cert_path)
        .arg("--tls-key")
        .arg(&pki.key_path)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("must start sidecar-injector serve");
    (child, SocketAddr::from(([127, 0, 0, 1], port)))
}

/// Waits until `addr` answers the review, and checks it answers exactly `expected`: the ceiling
/// is only a ceiling if it sends the same bytes.
async fn wait_until_serving(addr: SocketAddr, ca: &str, body: &[u8], expected: &[u8]) {
    for _ in 0..200 {
        let connected = HttpsConnection::connect(addr, client_config(ca, &[b"http/1.1"])).await;
        if let Ok(mut conn) = connected
            && let Ok((status, answer)) = conn.send("POST", "/inject", body.to_vec()).await
        {
            assert_eq!(status, 200, "{addr} answered {status}");
            assert!(
                answer == expected,
                "{addr} answered {} bytes, expected the {} canned bytes",
                answer.len(),
                expected.len()
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{addr} did not start serving");
}

fn inject_throughput() {
    let manifest = include_str!("../tests/data/manifests/hello-multi.yaml");
    let config = InjectorConfig::new(Mode::Native);
    let docs = inject_manifest(manifest, &config)
        .expect("injects")
        .documents
        .len();
    let iterations = 2000;
    let start = Instant::now();
    for _ in 0..iterations {
        std::hint::black_box(
            inject_manifest(std::hint::black_box(manifest), &config)
                .expect("injects")
                .to_yaml(),
        );
    }
    let elapsed = start.elapsed();
    let body = review_body();
    let injector = Injector::new(config.clone());
    let review_iterations = 5000;
    let start = Instant::now();
    for _ in 0..review_iterations {
        std::hint::black_box(
            webhook::review(std::hint::black_box(&body), &injector).expect("review"),
        );
    }
    let review_elapsed = start.elapsed();
    println!("\n## inject throughput (in process, one core)\n");
    println!("| operation | per call | calls/s |");
    println!("|---|---:|---:|");
    println!(
        "| `inject_manifest` + YAML out, hello-multi.yaml ({docs} Deployments, {} bytes) | {:.1} µs | {:.0} |",
        manifest.len(),
        elapsed.as_secs_f64() * 1e6 / iterations as f64,
        iterations as f64 / elapsed.as_secs_f64()
    );
    println!(
        "| `webhook::review` (parse review, mutate, patch, serialise), {} byte review | {:.1} µs | {:.0} |",
        body.len(),
        review_elapsed.as_secs_f64() * 1e6 / review_iterations as f64,
        review_iterations as f64 / review_elapsed.as_secs_f64()
    );
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` does not, and must not run a long benchmark.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let seconds: f64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5.0);
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let pki = Pki::new();
    let body = Arc::new(review_body());
    let canned =
        webhook::review(&body, &Injector::new(InjectorConfig::new(Mode::Native))).expect("review");

    let (mut nginx, nginx_addr) = start_nginx(&pki, &canned);
    let (mut injector, injector_addr) = start_injector(&pki);
    runtime.block_on(async {
        wait_until_serving(nginx_addr, &pki.ca_pem, &body, &canned).await;
        wait_until_serving(injector_addr, &pki.ca_pem, &body, &canned).await;
    });

    println!(
        "# admission over TLS on loopback: {} byte review, {} byte answer, {seconds} s x {rounds} rounds (medians)\n",
        body.len(),
        canned.len()
    );
    println!(
        "| concurrency | server | p50 | p99 | requests/s | p50 vs ceiling | req/s vs ceiling |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|");
    for concurrency in [1, 32] {
        let mut results: [(Vec<f64>, Vec<f64>, Vec<f64>); 2] = Default::default();
        for _ in 0..rounds {
            for (i, addr) in [nginx_addr, injector_addr].into_iter().enumerate() {
                let stats = runtime.block_on(measure(
                    addr,
                    &pki.ca_pem,
                    concurrency,
                    Arc::clone(&body),
                    seconds,
                ));
                results[i].0.push(stats.p50.as_secs_f64() * 1e6);
                results[i].1.push(stats.p99.as_secs_f64() * 1e6);
                results[i].2.push(stats.rps);
            }
        }
        let [ceiling, ours] =
            results.map(|(p50, p99, rps)| (median(p50), median(p99), median(rps)));
        for (name, (p50, p99, rps)) in [("nginx (ceiling)", ceiling), ("sidecar-injector", ours)] {
            println!(
                "| {concurrency} | {name} | {p50:.0} µs | {p99:.0} µs | {rps:.0} | {:.2}x | {:.2}x |",
                p50 / ceiling.0,
                rps / ceiling.2
            );
        }
    }
    let _ = nginx.kill();
    let _ = injector.kill();
    let _ = nginx.wait();
    let _ = injector.wait();
    inject_throughput();
}
