//! `sidecar-e2e gc`: remove what earlier runs left behind (a run killed with SIGKILL, a kept
//! cluster): kind clusters named `se2e-<run id>-…`, and with --kubeconfig, namespaces labelled
//! `sidecar-e2e/run-id`, when their run started more than --older-than ago.

use std::path::PathBuf;

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::jiff::Timestamp;
use kube::api::ListParams;
use kube::{Api, ResourceExt};

use super::errors::ExpectedError;
use super::input::InputLimits;
use super::kubeconfig::check_kubeconfig;
use super::live::{kind_binary, preflight_kind, runtime};
use super::matrix::image_table;
use sidecar_e2e_runner::api::{RUN_ID_LABEL, delete_namespace};
use sidecar_e2e_runner::cluster::ClusterAccess;
use sidecar_e2e_runner::gc::{clusters_to_collect, parse_duration, run_is_older};

#[derive(Debug, clap::Args)]
pub(super) struct GcOpts {
    /// Only what runs started longer ago than this (30s, 15m, 2h, 1d); 0 removes every run's.
    #[arg(
        long,
        default_value = "1h",
        value_name = "DURATION",
        allow_hyphen_values = true
    )]
    older_than: String,
    /// Print what would be removed, remove nothing.
    #[arg(long)]
    dry_run: bool,
    /// The kind binary (default: the image map's, else kind on PATH).
    #[arg(long, value_name = "FILE")]
    kind_bin: Option<PathBuf>,
    /// Image map, for the kind binary it records.
    #[arg(long, value_name = "FILE", env = "SIDECAR_E2E_IMAGE_MAP")]
    image_map: Option<PathBuf>,
    /// Also remove run namespaces from this cluster (one a run borrowed with --kubeconfig).
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// The context in --kubeconfig.
    #[arg(long, requires = "kubeconfig")]
    context: Option<String>,
}

impl GcOpts {
    pub(super) fn exec(self, limits: InputLimits) -> Result<(), ExpectedError> {
        let older_than =
            parse_duration(&self.older_than).map_err(|err| ExpectedError::BadFlag {
                flag: "--older-than",
                reason: err.to_string(),
            })?;
        let access = self.kubeconfig.as_ref().map(|kubeconfig| ClusterAccess {
            kubeconfig: kubeconfig.clone(),
            context: self.context.clone(),
        });
        if let Some(access) = &access {
            check_kubeconfig(access, limits)?;
        }
        let images = image_table(self.image_map.as_deref(), limits)?;
        let kind_bin = kind_binary(self.kind_bin.as_deref(), &images)?;
        let verb = if self.dry_run {
            "would remove"
        } else {
            "removed"
        };
        runtime()?.block_on(async {
            let (kind, _) = preflight_kind(kind_bin).await?;
            let names = kind
                .clusters()
                .await
                .map_err(ExpectedError::live("list kind clusters"))?;
            let now = Timestamp::now();
            let old = clusters_to_collect(&names, now, older_than);
            for name in &old {
                if !self.dry_run {
                    kind.delete(name)
                        .await
                        .map_err(ExpectedError::live(format!("delete kind cluster {name}")))?;
                }
                println!("{verb} kind cluster {name}");
            }
            let mut removed = old.len();
            if let Some(access) = &access {
                let client = access
                    .client()
                    .await
                    .map_err(ExpectedError::live("reach the cluster"))?;
                let namespaces = Api::<Namespace>::all(client.clone())
                    .list(&ListParams::default().labels(RUN_ID_LABEL))
                    .await
                    .map_err(ExpectedError::live("list run namespaces"))?;
                for ns in namespaces.items {
                    let run = ns.labels().get(RUN_ID_LABEL).cloned().unwrap_or_default();
                    if !run_is_older(&run, now, older_than) {
                        continue;
                    }
                    let name = ns.name_any();
                    if !self.dry_run {
                        delete_namespace(&client, &name)
                            .await
                            .map_err(ExpectedError::live("delete a run namespace"))?;
                    }
                    println!("{verb} namespace {name} (run {run})");
                    removed += 1;
                }
            }
            if removed == 0 {
                println!(
                    "nothing older than {} left by earlier runs",
                    self.older_than
                );
            }
            Ok(())
        })
    }
}
