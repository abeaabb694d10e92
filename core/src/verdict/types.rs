//! What judging produces: a check's status with its evidence, per scenario and per recording.

use serde::Serialize;

use crate::plan::{Cell, EffectiveMode, PlanError};
use crate::scenario::Check;
use crate::scenario::Scenario;

/// A recording that cannot be judged.
#[derive(Debug, thiserror::Error)]
pub enum VerdictError {
    /// The recording's cell is one `plan` rejects (an unknown version).
    #[error("the recording's cell ({cell}) cannot be planned")]
    Unplannable {
        /// The cell's slug.
        cell: String,
        /// What `plan` said.
        #[source]
        source: PlanError,
    },
    /// The recording's cell is one that cannot run.
    #[error("the recording's cell ({cell}) is not a valid cell: {reason}")]
    InvalidCell {
        /// The cell's slug.
        cell: String,
        /// Why.
        reason: String,
    },
    /// The recording's cell says one thing and its cluster reported another (an edited file, or a
    /// recording relabelled for a cell that does not boot the same cluster).
    #[error("the recording's cell ({cell}) is not the cluster it recorded: {claim} but {fact}")]
    Contradicted {
        /// The cell's slug.
        cell: String,
        /// What the cell (and the plan for it) says: `cell.k8s says 1.28`.
        claim: String,
        /// What the cluster reported: `cluster.serverVersion is v1.37.2`.
        fact: String,
    },
}

/// How a check came out: its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CheckStatus {
    /// As expected.
    Pass,
    /// Not as expected.
    Fail,
    /// Nothing is asserted in this cell.
    NotApplicable,
    /// The known bug the cell expects showed, as expected (the check names it, with its link).
    KnownBug,
    /// The harness could not observe or bring about what the check needs (a log it could not
    /// read, a watch that broke, a container the runtime failed to create so that the
    /// scenario's trigger never came): nothing is said about the product. Runs exit with
    /// their own code for it, so CI may retry it; a product failure is never retried.
    HarnessFault,
}

impl CheckStatus {
    /// The word reports print.
    pub fn word(self) -> &'static str {
        match self {
            CheckStatus::Pass => "pass",
            CheckStatus::Fail => "FAIL",
            CheckStatus::NotApplicable => "n/a",
            CheckStatus::KnownBug => "known bug",
            CheckStatus::HarnessFault => "HARNESS FAULT",
        }
    }
}

/// One decided check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckResult {
    /// What was checked.
    pub check: Check,
    /// How it came out.
    pub status: CheckStatus,
    /// Why: snapshots, events, log lines.
    pub evidence: Vec<String>,
}

/// The verdict on one scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScenarioVerdict {
    /// Which scenario.
    pub scenario: Scenario,
    /// Its checks.
    pub results: Vec<CheckResult>,
    /// What `kubectl get pods -w` would have shown, one line per pod.
    pub watch: Vec<String>,
    /// The same, from the rows the API server printed (server-side printing), one line per pod;
    /// empty when the recording has none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub server_watch: Vec<String>,
    /// Each container's state changes, in watch order.
    pub timeline: Vec<String>,
    /// Which attempt was judged: a scenario whose first recording a harness fault spoiled is
    /// recorded once more (1 when it was not).
    #[serde(skip_serializing_if = "is_first")]
    pub attempt: u32,
    /// Why the earlier attempts were discarded.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retried_because: Vec<String>,
}

fn is_first(attempt: &u32) -> bool {
    *attempt <= 1
}

impl ScenarioVerdict {
    /// Whether no check failed and none was left undecided by a harness fault.
    pub fn passed(&self) -> bool {
        self.results
            .iter()
            .all(|r| !matches!(r.status, CheckStatus::Fail | CheckStatus::HarnessFault))
    }

    /// How many of its checks a harness fault left undecided.
    pub fn harness_faults(&self) -> usize {
        self.results
            .iter()
            .filter(|r| r.status == CheckStatus::HarnessFault)
            .count()
    }
}

/// The verdict on a recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    /// The cell.
    pub cell: Cell,
    /// The layout its pods were expected to get.
    pub effective_mode: EffectiveMode,
    /// Per scenario.
    pub scenarios: Vec<ScenarioVerdict>,
}

impl Verdict {
    /// Whether no check failed anywhere and none was left undecided by a harness fault.
    pub fn passed(&self) -> bool {
        self.scenarios.iter().all(ScenarioVerdict::passed)
    }

    /// Whether some check did not meet its expectation: a product failure.
    pub fn failed(&self) -> bool {
        self.scenarios
            .iter()
            .flat_map(|s| &s.results)
            .any(|r| r.status == CheckStatus::Fail)
    }

    /// How many checks a harness fault left undecided.
    pub fn harness_faults(&self) -> usize {
        self.scenarios
            .iter()
            .map(ScenarioVerdict::harness_faults)
            .sum()
    }
}
