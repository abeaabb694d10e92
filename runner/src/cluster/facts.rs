//! Measuring what a live cluster is: its server and kubelet versions, and the capability probe
//! (a server-side dry-run of [`super::probe_pod`]), so a recording says what ran, not what was
//! asked for.

use k8s_openapi::api::core::v1::{Node, Pod};
use kube::Api;
use kube::api::{ListParams, PostParams};

use sidecar_e2e_core::cluster::{ProbeError, native_sidecars_kept, probe_pod};
use sidecar_e2e_core::recording::{ClusterFacts, NodeFacts};

/// The image the probe pod names; a dry-run never pulls it.
pub const PROBE_IMAGE: &str = "registry.k8s.io/pause:3.10";

/// The cluster could not be measured.
#[derive(Debug, thiserror::Error)]
pub enum FactsError {
    /// An API call failed.
    #[error("cannot {what}")]
    Api {
        /// What was asked.
        what: &'static str,
        /// Why.
        #[source]
        source: kube::Error,
    },
    /// The dry-run answer could not be read.
    #[error("cannot read the capability probe's answer")]
    Probe(#[source] ProbeError),
}

/// Server and kubelet versions, and whether a restartable init container survives a
/// server-side dry-run create in `namespace`.
///
/// # Errors
/// [`FactsError`] when the API server does not answer or the probe's answer is unreadable.
pub async fn measure(client: &kube::Client, namespace: &str) -> Result<ClusterFacts, FactsError> {
    let api_error = |what| move |source| FactsError::Api { what, source };
    let server = client
        .apiserver_version()
        .await
        .map_err(api_error("read the server version"))?;
    let nodes = Api::<Node>::all(client.clone())
        .list(&ListParams::default())
        .await
        .map_err(api_error("list nodes"))?;
    let nodes: Vec<NodeFacts> = nodes
        .items
        .iter()
        .filter_map(|node| {
            Some(NodeFacts {
                name: node.metadata.name.clone()?,
                kubelet_version: node
                    .status
                    .as_ref()?
                    .node_info
                    .as_ref()?
                    .kubelet_version
                    .clone(),
            })
        })
        .collect();
    let kubelet_versions = nodes.iter().map(|n| n.kubelet_version.clone()).collect();
    let probe: Pod = serde_json::from_value(probe_pod(namespace, PROBE_IMAGE)).map_err(|err| {
        FactsError::Api {
            what: "build the probe pod",
            source: kube::Error::SerdeError(err),
        }
    })?;
    let dry_run = PostParams {
        dry_run: true,
        field_manager: Some(crate::api::FIELD_MANAGER.to_owned()),
    };
    let stored = Api::<Pod>::namespaced(client.clone(), namespace)
        .create(&dry_run, &probe)
        .await
        .map_err(api_error("dry-run the capability probe pod"))?;
    let stored = serde_json::to_value(&stored).map_err(|err| FactsError::Api {
        what: "read the capability probe pod",
        source: kube::Error::SerdeError(err),
    })?;
    let kept = native_sidecars_kept(&stored).map_err(FactsError::Probe)?;
    Ok(ClusterFacts {
        server_version: server.git_version,
        kubelet_versions,
        nodes,
        native_sidecars_supported: Some(kept),
        injected_mode: None,
    })
}
