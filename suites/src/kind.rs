//! A kind cluster that a test creates and deletes, with `kubectl` pointed at it.
//!
//! Created with the offline node image and the harness's own kind config; deleted on drop. When
//! the test is failing (panicking), `kind export logs` goes to `target/sidecar-e2e/kind-logs/`
//! first, and `SIDECAR_E2E_KEEP=1` keeps the cluster for inspection.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;
use sidecar_e2e::cluster::{
    CreateCluster, Kind, check_probe, docker_failure_hint, kind_config, native_sidecars_kept,
    probe_pod,
};
use sidecar_e2e::plan::{Gate, ImageTable, K8sVersion, cluster_spec};

use crate::images::{image_table, node_image, tool};
use crate::process::{Finished, run, run_ok};

/// The Kubernetes minor the offline images are built for.
pub const OFFLINE_MINOR: &str = "1.32";

/// The sandbox image every node holds; dry-runs never start it.
pub const SANDBOX_IMAGE: &str = "registry.k8s.io/pause:3.10";

/// A cluster from the offline node image with the harness's own kind config for `gate`, its
/// node and every kube-system pod Ready (CoreDNS needs the CNI, so the network works too), and
/// the capability probe in agreement with the plan (a gate that did not take effect fails here,
/// loudly); with the image table it was made from.
///
/// # Panics
/// When the image map, kind or the cluster fails, with what they printed.
pub fn offline_cluster(gate: Gate, label: &str) -> (KindCluster, ImageTable) {
    let table = image_table();
    let k8s: K8sVersion = OFFLINE_MINOR.parse().expect("valid minor");
    let spec = cluster_spec(k8s, gate).expect("1.32 boots with the gate on and off");
    let cluster = KindCluster::create(
        label,
        &kind_config(&spec).yaml,
        &node_image(&table, OFFLINE_MINOR),
        &tool(&table, "kind"),
        &tool(&table, "kubectl"),
    );
    cluster.kubectl_ok(&[
        "-n",
        "kube-system",
        "wait",
        "--for=condition=Ready",
        "pod",
        "--all",
        "--timeout=180s",
    ]);
    let probe = probe_pod("default", SANDBOX_IMAGE).to_string();
    let stored = cluster.kubectl_json(
        &["create", "--dry-run=server", "-f", "-"],
        Some(probe.as_bytes()),
    );
    let kept = native_sidecars_kept(&stored)
        .unwrap_or_else(|err| panic!("the capability probe must answer: {err}"));
    if let Err(contradiction) = check_probe(&spec, kept) {
        panic!("{}: {contradiction}", cluster.name());
    }
    (cluster, table)
}

/// A live kind cluster, deleted on drop.
#[derive(Debug)]
pub struct KindCluster {
    name: String,
    kind: Kind,
    kubectl: PathBuf,
    kubeconfig: PathBuf,
    _dir: tempfile::TempDir,
}

impl KindCluster {
    /// Creates `sidecar-e2e-<label>-<pid>` from `config` (kind Cluster YAML) on `node_image`, and
    /// waits until its node is Ready.
    ///
    /// # Panics
    /// When kind fails or the node is not Ready in time, with kind's output.
    pub fn create(
        label: &str,
        config: &str,
        node_image: &str,
        kind: &Path,
        kubectl: &Path,
    ) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .subsec_nanos()
            % 100_000;
        let name = format!("sidecar-e2e-{label}-{}-{nanos}", std::process::id());
        let dir = tempfile::tempdir().expect("must make a temp dir");
        let config_path = dir.path().join("kind.yaml");
        std::fs::write(&config_path, config).expect("must write the kind config");
        let kubeconfig = dir.path().join("kubeconfig");
        let cluster = Self {
            name,
            kind: Kind {
                bin: kind.to_owned(),
            },
            kubectl: kubectl.to_owned(),
            kubeconfig,
            _dir: dir,
        };
        // From here on, Drop deletes whatever kind made, even if creation fails half-way.
        let request = CreateCluster {
            name: cluster.name.clone(),
            config: config_path,
            node_image: Some(node_image.to_owned()),
            kubeconfig: cluster.kubeconfig.clone(),
            retain_on_failure: true,
        };
        let created = run(&cluster.kind.bin, cluster.kind.create(&request), None);
        if !created.succeeded() {
            let hint = docker_failure_hint(&created.stderr())
                .map(|hint| format!("\nhint: {hint}"))
                .unwrap_or_default();
            panic!(
                "kind must create {}:{}{hint}",
                cluster.name,
                created.report()
            );
        }
        cluster.kubectl_ok(&[
            "wait",
            "--for=condition=Ready",
            "node",
            "--all",
            "--timeout=240s",
        ]);
        cluster
    }

    /// The cluster's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs kubectl against this cluster, whatever its status.
    pub fn kubectl(&self, args: &[&str], stdin: Option<&[u8]>) -> Finished {
        let mut all = vec![
            "--kubeconfig".to_owned(),
            self.kubeconfig.to_string_lossy().into_owned(),
        ];
        all.extend(args.iter().map(|a| (*a).to_owned()));
        run(&self.kubectl, all, stdin)
    }

    /// Runs kubectl; it must succeed.
    ///
    /// # Panics
    /// When kubectl exits non-zero.
    pub fn kubectl_ok(&self, args: &[&str]) -> Finished {
        let finished = self.kubectl(args, None);
        assert!(
            finished.succeeded(),
            "kubectl must succeed on {}:{}",
            self.name,
            finished.report()
        );
        finished
    }

    /// `kubectl … -o json`, parsed.
    ///
    /// # Panics
    /// When kubectl fails or prints something that is not JSON.
    pub fn kubectl_json(&self, args: &[&str], stdin: Option<&[u8]>) -> Value {
        let mut all = args.to_vec();
        all.extend(["-o", "json"]);
        let finished = self.kubectl(&all, stdin);
        assert!(
            finished.succeeded(),
            "kubectl must succeed on {}:{}",
            self.name,
            finished.report()
        );
        serde_json::from_slice(&finished.output.stdout)
            .unwrap_or_else(|err| panic!("kubectl must print JSON ({err}):{}", finished.report()))
    }

    /// Loads a local Docker image into the node (`kind load docker-image`).
    ///
    /// # Panics
    /// When kind fails.
    pub fn load_image(&self, image: &str) {
        run_ok(
            &self.kind.bin,
            self.kind.load_image(&self.name, image),
            None,
        );
    }

    /// Every event of the cluster whose reason is `reason`, as `namespace/object: message` lines.
    pub fn events_with_reason(&self, reason: &str) -> Vec<String> {
        let events = self.kubectl_json(&["get", "events", "--all-namespaces"], None);
        events["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|event| event["reason"] == reason)
            .map(|event| {
                format!(
                    "{}/{}: {}",
                    event["involvedObject"]["namespace"].as_str().unwrap_or("-"),
                    event["involvedObject"]["name"].as_str().unwrap_or("-"),
                    event["message"].as_str().unwrap_or("")
                )
            })
            .collect()
    }

    fn export_logs(&self) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../target/sidecar-e2e/kind-logs")
            .join(&self.name);
        let finished = run(
            &self.kind.bin,
            self.kind.export_logs(&self.name, &dir),
            None,
        );
        eprintln!(
            "kind logs of {} exported to {} ({})",
            self.name,
            dir.display(),
            finished.output.status
        );
        let pods = self.kubectl(&["get", "pods", "--all-namespaces", "-o", "wide"], None);
        eprintln!("pods at failure:{}", pods.report());
    }
}

impl Drop for KindCluster {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.export_logs();
            if std::env::var_os("SIDECAR_E2E_KEEP").is_some_and(|v| v == "1") {
                eprintln!(
                    "SIDECAR_E2E_KEEP=1: kept cluster {}; inspect with `kubectl --context kind-{} get pods -A` after \
                     `kind export kubeconfig --name {}`; delete with `kind delete cluster --name {}`",
                    self.name, self.name, self.name, self.name
                );
                return;
            }
        }
        let finished = run(&self.kind.bin, self.kind.delete(&self.name), None);
        if !finished.succeeded() {
            eprintln!(
                "could not delete kind cluster {}:{}",
                self.name,
                finished.report()
            );
        }
    }
}
