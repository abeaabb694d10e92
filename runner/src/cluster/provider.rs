//! Where a run's clusters come from: kind clusters it creates (and must delete), or a cluster the
//! user brings (`--kubeconfig`, `--context`), which it only borrows. The kind provider runs the
//! command lines of [`super::Kind`] through [`crate::process`].

use std::path::{Path, PathBuf};

use super::connect::ClusterAccess;
use super::kind::{CreateCluster, Kind, docker, docker_failure_hint};
use super::node_images::{LoadReport, NodeImages, missing_from};
use crate::process::{ToolCommand, ToolError};
use sidecar_e2e_core::cluster::HostCgroup;

/// A kind command failed.
#[derive(Debug, thiserror::Error)]
#[error("kind could not {action} {cluster}{}", hint.map(|h| format!(" (hint: {h})")).unwrap_or_default())]
pub struct KindError {
    /// What kind was asked to do.
    pub action: &'static str,
    /// The cluster.
    pub cluster: String,
    /// What to do about it, when recognised.
    pub hint: Option<&'static str>,
    /// The command's failure.
    #[source]
    pub source: ToolError,
}

/// The `kind` binary, run for real.
#[derive(Debug, Clone)]
pub struct KindProvider {
    kind: Kind,
    host_cgroup: HostCgroup,
    docker: DockerHost,
}

/// The [`KindError`] of a kind or docker command that failed doing `action` to `cluster`, with
/// the Docker hint its stderr calls for.
fn failed<'c>(action: &'static str, cluster: &'c str) -> impl FnOnce(ToolError) -> KindError + 'c {
    move |source| KindError {
        action,
        cluster: cluster.to_owned(),
        hint: docker_failure_hint(source.stderr()),
        source,
    }
}

/// How long no node container may appear before an interrupted cluster counts as gone.
const SWEEP_QUIET: std::time::Duration = std::time::Duration::from_secs(4);
/// The longest the sweep after an interrupted create goes on.
const SWEEP_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);
/// How often it looks.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// The Docker the nodes run on, as `docker info` described it.
#[derive(Debug, Clone)]
pub struct DockerHost {
    /// The docker CLI.
    pub bin: PathBuf,
    /// The daemon's major version (0 when unknown).
    pub major: u32,
    /// Where the daemon keeps images and containers (`DockerRootDir`), when it said.
    pub root_dir: Option<PathBuf>,
}

impl KindProvider {
    /// kind at `bin`, making nodes on a Docker host with `host_cgroup`.
    pub fn new(bin: PathBuf, host_cgroup: HostCgroup, docker: DockerHost) -> Self {
        KindProvider {
            kind: Kind { bin },
            host_cgroup,
            docker,
        }
    }

    /// The cgroup version the nodes get (`docker info`): kind configs follow it.
    pub fn host_cgroup(&self) -> HostCgroup {
        self.host_cgroup
    }

    /// A shell on the node of `cluster` that runs the workload (its worker, `has_worker`), for
    /// scenarios that act on the node.
    pub fn node_shell(&self, cluster: &str, has_worker: bool) -> crate::cluster::NodeShell {
        crate::cluster::NodeShell::workload_node(self.docker.bin.clone(), cluster, has_worker)
    }

    /// The Docker the nodes run on.
    pub fn docker(&self) -> &DockerHost {
        &self.docker
    }

    /// The command lines, for hints.
    pub fn kind(&self) -> &Kind {
        &self.kind
    }

    fn command(&self, args: Vec<std::ffi::OsString>) -> ToolCommand {
        ToolCommand::new(&self.kind.bin, args)
    }

    async fn run(
        &self,
        action: &'static str,
        cluster: &str,
        args: Vec<std::ffi::OsString>,
    ) -> Result<String, KindError> {
        self.command(args)
            .run()
            .await
            .map(|out| out.stdout)
            .map_err(failed(action, cluster))
    }

    /// Creates the cluster and returns how to reach it (its own kubeconfig).
    ///
    /// # Errors
    /// [`KindError`] with kind's stderr and a Docker hint when one applies.
    pub async fn create(&self, request: &CreateCluster) -> Result<ClusterAccess, KindError> {
        self.run("create", &request.name, self.kind.create(request))
            .await?;
        Ok(ClusterAccess {
            kubeconfig: request.kubeconfig.clone(),
            context: Some(format!("kind-{}", request.name)),
        })
    }

    /// Loads into every node the local Docker images some node does not already hold (asked,
    /// [`super::node_images`]): one `docker save` archive (in `scratch`, removed after), one
    /// `kind load image-archive`. An offline node image carries the workload images, so a cell
    /// on one loads nothing; kind's upstream node images hold none of them.
    ///
    /// # Errors
    /// [`KindError`], e.g. when an image is neither on the nodes nor in the local Docker.
    pub async fn load_images(
        &self,
        cluster: &str,
        images: &[String],
        scratch: &Path,
    ) -> Result<LoadReport, KindError> {
        let missing = self.missing_images(cluster, images).await;
        let on_nodes = images
            .iter()
            .filter(|image| !missing.contains(image))
            .cloned()
            .collect();
        let started = std::time::Instant::now();
        self.load_archive(cluster, &missing, scratch).await?;
        Ok(LoadReport {
            loaded: missing,
            on_nodes,
            load_took: started.elapsed(),
        })
    }

    /// Which of `images` some running node of `cluster` lacks, or holds as another build. A
    /// node that cannot be asked, or a cluster whose nodes cannot be listed, holds nothing:
    /// everything is then loaded, as before node images carried any.
    async fn missing_images(&self, cluster: &str, images: &[String]) -> Vec<String> {
        let docker = &self.docker.bin;
        let nodes = ToolCommand::new(docker, docker::running_nodes(cluster))
            .run()
            .await
            .map(|out| {
                out.stdout
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let held = futures::future::join_all(nodes.iter().map(|node| async move {
            let out = ToolCommand::new(docker, docker::node_images(node))
                .run()
                .await
                .ok()?;
            NodeImages::from_crictl_json(&out.stdout).ok()
        }));
        let ids = futures::future::join_all(images.iter().map(|image| async move {
            let id = ToolCommand::new(docker, docker::image_inspect(image))
                .run()
                .await
                .ok()
                .map(|out| out.stdout.trim().to_owned())
                .filter(|id| !id.is_empty());
            (image.clone(), id)
        }));
        let (held, wanted) = futures::future::join(held, ids).await;
        missing_from(&wanted, &held)
    }

    /// `docker save` of `images` into one archive, `kind load image-archive` of it; nothing for
    /// no images.
    async fn load_archive(
        &self,
        cluster: &str,
        images: &[String],
        scratch: &Path,
    ) -> Result<(), KindError> {
        if images.is_empty() {
            return Ok(());
        }
        // A scratch directory that cannot be made shows up as docker save's own error.
        let _ = std::fs::create_dir_all(scratch);
        let archive = scratch.join(format!("images-{cluster}.tar"));
        let saved = ToolCommand::new(
            &self.docker.bin,
            docker::save(&archive, images, self.docker.major),
        )
        .run()
        .await
        .map_err(failed("save the images for", cluster));
        let loaded = match saved {
            Ok(_) => self
                .run(
                    "load the images into",
                    cluster,
                    self.kind.load_archive(cluster, &archive),
                )
                .await
                .map(drop),
            Err(err) => Err(err),
        };
        let _ = std::fs::remove_file(&archive);
        loaded
    }

    /// Deletes a cluster whose `kind create` was interrupted. Killing kind does not stop the
    /// `docker run` it already started, so a node container can appear after `kind delete`
    /// looked: after deleting, remove the cluster's labelled containers until none has shown up
    /// for [`SWEEP_QUIET`] (at most [`SWEEP_LIMIT`]).
    ///
    /// # Errors
    /// [`KindError`] from `kind delete`, or a container that could not be removed.
    pub async fn delete_interrupted(&self, cluster: &str) -> Result<(), KindError> {
        let deleted = self.delete(cluster).await;
        let started = tokio::time::Instant::now();
        let mut quiet_since = started;
        while quiet_since.elapsed() < SWEEP_QUIET && started.elapsed() < SWEEP_LIMIT {
            let listed = ToolCommand::new(&self.docker.bin, docker::cluster_containers(cluster))
                .run()
                .await;
            let ids: Vec<String> = match &listed {
                Ok(out) => out.stdout.split_whitespace().map(str::to_owned).collect(),
                Err(_) => Vec::new(),
            };
            if !ids.is_empty() {
                ToolCommand::new(&self.docker.bin, docker::remove_containers(&ids))
                    .run()
                    .await
                    .map_err(failed("remove the node containers of", cluster))?;
                quiet_since = tokio::time::Instant::now();
            }
            tokio::time::sleep(SWEEP_EVERY).await;
        }
        deleted
    }

    /// `kind export logs` into `dir`.
    ///
    /// # Errors
    /// [`KindError`].
    pub async fn export_logs(&self, cluster: &str, dir: &Path) -> Result<(), KindError> {
        self.run(
            "export the logs of",
            cluster,
            self.kind.export_logs(cluster, dir),
        )
        .await
        .map(drop)
    }

    /// Deletes the cluster (kind succeeds when it is already gone).
    ///
    /// # Errors
    /// [`KindError`].
    pub async fn delete(&self, cluster: &str) -> Result<(), KindError> {
        self.run("delete", cluster, self.kind.delete(cluster))
            .await
            .map(drop)
    }

    /// Every kind cluster on this Docker.
    ///
    /// # Errors
    /// [`KindError`].
    pub async fn clusters(&self) -> Result<Vec<String>, KindError> {
        let out = self
            .run("list", "clusters", self.kind.get_clusters())
            .await?;
        Ok(parse_cluster_list(&out))
    }
}

/// `kind get clusters` prints one name per line, or "No kind clusters found." on stderr.
fn parse_cluster_list(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_cluster_list() {
        assert_eq!(
            parse_cluster_list("sidecar-e2e-a\n\nkind\n"),
            ["sidecar-e2e-a", "kind"]
        );
        assert!(parse_cluster_list("").is_empty());
    }

    #[tokio::test]
    async fn a_failed_kind_command_names_the_action_and_the_docker_hint() {
        let dir = tempfile::tempdir().expect("temp dir");
        let fake = dir.path().join("kind");
        std::fs::write(
            &fake,
            "#!/bin/sh\necho 'ERROR: failed to create cluster: unable to apply caps: operation not permitted' >&2\nexit 1\n",
        )
        .expect("write fake kind");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let provider = KindProvider::new(
            fake,
            HostCgroup::V2,
            DockerHost {
                bin: PathBuf::from("docker"),
                major: 29,
                root_dir: None,
            },
        );
        let err = provider
            .delete("sidecar-e2e-x")
            .await
            .expect_err("fake kind fails");
        let text = sidecar_e2e_core::error_chain::error_chain(&err);
        assert!(
            text.starts_with("kind could not delete sidecar-e2e-x (hint: this host cannot grant"),
            "{text}"
        );
        assert!(text.contains("unable to apply caps"), "{text}");
    }
}
