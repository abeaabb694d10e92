//! The kind `Cluster` config a cell runs on: one control-plane node on the pinned image, and the
//! `SidecarContainers` gate written only where it may be (§1.1).

use serde_json::{Map, Value, json};

use super::node_images::{NodeImage, TableError, known_versions, node_image};
use crate::plan::{Gate, GateOutcome, GateSupport, K8sVersion, gate_outcome};

/// Why no config can be made.
#[derive(Debug, thiserror::Error)]
pub enum KindConfigError {
    /// The version is not in the node-image table.
    #[error("no kind node image for Kubernetes {k8s}; known versions: {known}")]
    UnknownVersion {
        /// What was asked for.
        k8s: K8sVersion,
        /// The versions the table has, comma-separated.
        known: String,
    },
    /// The gate setting cannot boot on this version.
    #[error("Kubernetes {k8s} cannot boot with --gate {gate}: {reason}")]
    CannotBoot {
        /// Version.
        k8s: K8sVersion,
        /// Gate setting.
        gate: Gate,
        /// The rule.
        reason: &'static str,
    },
    /// The embedded table is broken.
    #[error(transparent)]
    Table(#[from] TableError),
}

/// A kind cluster config with what it was made from.
#[derive(Debug, Clone, PartialEq)]
pub struct KindConfig {
    /// The node image row used.
    pub node: NodeImage,
    /// The `featureGates` value written, if any.
    pub gate_value: Option<bool>,
    /// The config as YAML, ready for `kind create cluster --config`.
    pub yaml: String,
}

/// The config for `k8s` with `gate`.
///
/// # Errors
/// [`KindConfigError`] for an unknown version or a gate setting that cannot boot.
pub fn kind_config(k8s: K8sVersion, gate: Gate) -> Result<KindConfig, KindConfigError> {
    let Some(node) = node_image(k8s)? else {
        let known = known_versions()?
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        return Err(KindConfigError::UnknownVersion { k8s, known });
    };
    let gate_value = match gate_outcome(k8s, gate) {
        GateOutcome::Boots { write, .. } => write,
        GateOutcome::CannotBoot(reason) => {
            return Err(KindConfigError::CannotBoot { k8s, gate, reason });
        }
    };
    let mut cluster = Map::new();
    cluster.insert("kind".into(), json!("Cluster"));
    cluster.insert("apiVersion".into(), json!("kind.x-k8s.io/v1alpha4"));
    if let Some(value) = gate_value {
        // Top-level featureGates reach every component, kubelet included (kind docs).
        cluster.insert("featureGates".into(), json!({ "SidecarContainers": value }));
    }
    cluster.insert(
        "nodes".into(),
        json!([{ "role": "control-plane", "image": node.image }]),
    );
    let body = sidecar_injector::yaml::to_yaml(&Value::Object(cluster));
    let gate_note = match (gate_value, k8s.gate_support()) {
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
        node.kind
    );
    Ok(KindConfig {
        node,
        gate_value,
        yaml,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(minor: u32, gate: Gate) -> Result<KindConfig, KindConfigError> {
        kind_config(K8sVersion::new(minor), gate)
    }

    #[test]
    fn gate_is_written_only_where_it_may_be() {
        assert_eq!(config(28, Gate::On).expect("valid").gate_value, Some(true));
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
    fn invalid_and_unknown_are_errors_that_say_why() {
        let err = config(33, Gate::Off).expect_err("locked");
        assert!(err.to_string().contains("locked on from 1.33"), "{err}");
        let err = config(19, Gate::Default).expect_err("unknown");
        assert!(
            err.to_string().contains("known versions: 1.27, 1.28"),
            "{err}"
        );
    }

    #[test]
    fn config_pins_the_table_image() {
        let cfg = config(29, Gate::Off).expect("valid");
        let parsed: Value = serde_saphyr::from_str(&cfg.yaml).expect("YAML parses");
        assert_eq!(parsed["nodes"][0]["image"], json!(cfg.node.image));
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
