//! `sidecar-e2e kind-config`: the kind Cluster YAML a run uses for one version and gate.

use std::path::PathBuf;

use clap::ValueEnum;

use super::errors::ExpectedError;
use super::input::InputLimits;
use super::matrix::image_table;
use super::output::write_stdout;
use sidecar_e2e_core::plan::{Gate, K8sVersion, cluster_spec};
use sidecar_e2e_runner::cluster::{HostCgroup, kind_config};

#[derive(Debug, clap::Args)]
pub(super) struct KindConfigOpts {
    /// Kubernetes version.
    #[arg(long, value_name = "1.X")]
    k8s: K8sVersion,
    /// SidecarContainers setting.
    #[arg(long, default_value = "default")]
    gate: Gate,
    /// Image map (YAML) whose node image for this version replaces the upstream one, e.g. the
    /// one `sidecar-e2e images build` wrote.
    #[arg(long, value_name = "FILE")]
    image_map: Option<PathBuf>,
    /// The cgroup version of the host whose Docker runs the nodes (`docker info` says
    /// `Cgroup Version`). On v1, 1.35+ configs tell the kubelet not to refuse it.
    #[arg(long, value_enum, default_value_t = Cgroup::V2)]
    host_cgroup: Cgroup,
}

/// [`HostCgroup`] as a flag value (clap stays in the CLI).
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Cgroup {
    V1,
    V2,
}

impl KindConfigOpts {
    pub(super) fn exec(self, limits: InputLimits) -> Result<(), ExpectedError> {
        let mut spec = cluster_spec(self.k8s, self.gate).map_err(ExpectedError::KindConfig)?;
        if let Some(path) = &self.image_map {
            spec = spec.on_images(&image_table(Some(path), limits)?, None);
        }
        let host = match self.host_cgroup {
            Cgroup::V1 => HostCgroup::V1,
            Cgroup::V2 => HostCgroup::V2,
        };
        write_stdout(&kind_config(&spec, host).yaml)
    }
}
