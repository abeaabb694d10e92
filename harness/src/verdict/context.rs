//! What every decider looks at: the scenario's recording, the proxy's name, and the scenario's
//! own pods (label `app=<scenario>`) in watch order.

use super::types::CheckStatus;
use crate::recording::{PodSnapshot, ScenarioRecording};
use crate::views::kubectl::{PrinterRules, pod_columns};

/// A decided check before it is paired with its [`crate::expect::Check`].
pub(super) type Decided = (CheckStatus, Vec<String>);

pub(super) struct Context<'a> {
    pub(super) recorded: &'a ScenarioRecording,
    pub(super) proxy: &'static str,
    pub(super) snapshots: Vec<&'a PodSnapshot>,
    /// How the cell's API server prints pod rows.
    pub(super) printer: PrinterRules,
}

impl<'a> Context<'a> {
    pub(super) fn new(
        recorded: &'a ScenarioRecording,
        proxy: &'static str,
        printer: PrinterRules,
    ) -> Self {
        let snapshots = recorded.scenario_snapshots();
        Context {
            recorded,
            proxy,
            snapshots,
            printer,
        }
    }

    /// The failure every pod-based check gives when the scenario has no pod at all.
    pub(super) fn no_pod(&self) -> Decided {
        let mut evidence = vec![format!(
            "no pod labelled app={} was recorded",
            self.recorded.scenario.name()
        )];
        evidence.extend(
            self.recorded
                .apply_errors
                .iter()
                .map(|e| format!("apply error: {e}")),
        );
        (CheckStatus::Fail, evidence)
    }
}

/// `snapshot seq 3 (pod job-abc, resourceVersion 7): 1/2 Running`.
pub(super) fn describe_snapshot(s: &PodSnapshot, printer: PrinterRules) -> String {
    let columns = pod_columns(&s.pod, printer);
    format!(
        "snapshot seq {} (pod {}, resourceVersion {}): {} {}",
        s.seq,
        s.pod.metadata.name.as_deref().unwrap_or("?"),
        s.pod.metadata.resource_version.as_deref().unwrap_or("?"),
        columns.ready,
        columns.status
    )
}
