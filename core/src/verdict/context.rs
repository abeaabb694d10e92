//! What every decider looks at: the scenario's recording, the proxy's name, and the scenario's
//! own pods (label `app=<scenario>`) in watch order.

use super::types::CheckStatus;
use crate::pod::PodRoles;
use crate::recording::{PodSnapshot, ScenarioRecording};
use crate::views::evidence::{Evidence, parse_evidence};
use crate::views::kubectl::{PrinterRules, pod_columns};

/// A decided check before it is paired with its [`crate::scenario::Check`].
pub(super) type Decided = (CheckStatus, Vec<String>);

/// What a recording showed of a behaviour that a known bug can break: the judge turns it into
/// a status, knowing whether the cell expects the bug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shown {
    /// The behaviour as it should be.
    Healthy,
    /// The bug's symptom.
    Buggy,
    /// Neither can be told (nothing recorded, the recording ended too soon).
    Unclear,
}

/// A [`Shown`] with its evidence.
pub(super) type Observed = (Shown, Vec<String>);

pub(super) struct Context<'a> {
    pub(super) recorded: &'a ScenarioRecording,
    /// The injector's proxy container.
    pub(super) proxy: &'static str,
    /// Which containers are sidecars and which apps.
    pub(super) roles: PodRoles,
    pub(super) snapshots: Vec<&'a PodSnapshot>,
    /// How the cell's API server prints pod rows.
    pub(super) printer: PrinterRules,
    /// The line in a collector's log that proves a record arrived (`${MARKER}` the record's
    /// body), when the cell's injector adds a collector.
    pub(super) collector_evidence: Option<&'static str>,
}

impl<'a> Context<'a> {
    pub(super) fn new(
        recorded: &'a ScenarioRecording,
        roles: PodRoles,
        printer: PrinterRules,
    ) -> Self {
        let snapshots = recorded.scenario_snapshots();
        Context {
            recorded,
            proxy: roles.proxy,
            roles,
            snapshots,
            printer,
            collector_evidence: None,
        }
    }

    /// The evidence lines of this scenario in its recorded logs, in log order: every log's, or
    /// only `container`'s (its instances, current and previous).
    pub(super) fn evidence(&self, container: Option<&str>) -> Vec<Evidence> {
        let name = self.recorded.scenario.name();
        self.recorded
            .logs
            .iter()
            .filter(|log| container.is_none_or(|c| log.container == c))
            .flat_map(|log| parse_evidence(&log.text))
            .filter(|e| e.scenario == name)
            .collect()
    }

    /// The failure every pod-based check gives when the scenario has no pod at all.
    pub(super) fn no_pod(&self) -> Decided {
        let mut evidence = vec![format!(
            "no pod labelled app={} was recorded",
            self.recorded.scenario.name()
        )];
        evidence.extend(self.apply_error_lines());
        (CheckStatus::Fail, evidence)
    }

    /// Each error the cluster answered the workload's apply with, as an evidence line.
    pub(super) fn apply_error_lines(&self) -> impl Iterator<Item = String> + '_ {
        self.recorded
            .apply_errors
            .iter()
            .map(|e| format!("apply error: {e}"))
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
