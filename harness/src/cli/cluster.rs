//! `sidecar-e2e cluster up|down`: one cell's cluster with the injector installed, left running
//! for the suites (`cargo nextest run --profile e2e`), with the environment they need written to
//! a file; and its removal by that file or by run id.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::errors::ExpectedError;
use super::input::{InputKind, InputLimits, read_text};
use super::live::{kind_binary, preflight_kind, prepare_kind, runtime};
use super::matrix::{MatrixOpts, image_table};
use super::run::{istioctl_for, run_or_interrupt};
use sidecar_e2e_core::report::visible;
use sidecar_e2e_runner::run::{
    Provider, Rounds, RunConfig, cell_dir, cluster_name, new_run_id, run_of_cluster,
};

#[derive(Debug, Subcommand)]
pub(super) enum ClusterCommand {
    /// Create one cell's kind cluster, install the injector, and leave it running.
    ///
    /// The same steps as `run` up to the scenarios: the cluster, the capability probe, the
    /// images, the injector proven live. Writes the environment the e2e suites read (KEY=VALUE
    /// lines: SIDECAR_E2E_KUBECONFIG, SIDECAR_E2E_K8S, SIDECAR_E2E_GATE, …, and for scripts the
    /// workload images SIDECAR_E2E_CURL_IMAGE and _HTTPBIN_IMAGE, the SIDECAR_E2E_KUBECTL an
    /// offline build made and an Istio cell's SIDECAR_E2E_ISTIOCTL) to --env-file; append it to
    /// $GITHUB_ENV or $NEXTEST_ENV, or `source` it.
    ///
    /// Example: sidecar-e2e cluster up --k8s 1.32 --gate on --env-file target/sidecar-e2e/cluster.env
    Up(Box<ClusterUpOpts>),
    /// Delete a cluster `cluster up` made: by its env file, or every cluster of a run id.
    ///
    /// Example: sidecar-e2e cluster down --env-file target/sidecar-e2e/cluster.env
    Down(ClusterDownOpts),
}

#[derive(Debug, clap::Args)]
pub(super) struct ClusterUpOpts {
    #[command(flatten)]
    matrix: MatrixOpts,
    /// Where to write the environment for the suites.
    #[arg(long, value_name = "FILE")]
    env_file: PathBuf,
    /// Where the kubeconfig, kind config and (on failure) kind logs go
    /// (default: target/sidecar-e2e/<run-id>/).
    #[arg(long, value_name = "DIR")]
    artifacts: Option<PathBuf>,
    /// Image map (YAML) overriding the upstream images.
    #[arg(long, value_name = "FILE", env = "SIDECAR_E2E_IMAGE_MAP")]
    image_map: Option<PathBuf>,
    /// The kind binary (default: the image map's, else kind on PATH).
    #[arg(long, value_name = "FILE")]
    kind_bin: Option<PathBuf>,
    /// Keep the cluster when it fails to come up, for inspection.
    #[arg(long)]
    keep_on_failure: bool,
    /// istioctl for an Istio cell (default: istioctl on PATH).
    #[arg(long, value_name = "FILE")]
    istioctl: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
pub(super) struct ClusterDownOpts {
    /// The env file `cluster up` wrote.
    #[arg(long, value_name = "FILE")]
    env_file: Option<PathBuf>,
    /// Delete every kind cluster of this run id.
    #[arg(long, value_name = "RUN_ID")]
    run_id: Option<String>,
}

impl ClusterCommand {
    pub(super) fn exec(self, limits: InputLimits) -> Result<(), ExpectedError> {
        match self {
            ClusterCommand::Up(opts) => opts.exec(limits),
            ClusterCommand::Down(opts) => opts.exec(limits),
        }
    }
}

impl ClusterUpOpts {
    fn exec(self, limits: InputLimits) -> Result<(), ExpectedError> {
        let plan = self
            .matrix
            .to_request(limits)?
            .resolve()
            .map_err(ExpectedError::Plan)?;
        let images = image_table(self.image_map.as_deref(), limits)?;
        // The plan decides the node image once: the image map's where it names one.
        let cells: Vec<_> = plan
            .cells
            .into_iter()
            .filter(|c| c.valid)
            .map(|c| c.on_images(&images))
            .collect();
        let [cell] = cells.as_slice() else {
            return Err(ExpectedError::BadFlag {
                flag: "--k8s/--gate/--injector/--mode",
                reason: format!(
                    "`cluster up` makes one cell's cluster; these flags give {} valid cells",
                    cells.len()
                ),
            });
        };
        let istioctl = istioctl_for(
            std::slice::from_ref(cell),
            self.istioctl.as_deref(),
            &images,
        )?;
        let kind_bin = kind_binary(self.kind_bin.as_deref(), &images)?;
        let run_id = new_run_id(k8s_openapi::jiff::Timestamp::now(), std::process::id());
        let artifacts = absolute(
            &self
                .artifacts
                .clone()
                .unwrap_or_else(|| PathBuf::from("target/sidecar-e2e").join(&run_id)),
        );
        let slug = cell.cell.slug();
        // What a script on the cluster needs, said by the binary rather than guessed by it.
        let mut tools = BTreeMap::new();
        tools.insert("SIDECAR_E2E_CURL_IMAGE", images.workloads.curl.clone());
        tools.insert(
            "SIDECAR_E2E_HTTPBIN_IMAGE",
            images.workloads.httpbin.clone(),
        );
        if let Some(kubectl) = images.tools.get("kubectl") {
            tools.insert("SIDECAR_E2E_KUBECTL", kubectl.path.clone());
        }
        if let Some(istioctl) = &istioctl {
            tools.insert(
                "SIDECAR_E2E_ISTIOCTL",
                absolute(&istioctl.bin).display().to_string(),
            );
        }
        let outcome = runtime()?.block_on(async {
            let kind = prepare_kind(
                kind_bin.clone(),
                &images,
                std::slice::from_ref(cell),
                &artifacts,
                1,
            )
            .await?;
            let config = RunConfig::new(
                run_id.clone(),
                vec![cell.clone()],
                images,
                Provider::Kind(kind),
                artifacts.clone(),
            )
            .keep_on_failure(self.keep_on_failure)
            .keep_cluster(true)
            .istioctl(istioctl);
            // No scenario: the suites run them on the cluster next.
            let config = RunConfig {
                scenarios: Vec::new(),
                ..config
            };
            run_or_interrupt(Rounds::new(config, 1)).await
        })?;
        let outcome: Vec<_> = outcome.into_iter().flat_map(|r| r.outcomes).collect();
        let failures: Vec<String> = outcome
            .iter()
            .flat_map(|o| o.setup_failures.iter().map(ToString::to_string))
            .collect();
        if !failures.is_empty() {
            for failure in &failures {
                eprintln!("error: {slug}: {}", visible(failure));
            }
            return Err(ExpectedError::RunSetup { failed: 1 });
        }
        let cluster = cluster_name(&run_id, &slug);
        let mut env = BTreeMap::new();
        env.insert("SIDECAR_E2E_RUN_ID", run_id.clone());
        env.insert("SIDECAR_E2E_CLUSTER", cluster.clone());
        env.insert(
            "SIDECAR_E2E_KUBECONFIG",
            cell_dir(&artifacts, &slug)
                .join("kubeconfig")
                .display()
                .to_string(),
        );
        env.insert("SIDECAR_E2E_CONTEXT", format!("kind-{cluster}"));
        env.insert("SIDECAR_E2E_K8S", cell.cell.k8s.to_string());
        env.insert("SIDECAR_E2E_GATE", cell.cell.gate.to_string());
        env.insert("SIDECAR_E2E_INJECTOR", cell.cell.injector.to_string());
        env.insert("SIDECAR_E2E_MODE", cell.cell.requested_mode.to_string());
        env.insert(
            "SIDECAR_E2E_KIND",
            absolute(&kind_bin).display().to_string(),
        );
        if let Some(map) = &self.image_map {
            env.insert("SIDECAR_E2E_IMAGE_MAP", absolute(map).display().to_string());
        }
        env.extend(tools);
        let text: String = env.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        write_file(&self.env_file, &text)?;
        eprintln!(
            "cluster {cluster} is up with the injector; environment in {}",
            self.env_file.display()
        );
        Ok(())
    }
}

impl ClusterDownOpts {
    fn exec(self, limits: InputLimits) -> Result<(), ExpectedError> {
        let (clusters, kind_bin) = match (&self.env_file, &self.run_id) {
            (Some(path), _) => {
                let env = read_env_file(path, limits)?;
                let cluster = env.get("SIDECAR_E2E_CLUSTER").cloned().ok_or_else(|| {
                    ExpectedError::BadFlag {
                        flag: "--env-file",
                        reason: format!(
                            "{} has no SIDECAR_E2E_CLUSTER line; is it a `cluster up` env file?",
                            path.display()
                        ),
                    }
                })?;
                (
                    Some(vec![cluster]),
                    env.get("SIDECAR_E2E_KIND").map(PathBuf::from),
                )
            }
            (None, _) => (None, None),
        };
        let images = image_table(None, limits)?;
        let kind_bin = kind_binary(kind_bin.as_deref(), &images)?;
        runtime()?.block_on(async {
            let (kind, _) = preflight_kind(kind_bin).await?;
            let clusters = match (clusters, &self.run_id) {
                (Some(clusters), _) => clusters,
                (None, Some(run_id)) => kind
                    .clusters()
                    .await
                    .map_err(ExpectedError::live("list kind clusters"))?
                    .into_iter()
                    .filter(|name| run_of_cluster(name) == Some(run_id.as_str()))
                    .collect(),
                (None, None) => Vec::new(),
            };
            for cluster in &clusters {
                kind.delete(cluster)
                    .await
                    .map_err(ExpectedError::live(format!(
                        "delete kind cluster {cluster}"
                    )))?;
                eprintln!("deleted kind cluster {}", visible(cluster));
            }
            if clusters.is_empty() {
                eprintln!("no kind cluster of that run is left");
            }
            Ok(())
        })
    }
}

/// `KEY=VALUE` lines; blank lines and `#` comments skipped.
pub(super) fn parse_env(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

fn read_env_file(
    path: &Path,
    limits: InputLimits,
) -> Result<BTreeMap<String, String>, ExpectedError> {
    read_text(path, InputKind::EnvFile, limits)
        .map(|text| parse_env(&text))
        .map_err(ExpectedError::Input)
}

fn write_file(path: &Path, text: &str) -> Result<(), ExpectedError> {
    let fail = |source| ExpectedError::WriteFile {
        path: path.display().to_string(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    Ok(sidecar_e2e_runner::staged::write_whole(
        path,
        text.as_bytes(),
    )?)
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_env_files() {
        let env = parse_env(
            "# made by cluster up\nSIDECAR_E2E_K8S=1.32\n\nSIDECAR_E2E_GATE = on\nnot a line\n",
        );
        assert_eq!(env.get("SIDECAR_E2E_K8S").map(String::as_str), Some("1.32"));
        assert_eq!(env.get("SIDECAR_E2E_GATE").map(String::as_str), Some("on"));
        assert_eq!(env.len(), 2);
    }
}
