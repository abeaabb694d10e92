//! The kind `Cluster` config a cell runs on: one control-plane node on the pinned image, and the
//! `SidecarContainers` gate written only where it may be (§1.1).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::plan::{ClusterSpec, GateSupport};

/// A kind cluster config with what it was made from.
#[derive(Debug, Clone, PartialEq)]
pub struct KindConfig {
    /// The plan's cluster: node image and gate value.
    pub spec: ClusterSpec,
    /// The config as YAML, ready for `kind create cluster --config`.
    pub yaml: String,
}

/// The kind config for a cluster the plan resolved.
pub fn kind_config(spec: &ClusterSpec) -> KindConfig {
    kind_config_with_labels(spec, &BTreeMap::new())
}

/// [`kind_config`] with Kubernetes labels on the node (a run puts its run id there, so the
/// cluster says which run made it: `kubectl get nodes -l sidecar-e2e/run-id`).
pub fn kind_config_with_labels(
    spec: &ClusterSpec,
    labels: &BTreeMap<String, String>,
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
    let mut node = json!({ "role": "control-plane", "image": spec.node_image });
    if !labels.is_empty() {
        node["labels"] = json!(labels);
    }
    cluster.insert("nodes".into(), json!([node]));
    let body = sidecar_injector::yaml::to_yaml(&Value::Object(cluster));
    let gate_note = match (feature_gate, k8s.gate_support()) {
        (Some(value), _) => format!("SidecarContainers: {value}"),
        (None, GateSupport::LockedOn) => "gate left out: locked on from 1.33".to_owned(),
        (None, GateSupport::Absent) => "gate left out: this version has none".to_owned(),
        (None, GateSupport::Settable { default_on }) => {
            format!(
                "gate left out: the version's default, {}",
                if default_on { "on" } else { "off" }
            )
        }
    };
    let yaml = format!(
        "# sidecar-e2e: Kubernetes {k8s}, gate {gate} ({gate_note}); create with kind {}\n{body}",
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
    fn a_runs_cluster_carries_its_run_id_on_the_node() {
        let spec =
            crate::plan::cluster_spec(crate::plan::K8sVersion::new(32), crate::plan::Gate::Off)
                .expect("1.32 boots with the gate off");
        let labels = BTreeMap::from([(
            "sidecar-e2e/run-id".to_owned(),
            "261125211045-a3f0".to_owned(),
        )]);
        let parsed: Value = serde_saphyr::from_str(&kind_config_with_labels(&spec, &labels).yaml)
            .expect("YAML parses");
        assert_eq!(
            parsed["nodes"][0]["labels"]["sidecar-e2e/run-id"],
            "261125211045-a3f0"
        );
        assert_eq!(parsed["featureGates"]["SidecarContainers"], false);
        let plain: Value = serde_saphyr::from_str(&kind_config(&spec).yaml).expect("YAML parses");
        assert!(plain["nodes"][0].get("labels").is_none());
    }
    use crate::plan::{ClusterSpecError, Gate, K8sVersion, cluster_spec};

    fn config(minor: u32, gate: Gate) -> Result<KindConfig, ClusterSpecError> {
        cluster_spec(K8sVersion::new(minor), gate).map(|spec| kind_config(&spec))
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
            (27, Gate::Default),
            (29, Gate::Default),
            (33, Gate::On),
            (36, Gate::Default),
        ] {
            let cfg = config(minor, gate).expect("valid");
            assert!(
                !cfg.yaml.contains("featureGates"),
                "1.{minor} {gate}:\n{}",
                cfg.yaml
            );
        }
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
