//! The cluster one cell runs on, as one value: a kind cluster this run makes (and deletes), or
//! a cluster the user brought (where the run only makes and removes namespaces). Each phase that
//! differs between the two is a method here, so the cell's own steps never ask which it is.

use std::path::Path;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Node, Pod};
use kube::Api;
use kube::runtime::watcher;
use sidecar_e2e_core::plan::ClusterSpec;
use sidecar_e2e_core::pod::{is_finished, is_ready};

use super::cleanup::Created;
use super::phases::BoxError;
use crate::api::{RUN_ID_LABEL, await_all, delete_namespace, describe_node, node_ready};
use crate::cluster::{
    ClusterAccess, CreateCluster, KindProvider, LoadReport, NodeShell, kind_config_with_labels,
};

/// How long a new cluster's node and system pods may take to be Ready (2 cores, 2 clusters).
const CLUSTER_READY_TIMEOUT: Duration = Duration::from_secs(300);

/// Where a cell's cluster comes from.
pub(super) enum CellCluster<'a> {
    /// A kind cluster this run creates, named `name`, and deletes.
    Kind {
        /// The kind provider.
        kind: &'a KindProvider,
        /// The cluster's name.
        name: String,
    },
    /// A cluster the user brought: nothing is created but namespaces.
    Borrowed {
        /// How to reach it.
        access: &'a ClusterAccess,
    },
}

impl CellCluster<'_> {
    /// Makes the cluster (registered first, so an interruption removes it) and waits until its
    /// nodes are Ready; a borrowed cluster is simply there. `dir` is the cell's artifacts
    /// directory (kind config, kubeconfig). Each step's time goes into `steps`. The system pods
    /// are awaited apart ([`system_pods_ready`]), beside the cell's next phases.
    pub(super) async fn up(
        &self,
        spec: &ClusterSpec,
        run_id: &str,
        dir: &Path,
        created: &Created,
        steps: &mut Vec<(&'static str, Duration)>,
    ) -> Result<ClusterAccess, BoxError> {
        let (kind, name) = match self {
            CellCluster::Borrowed { access } => return Ok((*access).clone()),
            CellCluster::Kind { kind, name } => (kind, name),
        };
        let mut step = Instant::now();
        let mut took = |what: &'static str| {
            steps.push((what, step.elapsed()));
            step = Instant::now();
        };
        created.kind_cluster(name);
        std::fs::create_dir_all(dir)?;
        let config_path = dir.join("kind-config.yaml");
        // Only the run id: the kubelet refuses node labels in the kubernetes.io namespaces.
        let labels =
            std::collections::BTreeMap::from([(RUN_ID_LABEL.to_owned(), run_id.to_owned())]);
        // From `docker info` at preflight: on a cgroup v1 host a 1.35+ kubelet needs failCgroupV1.
        let config = kind_config_with_labels(spec, &labels, kind.host_cgroup());
        crate::staged::write_whole(&config_path, config.yaml.as_bytes())?;
        let request = CreateCluster {
            name: name.clone(),
            config: config_path,
            // `--image` replaces every node's image: a cell with a worker of another minor
            // keeps the config's image per node (a 1.32 worker came up as 1.33 with it, and the
            // recording's facts refused the cell).
            node_image: spec.worker.is_none().then(|| spec.node_image.clone()),
            kubeconfig: dir.join("kubeconfig"),
            retain_on_failure: true,
        };
        let access = kind.create(&request).await?;
        took("kind create");
        let client = access.client().await?;
        if let Some(worker) = spec.worker.as_ref().filter(|w| w.k8s != spec.k8s) {
            share_kube_proxy(kind, name, &client).await.map_err(|err| {
                format!(
                    "cannot give the {} worker the control plane's kube-proxy: {err}",
                    worker.k8s
                )
            })?;
        }
        await_all(
            Api::<Node>::all(client.clone()),
            watcher::Config::default(),
            "the cluster's nodes Ready",
            1 + usize::from(spec.worker.is_some()),
            CLUSTER_READY_TIMEOUT,
            node_ready,
            describe_node,
        )
        .await?;
        took("nodes Ready");
        Ok(access)
    }

    /// Loads the `images` its nodes do not already hold into the cluster's nodes; `None` when
    /// there is nothing to load into (a borrowed cluster pulls them itself).
    pub(super) fn load_images<'b>(
        &'b self,
        images: &'b [String],
        artifacts: &'b Path,
    ) -> Option<impl std::future::Future<Output = Result<LoadReport, crate::cluster::KindError>> + 'b>
    {
        match self {
            CellCluster::Kind { kind, name } => Some(kind.load_images(name, images, artifacts)),
            CellCluster::Borrowed { .. } => None,
        }
    }

    /// A shell on the node that runs the workload (the worker, `has_worker`), for a scenario
    /// that acts on it: only a cluster the run made has one.
    pub(super) fn node_shell(&self, has_worker: bool) -> Option<NodeShell> {
        match self {
            CellCluster::Kind { kind, name } => Some(kind.node_shell(name, has_worker)),
            CellCluster::Borrowed { .. } => None,
        }
    }

    /// Whether namespaces must be registered for removal one by one (a borrowed cluster stays;
    /// a kind cluster goes whole).
    pub(super) fn is_borrowed(&self) -> bool {
        matches!(self, CellCluster::Borrowed { .. })
    }

    /// Exports the kind cluster's logs to `dir` (after a failure); `None` for a borrowed one.
    pub(super) fn export_logs<'b>(
        &'b self,
        dir: &'b Path,
    ) -> Option<impl std::future::Future<Output = Result<(), crate::cluster::KindError>> + 'b> {
        match self {
            CellCluster::Kind { kind, name } => Some(kind.export_logs(name, dir)),
            CellCluster::Borrowed { .. } => None,
        }
    }

    /// Leaves the cluster (or the run's namespaces in a borrowed one) for inspection and says
    /// how to look at it and remove it.
    pub(super) fn keep(
        &self,
        access: Option<&ClusterAccess>,
        namespaces: &[String],
        created: &Created,
    ) -> String {
        let flags = access.map(ClusterAccess::kubectl_flags).unwrap_or_default();
        match self {
            CellCluster::Kind { kind, name } => {
                created.forget_cluster(name);
                format!(
                    "kept kind cluster {name}; inspect: kubectl {flags} get pods -A; remove: {} delete cluster --name {name}",
                    kind.kind().bin.display()
                )
            }
            CellCluster::Borrowed { .. } => {
                for ns in namespaces {
                    created.forget_namespace(ns);
                }
                format!(
                    "kept namespaces {}; inspect: kubectl {flags} get pods -n <namespace>; remove: sidecar-e2e gc {flags}",
                    namespaces.join(", ")
                )
            }
        }
    }

    /// Deletes the kind cluster, or the run's namespaces in a borrowed one.
    pub(super) async fn tear_down(
        &self,
        access: Option<&ClusterAccess>,
        namespaces: &[String],
        created: &Created,
    ) -> Result<(), BoxError> {
        match self {
            CellCluster::Kind { kind, name } => {
                kind.delete(name).await?;
                created.forget_cluster(name);
            }
            CellCluster::Borrowed { .. } => {
                let Some(access) = access else { return Ok(()) };
                let client = access.client().await?;
                for ns in namespaces {
                    delete_namespace(&client, ns).await?;
                    created.forget_namespace(ns);
                }
            }
        }
        Ok(())
    }
}

/// Waits until every kube-system pod of a cluster the run made is Ready (CoreDNS needs the CNI:
/// when every system pod is Ready the network works too) and says how long that took; a
/// borrowed cluster's are not waited for (`None`). Only the scenarios need them (their traffic
/// goes through CoreDNS and Services), so this runs beside the probe, the images and the install,
/// whose proof asks again while its webhook's Service is not reachable yet. (Starting those
/// before the nodes are Ready too was measured slower: BENCHMARKS.md, "Nothing to load, and the
/// floor beside a cell".)
pub(super) async fn system_pods_ready(
    borrowed: bool,
    access: ClusterAccess,
) -> Result<Option<Duration>, BoxError> {
    if borrowed {
        return Ok(None);
    }
    let started = Instant::now();
    await_all(
        Api::<Pod>::namespaced(access.client().await?, "kube-system"),
        watcher::Config::default(),
        "the kube-system pods Ready",
        1,
        CLUSTER_READY_TIMEOUT,
        |pod| is_ready(pod) || is_finished(pod),
        |pod| sidecar_e2e_core::pod::phase(pod).to_owned(),
    )
    .await?;
    Ok(Some(started.elapsed()))
}

/// Gives the worker the control plane's kube-proxy image. kube-proxy is a DaemonSet of the
/// control plane's version; a worker whose node image is of an older minor does not have that
/// image, and offline no registry serves it: without it the worker has no Service routing, its
/// CNI cannot reach the API server, and it never gets Ready (seen live, 1.33 with a 1.32 worker).
async fn share_kube_proxy(
    kind: &KindProvider,
    name: &str,
    client: &kube::Client,
) -> Result<(), BoxError> {
    let proxy =
        Api::<k8s_openapi::api::apps::v1::DaemonSet>::namespaced(client.clone(), "kube-system")
            .get("kube-proxy")
            .await?;
    let reference = proxy
        .spec
        .and_then(|spec| spec.template.spec)
        .and_then(|pod| pod.containers.into_iter().next())
        .and_then(|container| container.image)
        .ok_or("the kube-proxy DaemonSet names no image")?;
    // The reference goes to a shell as an argument, never into its text; still, only what an
    // image reference can hold.
    if !reference
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"./:-_@".contains(&b))
    {
        return Err(format!("unexpected kube-proxy image reference {reference:?}").into());
    }
    let control_plane = kind.node_shell(name, false);
    let worker = kind.node_shell(name, true);
    let copy = control_plane.copy_image_command(&worker, &reference);
    // The import has failed once in four live runs with a short read of a 147 MB layer (cause not
    // found; the same image imported whole the next time): a copy is tried three times.
    let mut last = None;
    for _ in 0..COPY_ATTEMPTS {
        match copy.run().await {
            Ok(_) => return Ok(()),
            Err(err) => last = Some(err),
        }
    }
    Err(last.map_or_else(|| "no attempt".into(), |err| Box::new(err) as BoxError))
}

/// How many times the control plane's kube-proxy image is copied to a worker before the cell
/// fails.
const COPY_ATTEMPTS: usize = 3;
