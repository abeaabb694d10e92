//! What a cluster must be, decided from the plan and nothing else: the kind config for a
//! [`crate::plan::ClusterSpec`] (with the host's cgroup version), and the capability probe — the
//! pod a server-side dry-run creates, and how its answer is read and held against the plan. The
//! runner creates the clusters and runs the dry-run.

mod kind_config;
mod probe;

pub use kind_config::{HostCgroup, KindConfig, kind_config, kind_config_with_labels};
pub use probe::{
    PROBE_POD_NAME, ProbeContradiction, ProbeError, check_probe, native_sidecars_kept, probe_pod,
};
