//! Clusters: the kind config for a cluster the plan resolved, the `kind` command lines that
//! create, load, export and delete it, and the capability probe that checks the gate took effect;
//! with the `live` feature, the kind provider that runs them, kube clients, and the measured
//! [`crate::recording::ClusterFacts`]. The cluster stage reads [`crate::plan::ClusterSpec`] and
//! decides nothing.

#[cfg(feature = "live")]
mod connect;
#[cfg(feature = "live")]
mod facts;
mod kind;
mod kind_config;
#[cfg(feature = "live")]
mod node;
mod probe;
#[cfg(feature = "live")]
mod provider;

#[cfg(feature = "live")]
pub use connect::{ClusterAccess, ConnectError, KubeconfigProblem};
#[cfg(feature = "live")]
pub use facts::{FactsError, PROBE_IMAGE, measure};
#[cfg(all(test, feature = "live"))]
pub(crate) use kind::words;
pub use kind::{
    CreateCluster, Kind, MissingTool, docker, docker_failure_hint, find_tool, install_hint,
};
pub use kind_config::{HostCgroup, KindConfig, kind_config, kind_config_with_labels};
#[cfg(feature = "live")]
pub use node::NodeShell;
pub use probe::{
    PROBE_POD_NAME, ProbeContradiction, ProbeError, check_probe, native_sidecars_kept, probe_pod,
};
#[cfg(feature = "live")]
pub use provider::{DockerHost, KindError, KindProvider};
