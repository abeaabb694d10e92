//! The builtin injector installed on a live kind cluster (gate on) from `manifests/injector/`,
//! exactly as the README's install steps do: its Deployment becomes ready, the webhook admits
//! pods with the proxy as a native sidecar and denies a pod it cannot inject, and a real injected
//! pod runs the offline Envoy image, starts its app after the proxy, and sends the app's request
//! through the proxy (visible in the proxy's access log).

use std::time::{Duration, Instant};

use base64::Engine;
use k8s_openapi::api::core::v1::Pod;
use serde_json::{Value, json};
use sidecar_e2e::install::ServingCertificates;
use sidecar_e2e::plan::{Gate, ImageTable};
use sidecar_e2e::views::access_log;
use sidecar_suites::kind::{KindCluster, offline_cluster};
use sidecar_suites::process::Finished;

const MANIFESTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../manifests");
const NAMESPACE: &str = "demo";

fn manifest(path: &str, table: &ImageTable) -> String {
    let text = std::fs::read_to_string(format!("{MANIFESTS}/{path}"))
        .unwrap_or_else(|err| panic!("manifests/{path} must be readable: {err}"));
    table
        .render_manifest(&text)
        .unwrap_or_else(|err| panic!("manifests/{path} must render: {err}"))
}

/// `kubectl apply` of objects that name their namespace (or are cluster-scoped).
fn apply(cluster: &KindCluster, yaml: &str) {
    let applied = cluster.kubectl(&["apply", "-f", "-"], Some(yaml.as_bytes()));
    assert!(
        applied.succeeded(),
        "kubectl apply must succeed:{}",
        applied.report()
    );
}

/// `kubectl apply` into `namespace`, for objects that leave it out.
fn apply_in(cluster: &KindCluster, namespace: &str, yaml: &str) {
    let applied = cluster.kubectl(
        &["-n", namespace, "apply", "-f", "-"],
        Some(yaml.as_bytes()),
    );
    assert!(
        applied.succeeded(),
        "kubectl apply must succeed:{}",
        applied.report()
    );
}

/// Installs the injector the way the README says, and waits until the webhook answers.
fn install_injector(cluster: &KindCluster, table: &ImageTable) {
    for image in [
        &table.workloads.injector,
        &table.workloads.envoy,
        &table.workloads.curl,
        &table.workloads.httpbin,
    ] {
        cluster.load_image(image);
    }
    apply(cluster, &manifest("injector/namespace.yaml", table));
    apply(cluster, &manifest("injector/rbac.yaml", table));
    let pki = ServingCertificates::for_service("sidecar-injector", "sidecar-e2e-system")
        .expect("certificates for the injector Service");
    let dir = tempfile::tempdir().expect("temp dir");
    let (cert, key) = (dir.path().join("tls.crt"), dir.path().join("tls.key"));
    std::fs::write(&cert, &pki.cert_pem).expect("write cert");
    std::fs::write(&key, &pki.key_pem).expect("write key");
    let (cert, key) = (
        format!("--cert={}", cert.display()),
        format!("--key={}", key.display()),
    );
    cluster.kubectl_ok(&[
        "-n",
        "sidecar-e2e-system",
        "create",
        "secret",
        "tls",
        "sidecar-injector-tls",
        &cert,
        &key,
    ]);
    apply(cluster, &manifest("injector/deployment.yaml", table));
    apply(cluster, &manifest("injector/service.yaml", table));
    cluster.kubectl_ok(&[
        "-n",
        "sidecar-e2e-system",
        "rollout",
        "status",
        "deployment/sidecar-injector",
        "--timeout=120s",
    ]);
    let ca = base64::engine::general_purpose::STANDARD.encode(pki.ca_pem.as_bytes());
    apply(
        cluster,
        &manifest("injector/webhook.yaml", table).replace("__CA_BUNDLE__", &ca),
    );
    cluster.kubectl_ok(&["create", "namespace", NAMESPACE]);
    cluster.kubectl_ok(&[
        "label",
        "namespace",
        NAMESPACE,
        "sidecar-e2e/injection=enabled",
    ]);
}

/// A server-side dry-run create of `pod`, repeated while the API server cannot reach the
/// webhook yet: a ready Deployment does not mean kube-proxy already routes its Service (measured
/// here: "connection refused" on the ClusterIP a moment after the rollout finished). Gives up
/// after 60 s; any other answer is returned at once.
fn admitted_when_webhook_answers(cluster: &KindCluster, pod: &Value) -> Finished {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let dry = cluster.kubectl(
            &["create", "--dry-run=server", "-o", "json", "-f", "-"],
            Some(pod.to_string().as_bytes()),
        );
        if dry.succeeded()
            || !dry.stderr().contains("failed calling webhook")
            || Instant::now() > deadline
        {
            return dry;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn pod(name: &str, image: &str, container: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {
            "terminationGracePeriodSeconds": 1,
            "containers": [{
                "name": container,
                "image": image,
                "imagePullPolicy": "Never",
                "command": ["/bin/sh", "-c", "exec sleep 3600"],
            }],
        },
    })
}

#[test]
fn webhook_on_a_live_cluster_injects_a_native_proxy_that_carries_the_apps_traffic() {
    let (cluster, table) = offline_cluster(Gate::On, "webhook");
    install_injector(&cluster, &table);

    // Admits: a dry-run create comes back with the proxy as initContainers[0], restartable.
    let app = pod("app", &table.workloads.curl, "app");
    let dry = admitted_when_webhook_answers(&cluster, &app);
    assert!(
        dry.succeeded(),
        "the webhook must admit the pod:{}",
        dry.report()
    );
    let stored: Value = serde_json::from_slice(&dry.output.stdout).expect("JSON");
    let proxy = &stored["spec"]["initContainers"][0];
    assert_eq!(proxy["name"], "sidecar-proxy", "{stored:#}");
    assert_eq!(proxy["restartPolicy"], "Always", "{stored:#}");
    assert_eq!(proxy["image"], table.workloads.envoy.as_str(), "{stored:#}");
    assert!(
        stored["metadata"]["annotations"]["sidecar-e2e/status"].is_string(),
        "the injector records what it did: {stored:#}"
    );

    // Denies: a user container already named like the proxy cannot be injected.
    let clash = pod("clash", &table.workloads.curl, "sidecar-proxy");
    let denied = cluster.kubectl(
        &["create", "--dry-run=server", "-f", "-"],
        Some(clash.to_string().as_bytes()),
    );
    assert!(
        !denied.succeeded(),
        "the webhook must deny the pod:{}",
        denied.report()
    );
    assert!(
        denied.stderr().contains("denied the request") && denied.stderr().contains("sidecar-proxy"),
        "the denial must come from the webhook and name the clash:{}",
        denied.report()
    );

    // A real pod: Envoy (offline image, uid 101) passes its probes, the app starts after it, and
    // the app's request to httpbin goes through the proxy.
    apply_in(
        &cluster,
        NAMESPACE,
        &manifest("workloads/httpbin.yaml", &table),
    );
    cluster.kubectl_ok(&[
        "-n",
        NAMESPACE,
        "rollout",
        "status",
        "deployment/httpbin",
        "--timeout=120s",
    ]);
    apply(&cluster, &app.to_string());
    cluster.kubectl_ok(&[
        "-n",
        NAMESPACE,
        "wait",
        "--for=condition=Ready",
        "pod/app",
        "--timeout=120s",
    ]);
    let pod: Pod =
        serde_json::from_value(cluster.kubectl_json(&["-n", NAMESPACE, "get", "pod", "app"], None))
            .expect("a Pod");
    let status = pod.status.expect("status");
    let proxy = &status.init_container_statuses.expect("init statuses")[0];
    let app_status = &status.container_statuses.expect("statuses")[0];
    assert_eq!(proxy.name, "sidecar-proxy");
    assert_eq!(proxy.started, Some(true), "{proxy:?}");
    let since = |s: &k8s_openapi::api::core::v1::ContainerStatus| {
        s.state
            .as_ref()
            .and_then(|st| st.running.as_ref())
            .and_then(|r| r.started_at.as_ref())
            .map(|t| t.0)
    };
    let (proxy_at, app_at) = (
        since(proxy).expect("proxy running"),
        since(app_status).expect("app running"),
    );
    assert!(
        app_at >= proxy_at,
        "the app ({app_at}) must start after the proxy ({proxy_at})"
    );

    let url = format!("http://httpbin.{NAMESPACE}.svc.cluster.local:8000/get");
    let request = cluster.kubectl(
        &[
            "-n",
            NAMESPACE,
            "exec",
            "app",
            "-c",
            "app",
            "--",
            "curl",
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-A",
            "sidecar-e2e-webhook-test",
            &url,
        ],
        None,
    );
    assert!(
        request.succeeded(),
        "the app's request must succeed:{}",
        request.report()
    );
    assert_eq!(request.stdout().trim(), "200", "{}", request.report());
    // The proxy logs the request when it completes; read its log until the line is there.
    let mut proxy_log = String::new();
    for _ in 0..20 {
        proxy_log = cluster
            .kubectl_ok(&["-n", NAMESPACE, "logs", "app", "-c", "sidecar-proxy"])
            .stdout();
        if proxy_log.contains("sidecar-e2e-webhook-test") {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let entry = access_log::parse_log(&proxy_log)
        .into_iter()
        .map(|(_, entry)| entry)
        .find(|entry| entry.user_agent.as_deref() == Some("sidecar-e2e-webhook-test"))
        .unwrap_or_else(|| {
            panic!("the proxy's access log must record the app's request:\n{proxy_log}")
        });
    assert_eq!(entry.response_code, 200, "{entry:?}");
    assert_eq!(
        entry.authority.as_deref(),
        Some(format!("httpbin.{NAMESPACE}.svc.cluster.local:8000").as_str()),
        "{entry:?}"
    );
}
