//! Clusters: the kind config for a cluster the plan resolved, the `kind` command lines that
//! create, load, export and delete it, and the capability probe that checks the gate took effect. The cluster stage reads [`crate::plan::ClusterSpec`] and
//! decides nothing.

mod kind;
mod kind_config;
mod probe;

pub use kind::{CreateCluster, Kind, MissingTool, docker_failure_hint, find_tool, install_hint};
pub use kind_config::{KindConfig, kind_config};
pub use probe::{
    PROBE_POD_NAME, ProbeContradiction, ProbeError, check_probe, native_sidecars_kept, probe_pod,
};
