//! kind clusters boot from the offline node image (`sidecar-e2e images build --k8s 1.32`) with the
//! harness's own kind config, gate on and gate off: each node Ready, nothing pulled from a
//! registry. Gate on: a restartable init container runs and the app starts only after it has
//! started. Gate off: the API server drops `restartPolicy` from init containers (server-side
//! dry-run), and refuses the probes a sidecar needs.
//!
//! The tests share the machine's two cores; the `e2e` profile runs them one at a time.

use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use serde_json::{Value, json};
use sidecar_e2e::plan::Gate;
use sidecar_suites::kind::{KindCluster, SANDBOX_IMAGE as PAUSE, offline_cluster};

/// Nothing in the cluster may have been pulled: every image came with the node or `kind load`.
fn assert_nothing_pulled(cluster: &KindCluster) {
    let pulling = cluster.events_with_reason("Pulling");
    assert!(
        pulling.is_empty(),
        "{}: images were pulled: {pulling:#?}",
        cluster.name()
    );
    let failed = cluster.events_with_reason("Failed");
    assert!(
        failed.is_empty(),
        "{}: failures: {failed:#?}",
        cluster.name()
    );
}

/// A pod with a restartable init container (the sidecar) and an app, both on `image`.
fn sidecar_pod(name: &str, image: &str, with_startup_probe: bool) -> Value {
    let mut sidecar = json!({
        "name": "sidecar",
        "image": image,
        "imagePullPolicy": "Never",
        "restartPolicy": "Always",
        "command": ["/bin/sh", "-c", "sleep 3; touch /tmp/started; exec sleep 3600"],
    });
    if with_startup_probe {
        sidecar["startupProbe"] = json!({
            "exec": {"command": ["test", "-f", "/tmp/started"]},
            "periodSeconds": 1,
            "failureThreshold": 60,
        });
    }
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "terminationGracePeriodSeconds": 1,
            "initContainers": [sidecar],
            "containers": [{
                "name": "app",
                "image": image,
                "imagePullPolicy": "Never",
                "command": ["/bin/sh", "-c", "exec sleep 3600"],
            }],
        },
    })
}

fn dry_run_create(cluster: &KindCluster, pod: &Value) -> sidecar_suites::process::Finished {
    cluster.kubectl(
        &["create", "--dry-run=server", "-o", "json", "-f", "-"],
        Some(pod.to_string().as_bytes()),
    )
}

/// What the API server would store for `pod` (server-side dry-run); it must be admitted.
fn admitted(cluster: &KindCluster, pod: &Value) -> Value {
    let dry = dry_run_create(cluster, pod);
    assert!(dry.succeeded(), "dry-run must be admitted:{}", dry.report());
    serde_json::from_slice(&dry.output.stdout).expect("dry-run prints JSON")
}

fn running_since(status: &ContainerStatus) -> i64 {
    status
        .state
        .as_ref()
        .and_then(|s| s.running.as_ref())
        .and_then(|r| r.started_at.as_ref())
        .unwrap_or_else(|| panic!("{} must be running: {status:?}", status.name))
        .0
        .as_second()
}

#[test]
fn gate_on_cluster_starts_the_app_after_its_native_sidecar() {
    let (cluster, table) = offline_cluster(Gate::On, "gate-on");

    // The field survives admission.
    let stored = admitted(&cluster, &sidecar_pod("probe", PAUSE, false));
    assert_eq!(
        stored["spec"]["initContainers"][0]["restartPolicy"], "Always",
        "{stored:#}"
    );

    // A real pod: the sidecar takes 3 s to pass its startup probe; the app must wait for it.
    cluster.load_image(&table.workloads.curl);
    let pod = sidecar_pod("native-order", &table.workloads.curl, true);
    let applied = cluster.kubectl(&["apply", "-f", "-"], Some(pod.to_string().as_bytes()));
    assert!(applied.succeeded(), "{}", applied.report());
    cluster.kubectl_ok(&[
        "wait",
        "--for=condition=Ready",
        "pod/native-order",
        "--timeout=120s",
    ]);

    let pod: Pod =
        serde_json::from_value(cluster.kubectl_json(&["get", "pod", "native-order"], None))
            .expect("a Pod");
    let status = pod.status.expect("a running pod has a status");
    let sidecar = &status
        .init_container_statuses
        .expect("init container statuses")[0];
    let app = &status.container_statuses.expect("container statuses")[0];
    assert_eq!(sidecar.started, Some(true), "{sidecar:?}");
    let (sidecar_at, app_at) = (running_since(sidecar), running_since(app));
    // startedAt has one-second resolution: 3 s of probe gating leaves at least 2 s between them.
    assert!(
        app_at - sidecar_at >= 2,
        "the app started {}s after the sidecar; the kubelet must hold it until the sidecar's startup probe passed (3 s)",
        app_at - sidecar_at
    );
    assert_nothing_pulled(&cluster);
}

#[test]
fn gate_off_cluster_drops_restart_policy_from_init_containers() {
    let (cluster, _) = offline_cluster(Gate::Off, "gate-off");

    // Without probes the pod is admitted, but as a plain init container (§2 of the semantics doc).
    let stored = admitted(&cluster, &sidecar_pod("probe", PAUSE, false));
    let init = &stored["spec"]["initContainers"][0];
    assert_eq!(init["name"], "sidecar", "{stored:#}");
    assert!(
        init.get("restartPolicy").is_none(),
        "gate off must drop restartPolicy: {init:#}"
    );

    // With a startup probe it is refused: probes are forbidden on plain init containers.
    let refused = dry_run_create(&cluster, &sidecar_pod("probe", PAUSE, true));
    assert!(
        !refused.succeeded(),
        "a probed init container must be refused with the gate off:{}",
        refused.report()
    );
    assert!(
        refused
            .stderr()
            .contains("may not be set for init containers without restartPolicy=Always"),
        "the refusal must name the rule:{}",
        refused.report()
    );
    assert_nothing_pulled(&cluster);
}
