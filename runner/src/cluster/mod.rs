//! Clusters, live: the `kind` and `docker` command lines that create, load, export and delete a
//! cluster, the kind provider that runs them, kube clients, a shell on a node, and the measured
//! [`sidecar_e2e_core::recording::ClusterFacts`]. What a cluster must be (its kind config, the
//! capability probe's pod and how to read its answer) is pure and lives in
//! [`sidecar_e2e_core::cluster`]; it is re-exported here so the live stages find both in one place.
//! This stage reads [`sidecar_e2e_core::plan::ClusterSpec`] and decides nothing.

mod connect;
mod facts;
mod kind;
mod node;
mod node_images;
mod provider;

pub use connect::{ClusterAccess, ConnectError, KubeconfigProblem};
pub use facts::{FactsError, PROBE_IMAGE, measure};
#[cfg(test)]
pub(crate) use kind::words;
pub use kind::{
    CreateCluster, Kind, MissingTool, docker, docker_failure_hint, find_run_tool, find_tool,
    install_hint,
};
pub use node::NodeShell;
pub use node_images::{LoadReport, NodeImages, missing_from, normalize};
pub use provider::{DockerHost, KindError, KindProvider};
pub use sidecar_e2e_core::cluster::{
    HostCgroup, KindConfig, PROBE_POD_NAME, ProbeContradiction, ProbeError, check_probe,
    kind_config, kind_config_with_labels, native_sidecars_kept, probe_pod,
};
