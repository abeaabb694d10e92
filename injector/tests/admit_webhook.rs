//! The webhook over real TLS on loopback: AdmissionReviews in, AdmissionReviews (or HTTP errors) out.

mod support;

use std::time::Duration;

use base64::Engine;
use hyper::StatusCode;
use serde_json::{Value, json};
use sidecar_injector::{InjectorConfig, Mode, inject_manifest};
use support::{HttpsConnection, Pki, client_config};

const H1: &[&[u8]] = &[b"http/1.1"];

fn review(kind: &str, group: &str, operation: &str, object: Value) -> Value {
    let resource = format!("{}s", kind.to_lowercase());
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
            "kind": { "group": group, "version": "v1", "kind": kind },
            "resource": { "group": group, "version": "v1", "resource": resource },
            "requestKind": { "group": group, "version": "v1", "kind": kind },
            "requestResource": { "group": group, "version": "v1", "resource": resource },
            "namespace": "demo",
            "operation": operation,
            "userInfo": { "username": "system:serviceaccount:kube-system:replicaset-controller" },
            "object": object,
            "oldObject": null,
            "dryRun": false,
            "options": { "apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions" }
        }
    })
}

fn pod(yaml: &str) -> Value {
    serde_saphyr::from_str(yaml).expect("test pod YAML parses")
}

const APP_POD: &str = "
apiVersion: v1
kind: Pod
metadata:
  generateName: sleep-7656cf8794-
  namespace: demo
  labels: {app: sleep}
spec:
  initContainers:
  - {name: wait-for-db, image: busybox:1.36, command: [sh, -c, 'true']}
  containers:
  - name: sleep
    image: curlimages/curl:8.10.1
    command: [/bin/sleep, infinity]
    env: [{name: HTTP_PROXY, value: 'http://corp:3128'}]
";

async fn post_review(
    server_addr: std::net::SocketAddr,
    ca: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut conn = HttpsConnection::connect(server_addr, client_config(ca, H1))
        .await
        .expect("must connect over TLS");
    let (status, bytes) = conn
        .send("POST", "/inject", body)
        .await
        .expect("request must complete");
    let value = serde_json::from_slice(&bytes).unwrap_or_else(|err| {
        panic!(
            "response must be JSON ({err}): {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    (status, value)
}

fn apply_returned_patch(response: &Value, object: &Value) -> Value {
    assert_eq!(
        response["response"]["patchType"], "JSONPatch",
        "{response:#}"
    );
    let patch_b64 = response["response"]["patch"]
        .as_str()
        .expect("patch is base64 text");
    let patch_json = base64::engine::general_purpose::STANDARD
        .decode(patch_b64)
        .expect("patch must be valid base64");
    let patch: json_patch::Patch =
        serde_json::from_slice(&patch_json).expect("patch must be a JSON patch");
    let mut patched = object.clone();
    json_patch::patch(&mut patched, &patch)
        .expect("returned patch must apply to the request's pod");
    patched
}

#[tokio::test]
async fn pod_patch_gives_exactly_what_inject_prints_in_both_modes() {
    let pki = Pki::new();
    for mode in [Mode::Native, Mode::Legacy] {
        let server = pki.start(mode).await;
        let object = pod(APP_POD);
        let (status, response) = post_review(
            server.local_addr(),
            &pki.ca_pem,
            serde_json::to_vec(&review("Pod", "", "CREATE", object.clone())).expect("json"),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(response["apiVersion"], "admission.k8s.io/v1");
        assert_eq!(response["kind"], "AdmissionReview");
        assert_eq!(
            response["response"]["uid"],
            "705ab4f5-6393-11e8-b7cc-42010a800002"
        );
        assert_eq!(response["response"]["allowed"], true);
        let patched = apply_returned_patch(&response, &object);

        let printed =
            inject_manifest(APP_POD, &InjectorConfig::new(mode)).expect("inject CLI path");
        assert_eq!(
            patched, printed.documents[0],
            "webhook and inject disagree in {mode} mode"
        );
        let proxy_list = match mode {
            Mode::Native => "/spec/initContainers/0/name",
            Mode::Legacy => "/spec/containers/1/name",
        };
        assert_eq!(patched.pointer(proxy_list), Some(&json!("sidecar-proxy")));
        server.shutdown().await;
    }
}

async fn assert_allowed_unchanged(server_addr: std::net::SocketAddr, ca: &str, review: Value) {
    let (status, response) =
        post_review(server_addr, ca, serde_json::to_vec(&review).expect("json")).await;
    assert_eq!(status, StatusCode::OK, "{response:#}");
    assert_eq!(response["response"]["allowed"], true, "{response:#}");
    assert!(
        response["response"].get("patch").is_none(),
        "expected no patch: {response:#}"
    );
}

#[tokio::test]
async fn leaves_non_pods_updates_and_skipped_pods_unchanged() {
    let pki = Pki::new();
    let server = pki.start(Mode::Native).await;
    let addr = server.local_addr();
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"template": {"spec": {"containers": [{"name": "app"}]}}}});
    assert_allowed_unchanged(
        addr,
        &pki.ca_pem,
        review("Deployment", "apps", "CREATE", deployment),
    )
    .await;
    let config_map = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
    assert_allowed_unchanged(
        addr,
        &pki.ca_pem,
        review("ConfigMap", "", "CREATE", config_map),
    )
    .await;
    assert_allowed_unchanged(addr, &pki.ca_pem, review("Pod", "", "UPDATE", pod(APP_POD))).await;

    let opted_out = pod(
        "metadata: {name: x, annotations: {sidecar-e2e/inject: 'false'}}\nspec: {containers: [{name: app}]}",
    );
    assert_allowed_unchanged(addr, &pki.ca_pem, review("Pod", "", "CREATE", opted_out)).await;
    let host_network =
        pod("metadata: {name: x}\nspec: {hostNetwork: true, containers: [{name: app}]}");
    assert_allowed_unchanged(addr, &pki.ca_pem, review("Pod", "", "CREATE", host_network)).await;
    let already = inject_manifest(APP_POD, &InjectorConfig::new(Mode::Native)).expect("inject");
    assert_allowed_unchanged(
        addr,
        &pki.ca_pem,
        review("Pod", "", "CREATE", already.documents[0].clone()),
    )
    .await;
    server.shutdown().await;
}

#[tokio::test]
async fn denies_pod_it_cannot_inject_with_the_reason() {
    let pki = Pki::new();
    let server = pki.start(Mode::Native).await;
    let conflicting =
        pod("metadata: {name: clash}\nspec: {containers: [{name: sidecar-proxy, image: x}]}");
    let (status, response) = post_review(
        server.local_addr(),
        &pki.ca_pem,
        serde_json::to_vec(&review("Pod", "", "CREATE", conflicting)).expect("json"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(response["response"]["allowed"], false, "{response:#}");
    let message = response["response"]["status"]["message"]
        .as_str()
        .expect("deny message");
    assert!(
        message.contains("containers[0]") && message.contains("sidecar-proxy"),
        "{message}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn malformed_reviews_get_400_with_a_json_error() {
    let pki = Pki::new();
    let server = pki.start(Mode::Native).await;
    let no_request = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"});
    for (body, expected) in [
        (b"not json at all".to_vec(), "not an AdmissionReview"),
        (b"{\"request\": 42}".to_vec(), "not an AdmissionReview"),
        (serde_json::to_vec(&no_request).expect("json"), "no request"),
        (Vec::new(), "not an AdmissionReview"),
    ] {
        let (status, response) = post_review(server.local_addr(), &pki.ca_pem, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{}",
            String::from_utf8_lossy(&body)
        );
        let error = response["error"].as_str().expect("error field");
        assert!(error.contains(expected), "{error}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn oversized_body_is_refused_and_the_server_keeps_serving() {
    let pki = Pki::new();
    let mut config = pki.serve_config(Mode::Native);
    config.max_body_bytes = 64 * 1024;
    let server = sidecar_injector::server::start(config)
        .await
        .expect("starts");
    let mut conn = HttpsConnection::connect(server.local_addr(), client_config(&pki.ca_pem, H1))
        .await
        .expect("connect");
    let (status, _) = conn
        .send("POST", "/inject", vec![b' '; 65 * 1024])
        .await
        .expect("answered");
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    let body = serde_json::to_vec(&review("Pod", "", "CREATE", pod(APP_POD))).expect("json");
    let (status, response) = post_review(server.local_addr(), &pki.ca_pem, body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(response["response"]["allowed"], true);
    server.shutdown().await;
}

#[tokio::test]
async fn health_endpoints_answer_over_http2_and_http1() {
    let pki = Pki::new();
    let server = pki.start(Mode::Native).await;
    for alpn in [&[b"h2".as_slice()][..], H1] {
        let mut conn =
            HttpsConnection::connect(server.local_addr(), client_config(&pki.ca_pem, alpn))
                .await
                .expect("connect");
        assert_eq!(conn.is_h2(), alpn == [b"h2".as_slice()]);
        for path in ["/healthz", "/readyz"] {
            let (status, body) = conn.send("GET", path, Vec::new()).await.expect("answered");
            assert_eq!((status, &body[..]), (StatusCode::OK, &b"ok"[..]), "{path}");
        }
        let (status, _) = conn
            .send("GET", "/inject", Vec::new())
            .await
            .expect("answered");
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn plaintext_and_untrusted_clients_fail_without_hurting_the_server() {
    let pki = Pki::new();
    let server = pki.start(Mode::Native).await;
    let addr = server.local_addr();
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut tcp = tokio::net::TcpStream::connect(addr).await.expect("tcp");
        tcp.write_all(b"POST /inject HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}")
            .await
            .expect("write");
        let mut buf = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut buf)).await;
        assert!(
            !buf.starts_with(b"HTTP/1.1 200"),
            "plaintext must not be served"
        );
    }
    let other_ca = Pki::new();
    let untrusted = HttpsConnection::connect(addr, client_config(&other_ca.ca_pem, H1)).await;
    assert!(
        untrusted.is_err(),
        "a client that does not trust our CA must fail the handshake"
    );

    let (status, _) = post_review(
        addr,
        &pki.ca_pem,
        serde_json::to_vec(&review("Pod", "", "CREATE", pod(APP_POD))).expect("json"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    server.shutdown().await;
}

/// Waits, bounded, until a fresh connection trusting `ca` succeeds.
async fn handshake_succeeds_within(addr: std::net::SocketAddr, ca: &str, limit: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if HttpsConnection::connect(addr, client_config(ca, H1))
            .await
            .is_ok()
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn reloads_the_certificate_when_its_files_change_and_keeps_it_when_they_break() {
    let mut pki = Pki::new();
    let mut config = pki.serve_config(Mode::Native);
    config.cert_reload_interval = Duration::from_millis(100);
    let server = sidecar_injector::server::start(config)
        .await
        .expect("starts");
    let addr = server.local_addr();
    let first_ca = pki.ca_pem.clone();
    assert!(handshake_succeeds_within(addr, &first_ca, Duration::from_secs(1)).await);

    let second_ca = pki.rotate();
    assert!(
        handshake_succeeds_within(addr, &second_ca, Duration::from_secs(10)).await,
        "the rotated certificate must be served within 10 s"
    );
    assert!(
        HttpsConnection::connect(addr, client_config(&first_ca, H1))
            .await
            .is_err(),
        "the old certificate must no longer be served"
    );

    std::fs::write(
        &pki.key_path,
        "-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n",
    )
    .expect("write broken key");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        HttpsConnection::connect(addr, client_config(&second_ca, H1))
            .await
            .is_ok(),
        "a broken key file must not take the served certificate away"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn refuses_to_start_with_a_key_that_does_not_match_the_certificate() {
    let pki = Pki::new();
    let other = Pki::new();
    let mut config = pki.serve_config(Mode::Native);
    config.tls_key = other.key_path.clone();
    let err = sidecar_injector::server::start(config)
        .await
        .expect_err("mismatched key");
    let rendered = sidecar_injector::error_chain(&err);
    assert!(
        rendered.contains("does not fit the certificate"),
        "{rendered}"
    );
}

/// Pods from issue 8, as YAML: the webhook's patch applied to the pod (as JSON, the way the API
/// server sends it) must equal what `inject` prints for the same YAML.
const ISSUE_8_PODS: &[&str] = &[
    // Helm's empty metadata and annotations.
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  annotations:\nspec: {containers: [{name: app, image: x}]}\n",
    // Only the lower-case proxy variable set: neither spelling is added.
    "apiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec: {containers: [{name: app, image: x, env: [{name: http_proxy, value: 'http://corp:3128'}]}]}\n",
    // An opt-in spelt the YAML 1.1 way.
    "apiVersion: v1\nkind: Pod\nmetadata: {name: c, annotations: {sidecar-e2e/inject: 'Yes'}}\nspec: {containers: [{name: app, image: x}]}\n",
    // Octal file modes, which the webhook only ever sees as JSON numbers.
    "apiVersion: v1\nkind: Pod\nmetadata: {name: d}\nspec:\n  containers: [{name: app, image: x}]\n  volumes: [{name: s, secret: {secretName: s, defaultMode: 0400}}]\n",
];

#[tokio::test]
async fn issue_8_pods_get_from_the_webhook_what_inject_prints() {
    let pki = Pki::new();
    let server = pki.start(Mode::Native).await;
    for yaml in ISSUE_8_PODS {
        let printed = inject_manifest(yaml, &InjectorConfig::new(Mode::Native))
            .unwrap_or_else(|err| panic!("{yaml}: {}", sidecar_injector::error_chain(&err)));
        // The API server sends what kubectl sent: the YAML read as kubectl reads it, as JSON.
        let object = sidecar_injector::yaml::parse_documents(yaml).expect("parses")[0].clone();
        let (status, response) = post_review(
            server.local_addr(),
            &pki.ca_pem,
            serde_json::to_vec(&review("Pod", "", "CREATE", object.clone())).expect("json"),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            response["response"]["allowed"], true,
            "{yaml}: {response:#}"
        );
        let patched = apply_returned_patch(&response, &object);
        assert_eq!(
            patched, printed.documents[0],
            "webhook and inject disagree on:\n{yaml}"
        );
    }

    // Opt-outs and records the injector did not write: both front ends decide alike.
    for (yaml, allowed) in [
        (
            "metadata: {name: e, annotations: {sidecar-e2e/inject: 'OFF'}}\nspec: {containers: [{name: app}]}",
            true,
        ),
        (
            "metadata: {name: f, annotations: {sidecar-e2e/status: 'garbage'}}\nspec: {containers: [{name: app}]}",
            false,
        ),
        (
            "metadata: {name: g, annotations: {sidecar-e2e/inject: 'maybe'}}\nspec: {containers: [{name: app}]}",
            false,
        ),
    ] {
        let manifest = format!("apiVersion: v1\nkind: Pod\n{yaml}\n");
        let printed = inject_manifest(&manifest, &InjectorConfig::new(Mode::Native));
        let (_, response) = post_review(
            server.local_addr(),
            &pki.ca_pem,
            serde_json::to_vec(&review("Pod", "", "CREATE", pod(yaml))).expect("json"),
        )
        .await;
        assert_eq!(
            response["response"]["allowed"], allowed,
            "{yaml}: {response:#}"
        );
        assert_eq!(printed.is_ok(), allowed, "{yaml}");
        assert!(
            response["response"].get("patch").is_none(),
            "{yaml}: {response:#}"
        );
    }
    server.shutdown().await;
}
