//! Waiting on the cluster by watching it, never by sleeping and polling: a watch delivers each
//! change as it happens, so a wait ends the moment its condition holds. The conditions are small
//! predicates over one object (the pod ones live in [`sidecar_e2e_core::pod`], shared with the verdicts).

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Node;
use kube::runtime::watcher::{self, Event};
use kube::{Api, Resource, ResourceExt};
use serde::de::DeserializeOwned;

/// A wait that did not end well.
#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    /// The condition did not hold in time.
    #[error("{what}: not done after {}s ({state})", waited.as_secs())]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long.
        waited: Duration,
        /// The objects that were not there yet, as last seen.
        state: String,
    },
    /// The watch itself failed.
    #[error("{what}: the watch failed")]
    Watch {
        /// What was awaited.
        what: String,
        /// Why.
        #[source]
        source: watcher::Error,
    },
}

/// Waits until at least `at_least` objects match `config` and every one satisfies `done`.
/// `describe` says, for the timeout error, what an object looks like now.
///
/// # Errors
/// [`WaitError`] on timeout (with the laggards' state) or when the watch fails.
pub async fn await_all<K>(
    api: Api<K>,
    config: watcher::Config,
    what: &str,
    at_least: usize,
    timeout: Duration,
    done: impl Fn(&K) -> bool,
    describe: impl Fn(&K) -> String,
) -> Result<(), WaitError>
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
{
    let mut seen: BTreeMap<String, K> = BTreeMap::new();
    let mut listed = false;
    let holds = |seen: &BTreeMap<String, K>| seen.len() >= at_least && seen.values().all(&done);
    let watch = async {
        let mut stream = watcher::watcher(api, config).boxed();
        while let Some(event) = stream.try_next().await.map_err(|source| WaitError::Watch {
            what: what.to_owned(),
            source,
        })? {
            match event {
                Event::Init => seen.clear(),
                Event::InitApply(obj) | Event::Apply(obj) => {
                    seen.insert(obj.name_any(), obj);
                }
                Event::Delete(obj) => {
                    seen.remove(&obj.name_any());
                }
                Event::InitDone => listed = true,
            }
            if listed && holds(&seen) {
                return Ok(());
            }
        }
        Ok(())
    };
    match tokio::time::timeout(timeout, watch).await {
        Ok(result) => result,
        Err(_) => {
            let laggards: Vec<String> = seen
                .values()
                .filter(|obj| !done(obj))
                .map(|obj| format!("{}: {}", obj.name_any(), describe(obj)))
                .collect();
            let state = if seen.len() < at_least {
                format!("{} of {at_least} seen", seen.len())
            } else {
                laggards.join("; ")
            };
            Err(WaitError::Timeout {
                what: what.to_owned(),
                waited: timeout,
                state,
            })
        }
    }
}

/// The node's `Ready` condition is `True`.
pub fn node_ready(node: &Node) -> bool {
    node.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .any(|c| c.type_ == "Ready" && c.status == "True")
}

/// The Deployment has an available replica of its current generation.
pub fn deployment_available(deployment: &Deployment) -> bool {
    let Some(status) = deployment.status.as_ref() else {
        return false;
    };
    let current = status.observed_generation >= deployment.metadata.generation;
    current && status.available_replicas.unwrap_or(0) >= 1
}

/// A one-line state of a node, for timeouts.
pub fn describe_node(node: &Node) -> String {
    node.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .find(|c| c.type_ == "Ready")
        .map(|c| {
            format!(
                "Ready={} ({})",
                c.status,
                c.message.as_deref().unwrap_or("")
            )
        })
        .unwrap_or_else(|| "no Ready condition".to_owned())
}

/// A one-line state of a Deployment, for timeouts.
pub fn describe_deployment(deployment: &Deployment) -> String {
    let status = deployment.status.clone().unwrap_or_default();
    format!(
        "{} available of {} replicas",
        status.available_replicas.unwrap_or(0),
        status.replicas.unwrap_or(0)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_json<T: DeserializeOwned>(value: serde_json::Value) -> T {
        serde_json::from_value(value).expect("valid object")
    }

    #[test]
    fn a_node_is_ready_only_with_ready_true() {
        let ready: Node = from_json(serde_json::json!({
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}
        }));
        let not_yet: Node = from_json(serde_json::json!({
            "status": {"conditions": [{"type": "Ready", "status": "False", "message": "CNI not ready"}]}
        }));
        assert!(node_ready(&ready));
        assert!(!node_ready(&not_yet));
        assert_eq!(describe_node(&not_yet), "Ready=False (CNI not ready)");
    }

    #[test]
    fn a_deployment_of_an_older_generation_is_not_available() {
        let stale: Deployment = from_json(serde_json::json!({
            "metadata": {"generation": 2},
            "status": {"observedGeneration": 1, "availableReplicas": 1}
        }));
        let current: Deployment = from_json(serde_json::json!({
            "metadata": {"generation": 2},
            "status": {"observedGeneration": 2, "availableReplicas": 1, "replicas": 1}
        }));
        assert!(!deployment_available(&stale));
        assert!(deployment_available(&current));
        assert_eq!(describe_deployment(&current), "1 available of 1 replicas");
    }
}
