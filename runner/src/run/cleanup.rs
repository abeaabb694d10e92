//! What a run has created and not yet removed. Every cluster is registered *before* `kind
//! create` starts (a half-made cluster must be deleted too), and every namespace before it is
//! created; each is struck off once removed or deliberately kept. On SIGINT/SIGTERM the run's
//! futures are dropped (which kills any kind child) and [`Created::remove_all`] deletes the rest.

use std::sync::{Arc, Mutex, PoisonError};

use crate::api::delete_namespace;
use crate::cluster::{ClusterAccess, KindProvider};

/// One thing to remove.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Thing {
    KindCluster(String),
    Namespace { access: ClusterAccess, name: String },
}

/// The registry, shared by every cell of a run.
#[derive(Debug, Clone, Default)]
pub struct Created {
    things: Arc<Mutex<Vec<Thing>>>,
}

impl Created {
    fn with<T>(&self, f: impl FnOnce(&mut Vec<Thing>) -> T) -> T {
        // A panicking cell must not stop the others' cleanup.
        let mut things = self.things.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut things)
    }

    /// Registers a kind cluster about to be created.
    pub fn kind_cluster(&self, name: &str) {
        self.with(|t| t.push(Thing::KindCluster(name.to_owned())));
    }

    /// Registers a namespace about to be created in a borrowed cluster.
    pub fn namespace(&self, access: &ClusterAccess, name: &str) {
        self.with(|t| {
            t.push(Thing::Namespace {
                access: access.clone(),
                name: name.to_owned(),
            });
        });
    }

    /// Strikes a cluster off (deleted, or kept on purpose).
    pub fn forget_cluster(&self, name: &str) {
        self.with(|t| t.retain(|thing| *thing != Thing::KindCluster(name.to_owned())));
    }

    /// Strikes a namespace off.
    pub fn forget_namespace(&self, name: &str) {
        self.with(|t| {
            t.retain(|thing| !matches!(thing, Thing::Namespace { name: n, .. } if n == name));
        });
    }

    /// What is still registered, for messages.
    pub fn describe(&self) -> Vec<String> {
        self.with(|t| {
            t.iter()
                .map(|thing| match thing {
                    Thing::KindCluster(name) => format!("kind cluster {name}"),
                    Thing::Namespace { name, .. } => format!("namespace {name}"),
                })
                .collect()
        })
    }

    /// Removes everything still registered; returns what could not be removed, with why.
    pub async fn remove_all(&self, kind: Option<&KindProvider>) -> Vec<String> {
        let things = self.with(std::mem::take);
        let mut failures = Vec::new();
        for thing in things {
            match thing {
                Thing::KindCluster(name) => match kind {
                    Some(kind) => {
                        if let Err(err) = kind.delete_interrupted(&name).await {
                            failures.push(sidecar_e2e_core::error_chain::error_chain(&err));
                        }
                    }
                    None => {
                        failures.push(format!("kind cluster {name}: no kind binary to delete it"))
                    }
                },
                Thing::Namespace { access, name } => {
                    let removed = match access.client().await {
                        Ok(client) => delete_namespace(&client, &name)
                            .await
                            .map_err(|err| sidecar_e2e_core::error_chain::error_chain(&err)),
                        Err(err) => Err(sidecar_e2e_core::error_chain::error_chain(&err)),
                    };
                    if let Err(err) = removed {
                        failures.push(err);
                    }
                }
            }
        }
        failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn things_are_struck_off_once_removed() {
        let created = Created::default();
        created.kind_cluster("se2e-a");
        created.kind_cluster("se2e-b");
        let access = ClusterAccess {
            kubeconfig: "k".into(),
            context: None,
        };
        created.namespace(&access, "ns-1");
        created.forget_cluster("se2e-a");
        assert_eq!(
            created.describe(),
            ["kind cluster se2e-b", "namespace ns-1"]
        );
        created.forget_namespace("ns-1");
        assert_eq!(created.describe(), ["kind cluster se2e-b"]);
    }

    #[tokio::test]
    async fn a_cluster_without_kind_is_reported_not_forgotten() {
        let created = Created::default();
        created.kind_cluster("se2e-a");
        let failures = created.remove_all(None).await;
        assert_eq!(
            failures,
            ["kind cluster se2e-a: no kind binary to delete it"]
        );
        assert!(created.describe().is_empty());
    }
}
