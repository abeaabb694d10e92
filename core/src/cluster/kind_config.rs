//! The kind `Cluster` config a cell runs on: one control-plane node on the pinned image (and a
//! worker of its own minor where the cell has one), the
//! `SidecarContainers` gate written only where it may be (§1.1), and the kubelet kept running on
//! a cgroup v1 host where it would otherwise refuse to start (KEP-5573).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::plan::{ClusterSpec, GateSupport};

/// The cgroup version of the host whose Docker runs the kind nodes. The nodes share the host's
/// cgroups, so this decides whether a 1.35+ kubelet starts. The caller finds it out (from
/// `docker info`'s `CgroupVersion`); the generator only uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostCgroup {
    /// cgroup v1 (per-controller hierarchies), as on this project's offline machines.
    V1,
    /// cgroup v2 (the unified hierarchy), as on GitHub's runners and most current distros.
    V2,
}

impl HostCgroup {
    /// From `docker info`'s first two words (`{{.ServerVersion}} {{.CgroupVersion}}`): `28.1.1 1` is v1.
    /// Anything else (`2`, or a daemon too old to say) is taken as v2, the kubelet's default.
    pub fn from_docker_info(stdout: &str) -> Self {
        match stdout.split_whitespace().nth(1) {
            Some("1") => HostCgroup::V1,
            _ => HostCgroup::V2,
        }
    }
}

/// The kubeadm patch that keeps a 1.35+ kubelet running on a cgroup v1 host: from 1.35
/// `failCgroupV1` defaults to true and the kubelet exits at start (KEP-5573; docs/offline-images.md,
/// "cgroup v1 hosts"). The
/// patch targets the kubelet's config API, so it applies whatever kubeadm API version kind writes.
const KUBELET_ALLOW_CGROUP_V1: &str = "\
kind: KubeletConfiguration
apiVersion: kubelet.config.k8s.io/v1beta1
failCgroupV1: false
";

/// A kind cluster config with what it was made from.
#[derive(Debug, Clone, PartialEq)]
pub struct KindConfig {
    /// The plan's cluster: node image and gate value.
    pub spec: ClusterSpec,
    /// The config as YAML, ready for `kind create cluster --config`.
    pub yaml: String,
}

/// The kind config for a cluster the plan resolved, on a host with cgroup `host`.
pub fn kind_config(spec: &ClusterSpec, host: HostCgroup) -> KindConfig {
    kind_config_with_labels(spec, &BTreeMap::new(), host)
}

/// [`kind_config`] with Kubernetes labels on the node (a run puts its run id there, so the
/// cluster says which run made it: `kubectl get nodes -l sidecar-e2e/run-id`).
pub fn kind_config_with_labels(
    spec: &ClusterSpec,
    labels: &BTreeMap<String, String>,
    host: HostCgroup,
) -> KindConfig {
    let ClusterSpec {
        k8s,
        gate,
        feature_gate,
        ..
    } = *spec;
    let mut cluster = Map::new();
    cluster.insert("kind".into(), json!("Cluster"));
    cluster.insert("apiVersion".into(), json!("kind.x-k8s.io/v1alpha4"));
    if let Some(value) = feature_gate {
        // Top-level featureGates reach every component, kubelet included (kind docs).
        cluster.insert("featureGates".into(), json!({ "SidecarContainers": value }));
    }
    let mut nodes = vec![json!({ "role": "control-plane", "image": spec.node_image })];
    // A worker of its own minor: kind then keeps the control plane's NoSchedule taint, so the
    // workload runs on the worker's kubelet.
    if let Some(worker) = &spec.worker {
        nodes.push(json!({ "role": "worker", "image": worker.node_image }));
    }
    if !labels.is_empty() {
        for node in &mut nodes {
            node["labels"] = json!(labels);
        }
    }
    cluster.insert("nodes".into(), Value::Array(nodes));
    // Only where it is needed: an unneeded patch would hide which clusters depend on it.
    let allow_cgroup_v1 = host == HostCgroup::V1 && k8s.kubelet_refuses_cgroup_v1();
    if allow_cgroup_v1 {
        cluster.insert(
            "kubeadmConfigPatches".into(),
            json!([KUBELET_ALLOW_CGROUP_V1]),
        );
    }
    let body = sidecar_injector::yaml::to_yaml(&Value::Object(cluster));
    let gate_note = match (feature_gate, k8s.gate_support()) {
        (Some(value), _) => format!("SidecarContainers: {value}"),
        (None, GateSupport::LockedOn) => "gate left out: locked on from 1.33".to_owned(),
        (None, GateSupport::Removed) => "gate left out: removed in 1.37, always on".to_owned(),
        (None, GateSupport::Absent) => "gate left out: this version has none".to_owned(),
        (None, GateSupport::Settable { default_on }) => {
            format!(
                "gate left out: the version's default, {}",
                if default_on { "on" } else { "off" }
            )
        }
    };
    let cgroup_note = if allow_cgroup_v1 {
        "\n# cgroup v1 host: the kubelet gets failCgroupV1: false (it refuses v1 from 1.35)"
    } else {
        ""
    };
    let worker_note = spec
        .worker
        .as_ref()
        .map(|w| format!(" with a {} worker", w.k8s))
        .unwrap_or_default();
    let yaml = format!(
        "# sidecar-e2e: Kubernetes {k8s}{worker_note}, gate {gate} ({gate_note}); create with kind {}{cgroup_note}\n{body}",
        spec.kind_release
    );
    KindConfig {
        spec: spec.clone(),
        yaml,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_cgroup_comes_from_docker_info() {
        assert_eq!(
            HostCgroup::from_docker_info("20.10.24+dfsg1 1\n"),
            HostCgroup::V1
        );
        assert_eq!(HostCgroup::from_docker_info("29.0.1 2"), HostCgroup::V2);
        assert_eq!(HostCgroup::from_docker_info("19.03.1"), HostCgroup::V2);
    }

    #[test]
    fn a_runs_cluster_carries_its_run_id_on_the_node() {
        let spec =
            crate::plan::cluster_spec(crate::plan::K8sVersion::new(32), crate::plan::Gate::Off)
                .expect("1.32 boots with the gate off");
        let labels = BTreeMap::from([(
            "sidecar-e2e/run-id".to_owned(),
            "261125211045-a3f0".to_owned(),
        )]);
        let parsed: Value =
            serde_saphyr::from_str(&kind_config_with_labels(&spec, &labels, HostCgroup::V2).yaml)
                .expect("YAML parses");
        assert_eq!(
            parsed["nodes"][0]["labels"]["sidecar-e2e/run-id"],
            "261125211045-a3f0"
        );
        assert_eq!(parsed["featureGates"]["SidecarContainers"], false);
        let plain: Value =
            serde_saphyr::from_str(&kind_config(&spec, HostCgroup::V2).yaml).expect("YAML parses");
        assert!(plain["nodes"][0].get("labels").is_none());
    }
    use crate::plan::{ClusterSpecError, Gate, K8sVersion, cluster_spec};

    fn config(minor: u32, gate: Gate) -> Result<KindConfig, ClusterSpecError> {
        config_on(minor, gate, HostCgroup::V2)
    }

    fn config_on(minor: u32, gate: Gate, host: HostCgroup) -> Result<KindConfig, ClusterSpecError> {
        cluster_spec(K8sVersion::new(minor), gate).map(|spec| kind_config(&spec, host))
    }

    /// The kubelet patches of a config, each parsed from its YAML text.
    fn kubeadm_patches(cfg: &KindConfig) -> Vec<Value> {
        let parsed: Value = serde_saphyr::from_str(&cfg.yaml).expect("YAML parses");
        parsed
            .get("kubeadmConfigPatches")
            .and_then(Value::as_array)
            .map(|patches| {
                patches
                    .iter()
                    .map(|p| {
                        serde_saphyr::from_str(p.as_str().expect("a patch is YAML text"))
                            .expect("the patch parses")
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn cgroup_v1_host_gets_the_kubelet_patch_only_where_the_kubelet_refuses_v1() {
        for minor in [35, 36, 37] {
            let cfg = config_on(minor, Gate::Default, HostCgroup::V1).expect("valid");
            let patches = kubeadm_patches(&cfg);
            assert_eq!(patches.len(), 1, "1.{minor}:\n{}", cfg.yaml);
            assert_eq!(patches[0]["kind"], "KubeletConfiguration");
            assert_eq!(patches[0]["apiVersion"], "kubelet.config.k8s.io/v1beta1");
            assert_eq!(patches[0]["failCgroupV1"], false);
        }
        // Before 1.35 the kubelet runs on v1 as it is; on a v2 host no version needs the patch.
        for (minor, host) in [
            (28, HostCgroup::V1),
            (34, HostCgroup::V1),
            (35, HostCgroup::V2),
            (37, HostCgroup::V2),
        ] {
            let cfg = config_on(minor, Gate::Default, host).expect("valid");
            assert!(
                !cfg.yaml.contains("kubeadmConfigPatches") && !cfg.yaml.contains("failCgroupV1"),
                "1.{minor} {host:?}:\n{}",
                cfg.yaml
            );
        }
    }

    #[test]
    fn gate_is_written_only_where_it_may_be() {
        assert_eq!(
            config(28, Gate::On).expect("valid").spec.feature_gate,
            Some(true)
        );
        assert!(
            config(29, Gate::Off)
                .expect("valid")
                .yaml
                .contains("SidecarContainers: false")
        );
        for (minor, gate) in [
            (29, Gate::Default),
            (33, Gate::On),
            (36, Gate::Default),
            (37, Gate::On),
            (37, Gate::Default),
        ] {
            let cfg = config(minor, gate).expect("valid");
            // 1.37 fails on any mention of the gate, so not even the comment names it there.
            assert!(
                !cfg.yaml.contains("featureGates") && !cfg.yaml.contains("SidecarContainers:"),
                "1.{minor} {gate}:\n{}",
                cfg.yaml
            );
        }
    }

    #[test]
    fn a_worker_is_a_second_node_on_its_own_minors_image() {
        let cell = crate::plan::Cell {
            k8s: K8sVersion::new(33),
            gate: Gate::Default,
            injector: crate::plan::InjectorSpec::builtin(),
            requested_mode: crate::plan::RequestedMode::Auto,
            worker: Some(K8sVersion::new(32)),
        };
        let planned = crate::plan::plan_cell(cell).expect("plans");
        let spec = planned.cluster.expect("valid");
        let cfg = kind_config(&spec, HostCgroup::V2);
        let parsed: Value = serde_saphyr::from_str(&cfg.yaml).expect("yaml");
        let nodes = parsed["nodes"].as_array().expect("nodes");
        assert_eq!(nodes.len(), 2, "{}", cfg.yaml);
        assert_eq!(nodes[0]["role"], "control-plane");
        assert!(
            nodes[0]["image"]
                .as_str()
                .expect("image")
                .contains("v1.33.")
        );
        assert_eq!(nodes[1]["role"], "worker");
        assert!(
            nodes[1]["image"]
                .as_str()
                .expect("image")
                .contains("v1.32."),
            "{}",
            cfg.yaml
        );
        assert!(
            cfg.yaml
                .starts_with("# sidecar-e2e: Kubernetes 1.33 with a 1.32 worker"),
            "{}",
            cfg.yaml
        );
        let one = kind_config(
            &cluster_spec(K8sVersion::new(33), Gate::Default).expect("spec"),
            HostCgroup::V2,
        );
        assert!(!one.yaml.contains("worker"), "{}", one.yaml);
    }

    #[test]
    fn config_pins_the_table_image() {
        let cfg = config(29, Gate::Off).expect("valid");
        let parsed: Value = serde_saphyr::from_str(&cfg.yaml).expect("YAML parses");
        assert_eq!(parsed["nodes"][0]["image"], json!(cfg.spec.node_image));
        assert_eq!(parsed["apiVersion"], "kind.x-k8s.io/v1alpha4");
    }

    /// The files in kind-configs/ are what the generator writes, so a reader of the repository
    /// sees exactly what a run uses.
    #[test]
    fn checked_in_configs_match_the_generator() {
        for (file, minor, gate) in [
            ("gate-on.yaml", 29, Gate::On),
            ("gate-off.yaml", 29, Gate::Off),
            ("gate-default.yaml", 33, Gate::Default),
        ] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../kind-configs")
                .join(file);
            let on_disk = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let generated = config(minor, gate).expect("valid").yaml;
            assert_eq!(
                on_disk, generated,
                "{file} is stale: regenerate with `sidecar-e2e kind-config --k8s 1.{minor} --gate {gate}`"
            );
        }
    }
}
