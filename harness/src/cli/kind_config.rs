//! `sidecar-e2e kind-config`: the kind Cluster YAML a run uses for one version and gate.

use super::errors::ExpectedError;
use super::output::write_stdout;
use crate::cluster::kind_config;
use crate::plan::{Gate, K8sVersion, cluster_spec};

#[derive(Debug, clap::Args)]
pub(super) struct KindConfigOpts {
    /// Kubernetes version.
    #[arg(long, value_name = "1.X")]
    k8s: K8sVersion,
    /// SidecarContainers setting.
    #[arg(long, default_value = "default")]
    gate: Gate,
}

impl KindConfigOpts {
    pub(super) fn exec(self) -> Result<(), ExpectedError> {
        let spec = cluster_spec(self.k8s, self.gate).map_err(ExpectedError::KindConfig)?;
        write_stdout(&kind_config(&spec).yaml)
    }
}
