//! What the plan hands the cluster stage for one cell: the node image and the
//! `SidecarContainers` value to write, resolved here once. The cluster stage reads a
//! [`ClusterSpec`] and decides nothing; cells that differ only in injector or mode share one.

use serde::Serialize;

use super::k8s::{Gate, GateEffect, K8sVersion, gate_effect};
use super::minors::{Minors, TableError};

/// The cluster a cell runs on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterSpec {
    /// Kubernetes minor (the cell's; not repeated in JSON).
    #[serde(skip)]
    pub k8s: K8sVersion,
    /// Gate setting asked for (the cell's; not repeated in JSON).
    #[serde(skip)]
    pub gate: Gate,
    /// The `featureGates: {SidecarContainers: …}` value to write; `None`: leave the gate out
    /// (the version's default, or a version where naming it stops the control plane).
    pub feature_gate: Option<bool>,
    /// Whether native sidecars are on in this cluster, as the plan decided it: what the
    /// capability probe must find (the cell's `sidecarsEnabled`; not repeated in JSON).
    #[serde(skip)]
    pub sidecars_on: bool,
    /// `kindest/node:v1.X.Y@sha256:<digest>`, from the node-image table.
    pub node_image: String,
    /// The kind release to create the cluster with (`v0.33.0`): the table's one release.
    pub kind_release: String,
    /// A worker node's minor and node image, where the cell has one (the workload runs there).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker: Option<WorkerNode>,
}

/// A worker node of a cluster: its minor and its node image.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkerNode {
    /// Its kubelet's minor.
    pub k8s: K8sVersion,
    /// Its node image, from the node-image table (or an image map).
    pub node_image: String,
}

impl ClusterSpec {
    /// This cluster on the node image `images` names for its minor (an offline build's), where
    /// it names one, and for a cell of `injector` one that holds its images too where there is
    /// one: the one place a node image other than the table's is chosen.
    #[must_use]
    pub fn on_images(
        mut self,
        images: &super::ImageTable,
        injector: Option<super::InjectorSpec>,
    ) -> Self {
        if let Some(image) = images.node_image(self.k8s, injector) {
            self.node_image.clone_from(image);
        }
        if let Some(worker) = &mut self.worker
            && let Some(image) = images.node_image(worker.k8s, injector)
        {
            worker.node_image.clone_from(image);
        }
        self
    }

    /// The node image of the node that runs the workload: the worker's, else the control
    /// plane's (its patch is the kubelet's that known bugs are judged by).
    pub fn workload_node_image(&self) -> &str {
        self.worker
            .as_ref()
            .map_or(&self.node_image, |w| &w.node_image)
    }
}

/// Why a Kubernetes version and gate setting give no cluster.
#[derive(Debug, thiserror::Error)]
pub enum ClusterSpecError {
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

/// The cluster for `k8s` with `gate`, from the embedded node-image table.
///
/// # Errors
/// [`ClusterSpecError`] for an unknown version or a gate setting that cannot boot.
pub fn cluster_spec(k8s: K8sVersion, gate: Gate) -> Result<ClusterSpec, ClusterSpecError> {
    cluster_spec_in(Minors::embedded()?, k8s, gate)
}

/// As [`cluster_spec`], with a table already read.
pub(super) fn cluster_spec_in(
    table: &Minors,
    k8s: K8sVersion,
    gate: Gate,
) -> Result<ClusterSpec, ClusterSpecError> {
    let Some(node) = table.get(k8s) else {
        return Err(ClusterSpecError::UnknownVersion {
            k8s,
            known: table.versions_list(),
        });
    };
    match gate_effect(k8s, gate) {
        GateEffect::Boots {
            feature_gate,
            sidecars_on,
        } => Ok(spec_of(table, node, gate, feature_gate, sidecars_on)),
        GateEffect::CannotBoot(reason) => Err(ClusterSpecError::CannotBoot { k8s, gate, reason }),
    }
}

/// The cluster of `minor` with `gate`, whose effect the caller already decided.
pub(super) fn spec_of(
    table: &Minors,
    minor: &super::Minor,
    gate: Gate,
    feature_gate: Option<bool>,
    sidecars_on: bool,
) -> ClusterSpec {
    ClusterSpec {
        k8s: minor.k8s,
        gate,
        feature_gate,
        sidecars_on,
        node_image: minor.node_image(),
        kind_release: table.kind_release().to_owned(),
        worker: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(minor: u32, gate: Gate) -> Result<ClusterSpec, ClusterSpecError> {
        cluster_spec(K8sVersion::new(minor), gate)
    }

    #[test]
    fn gate_value_is_resolved_only_where_it_may_be_written() {
        assert_eq!(spec(28, Gate::On).expect("valid").feature_gate, Some(true));
        assert_eq!(
            spec(29, Gate::Off).expect("valid").feature_gate,
            Some(false)
        );
        for (minor, gate) in [
            (29, Gate::Default),
            (33, Gate::On),
            (36, Gate::Default),
            (37, Gate::On),
            (37, Gate::Default),
        ] {
            assert_eq!(
                spec(minor, gate).expect("valid").feature_gate,
                None,
                "1.{minor} {gate}"
            );
        }
    }

    #[test]
    fn invalid_and_unknown_are_errors_that_say_why() {
        let err = spec(33, Gate::Off).expect_err("locked");
        assert!(err.to_string().contains("locked on from 1.33"), "{err}");
        let err = spec(37, Gate::Off).expect_err("removed");
        assert!(
            err.to_string()
                .contains("unrecognized feature gate: SidecarContainers"),
            "{err}"
        );
        let err = spec(19, Gate::Default).expect_err("unknown");
        assert!(
            err.to_string().contains("known versions: 1.28, 1.29"),
            "{err}"
        );
    }

    #[test]
    fn node_image_comes_from_the_table() {
        let spec = spec(29, Gate::Off).expect("valid");
        assert!(
            spec.node_image.starts_with("kindest/node:v1.29."),
            "{spec:?}"
        );
        let table = Minors::embedded().expect("table");
        assert_eq!(spec.kind_release, table.kind_release(), "{spec:?}");
    }
}
