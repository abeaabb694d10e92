//! What every live stage shares when it talks to the API server: server-side apply under one
//! field manager, waiting for objects to reach a condition, namespaces, and the labels that mark
//! what a run created. The lowest live room: cluster, install and record build on it, in
//! pipeline order, and it imports none of them.

mod apply;
mod dry_run;
mod namespace;
mod wait;

use std::collections::BTreeMap;

pub use apply::{ApplyError, apply_manifest, apply_object, parse_documents};
pub use dry_run::{DryRun, dry_run_through_webhook};
pub use namespace::{
    NamespaceError, create_namespace, create_namespace_with, delete_namespace, namespace_name,
};
pub use wait::{
    WaitError, await_all, deployment_available, describe_deployment, describe_node, node_ready,
};

/// The field manager of every server-side apply (and the name in dry-runs).
pub const FIELD_MANAGER: &str = "sidecar-e2e";

/// The label every namespace (and kind cluster node) a run creates carries, valued with the
/// run id: how cleanup and `sidecar-e2e gc` find what a run made.
pub const RUN_ID_LABEL: &str = "sidecar-e2e/run-id";

/// The labels of everything a run creates.
pub fn run_labels(run_id: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (RUN_ID_LABEL.to_owned(), run_id.to_owned()),
        (
            "app.kubernetes.io/managed-by".to_owned(),
            "sidecar-e2e".to_owned(),
        ),
    ])
}
