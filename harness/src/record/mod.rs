//! Recording what a scenario does on a live cluster: a fresh labelled namespace per scenario, the
//! workloads applied, pods and events watched until the scenario's end condition or its deadline,
//! and every container's log — all into a [`crate::recording::ScenarioRecording`].

mod conditions;
mod end;
mod logs;
mod namespace;
mod recorder;
mod server_rows;

use std::collections::BTreeMap;

pub use conditions::{
    WaitError, await_all, deployment_available, describe_deployment, describe_node, node_ready,
};
pub use end::{EndCondition, Progress, end_condition};
pub use namespace::{NamespaceError, create_namespace, delete_namespace};
pub use recorder::{RecordError, ScenarioRun, record_scenario};

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
