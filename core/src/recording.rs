//! Everything a run observes, as versioned serde types saved as JSON. `sidecar-e2e verify`
//! re-checks a recording offline, so a CI failure can be debugged on a laptop.
//!
//! Order matters more than clocks here: Kubernetes timestamps have one-second resolution
//! (sidecar-semantics.md §4.1), so snapshots and events carry `seq`, the order in which the
//! recorder's watch delivered them, as well as the time the recorder saw them.

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use serde::{Deserialize, Serialize};

use crate::plan::{Cell, EffectiveMode};
use crate::scenario::Scenario;

/// The format version this build writes. Version 4 keeps what the harness could not observe
/// apart from what it saw (`faults`, each log's `readError`, a scenario's `attempt`); version 3
/// added each snapshot's `serverRow`, the row the API server itself printed for it; version 2
/// named the cell's mode `requestedMode` (version 1 called it `mode`, the word the plan uses
/// for the effective mode).
pub const RECORDING_VERSION: u32 = 4;

/// The oldest format version this build still reads: a version 2 recording is a version 3 one
/// without server rows, and a version 3 one is a version 4 one that kept a log it could not
/// read as a line of text in the log (see [`ContainerLog::read_error`]).
pub const OLDEST_READABLE_VERSION: u32 = 2;

/// A recording that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    /// The file is not a recording.
    #[error("{path} is not a sidecar-e2e recording")]
    Parse {
        /// The file.
        path: String,
        /// What serde said.
        #[source]
        source: serde_json::Error,
    },
    /// The file is a recording of another format version.
    #[error(
        "{path} is a version {found} recording; this build reads versions {OLDEST_READABLE_VERSION} to {RECORDING_VERSION}"
    )]
    Version {
        /// The file.
        path: String,
        /// The version in the file.
        found: u32,
    },
    /// The recording ran nothing: no check could pass or fail, so it proves nothing.
    #[error("{path} has no scenarios: a run writes one recording per scenario it ran")]
    NoScenarios {
        /// The file.
        path: String,
    },
}

/// One cell's run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recording {
    /// [`RECORDING_VERSION`].
    pub version: u32,
    /// The cell that ran.
    pub cell: Cell,
    /// What the cluster turned out to be.
    pub cluster: ClusterFacts,
    /// One entry per scenario run.
    pub scenarios: Vec<ScenarioRecording>,
}

/// Facts about the cluster, measured, never assumed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ClusterFacts {
    /// API server `gitVersion`, e.g. `v1.29.10`.
    pub server_version: String,
    /// Every node's `status.nodeInfo.kubeletVersion`.
    #[serde(default)]
    pub kubelet_versions: Vec<String>,
    /// Every node by name with its kubelet's version, so a pod's `spec.nodeName` says which
    /// kubelet ran it (a cell with a worker has two minors). Empty in older recordings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<NodeFacts>,
    /// Capability probe: did a server-side dry-run create keep `restartPolicy: Always` on an
    /// init container? `None` when the probe did not run.
    pub native_sidecars_supported: Option<bool>,
    /// The layout the injector was configured for in this run, if known.
    #[serde(default)]
    pub injected_mode: Option<EffectiveMode>,
}

/// One node of the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeFacts {
    /// `metadata.name` (`<cluster>-worker`).
    pub name: String,
    /// `status.nodeInfo.kubeletVersion`.
    pub kubelet_version: String,
}

/// What one scenario did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScenarioRecording {
    /// Which scenario.
    pub scenario: Scenario,
    /// Its namespace.
    pub namespace: String,
    /// Errors from applying its manifests (admission denials, 422s), verbatim.
    #[serde(default)]
    pub apply_errors: Vec<String>,
    /// Pod snapshots, in the order the watch delivered them.
    #[serde(default)]
    pub snapshots: Vec<PodSnapshot>,
    /// Events in the namespace, in arrival order.
    #[serde(default)]
    pub events: Vec<EventRecord>,
    /// Container logs, fetched at the end (init containers and previous instances too).
    #[serde(default)]
    pub logs: Vec<ContainerLog>,
    /// How long each phase took.
    #[serde(default)]
    pub timings: Vec<PhaseTiming>,
    /// Whether the recorder stopped because its deadline passed rather than because the
    /// scenario was done.
    #[serde(default)]
    pub timed_out: bool,
    /// What the recorder did to the workload (a deletion) and saw come of it, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<ActionRecord>,
    /// What the mesh's control plane said of the configuration its proxies in this namespace
    /// refused (Istio cells; `None` where nothing was read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xds_rejects: Option<XdsRejects>,
    /// What the harness could not observe or bring about while recording (a watch that broke, a
    /// last look the API server did not answer, a deletion or kubelet restart that failed).
    /// A check these leave undecided is a harness fault, never a product failure. Logs that
    /// could not be read say so themselves ([`ContainerLog::read_error`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<HarnessFault>,
    /// Which attempt this is: a scenario whose first recording was spoiled by a harness fault is
    /// recorded once more, in a new namespace (1 when it was not).
    #[serde(default = "first_attempt", skip_serializing_if = "is_first_attempt")]
    pub attempt: u32,
    /// Why the earlier attempts were discarded: their harness faults, in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retried_because: Vec<String>,
}

fn first_attempt() -> u32 {
    1
}

fn is_first_attempt(attempt: &u32) -> bool {
    *attempt == 1
}

/// Something the harness could not observe or bring about during a scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HarnessFault {
    /// Which part of recording it hit.
    pub what: FaultKind,
    /// The cause, in words (the API's or the tool's own message).
    pub detail: String,
}

/// The part of recording a [`HarnessFault`] hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    /// A watch (pods or events) broke: changes may be missing from the recording.
    Watch,
    /// The last look at the pods (the list after the end) was not answered.
    LastLook,
    /// An action the scenario needs (deleting its pod, restarting the kubelet) failed, so its
    /// trigger never came.
    Action,
}

impl FaultKind {
    /// What the harness could not do, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            FaultKind::Watch => "the watch broke",
            FaultKind::LastLook => "the last look at the pods was not answered",
            FaultKind::Action => "the scenario's action failed",
        }
    }
}

/// istiod's account of the xDS responses that this scenario's proxies NACKed, read at the end
/// of the scenario. A proxy that refuses a listener or a cluster (an Envoy without a filter
/// istiod configures) never becomes ready; these say which config and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct XdsRejects {
    /// istiod's per-proxy reject gauges (`pilot_xds_{cds,lds,rds,eds}_reject`) for the
    /// namespace's pods, as exposition lines with a non-zero value; empty when none.
    #[serde(default)]
    pub counters: Vec<String>,
    /// How many samples istiod's `/metrics` held in all (proof it was read: istiod
    /// exports a few hundred; none means the answer was not istiod's metrics).
    #[serde(default)]
    pub samples: u32,
    /// istiod's `ACK ERROR` log lines for the namespace's pods: the proxy's own reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nacks: Vec<String>,
    /// Why istiod could not be read, when it could not (the counters are then unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread_because: Option<String>,
}

/// One thing the recorder did, or the end of it: `delete` (the request was sent) and `gone` (the
/// watch saw the pod removed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionRecord {
    /// Arrival order, shared with snapshots and events.
    pub seq: u64,
    /// By the harness's clock.
    pub at: MicroTime,
    /// `delete` or `gone`.
    pub action: String,
    /// The pod it concerns.
    pub pod: String,
}

/// A pod as one watch event showed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSnapshot {
    /// Arrival order across snapshots and events of the scenario.
    pub seq: u64,
    /// When the recorder saw it.
    pub observed_at: MicroTime,
    /// The pod (its `metadata.resourceVersion` orders versions of one pod).
    pub pod: Pod,
    /// The row the API server printed for this version of the pod (server-side printing, the
    /// rows `kubectl get pods -w` shows); `None` in version 2 recordings, or when the server's
    /// row for this resourceVersion never arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_row: Option<ServerRow>,
}

/// A pod row as the API server printed it (its `Table` columns NAME, READY, STATUS, RESTARTS).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerRow {
    /// READY, `1/2`.
    pub ready: String,
    /// STATUS, `Init:0/2`.
    pub status: String,
    /// RESTARTS as printed, `1 (5s ago)`.
    pub restarts: String,
}

/// A Kubernetes event, as the recorder saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventRecord {
    /// Arrival order across snapshots and events of the scenario.
    pub seq: u64,
    /// `Normal` or `Warning`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Machine-readable reason (`FailedCreate`, `Started`, …).
    pub reason: String,
    /// The message.
    pub message: String,
    /// `Kind/name` of the object it is about.
    pub object: String,
    /// How many times it happened.
    #[serde(default = "one")]
    pub count: i32,
}

fn one() -> i32 {
    1
}

/// A container's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerLog {
    /// Pod name.
    pub pod: String,
    /// Container name.
    pub container: String,
    /// Whether it is an init container (sidecars included).
    #[serde(default)]
    pub init: bool,
    /// Whether this is the previous instance's log (after a restart).
    #[serde(default)]
    pub previous: bool,
    /// The text (what could be read, when not all of it could).
    pub text: String,
    /// Why the log could not be read, or not to its end, when it could not: the text is then
    /// incomplete. A container that never started has no log, and that is no error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_error: Option<String>,
}

/// How version 3 recordings kept an unreadable log: as a line of text in the log.
const LEGACY_UNREAD: [&str; 3] = [
    "sidecar-e2e: could not read this log: ",
    "sidecar-e2e: could not follow this log: ",
    "sidecar-e2e: the log stream broke: ",
];

impl ContainerLog {
    /// Why this log could not be read in full, if it could not. Version 3 recordings wrote the
    /// reason into the text; a container that was still waiting to start had no log to read.
    pub fn read_error(&self) -> Option<&str> {
        if let Some(error) = &self.read_error {
            return Some(error);
        }
        self.text.lines().find_map(|line| {
            LEGACY_UNREAD
                .iter()
                .find_map(|prefix| line.strip_prefix(prefix))
                .filter(|cause| !cause.contains("is waiting to start"))
        })
    }
}

/// A phase of a scenario and how long it took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhaseTiming {
    /// `apply`, `wait`, `logs`, `cleanup`, …
    pub phase: String,
    /// Milliseconds.
    pub millis: u64,
}

impl Recording {
    /// Parses a recording; `label` (usually its path) names it in errors. Reading the file is the
    /// caller's job: this module does no I/O.
    ///
    /// # Errors
    /// [`RecordingError`] when the text is not a recording, is one of another format version, or
    /// holds no scenario.
    pub fn from_json(text: &str, label: &str) -> Result<Self, RecordingError> {
        // Check the version first, so an old or new file gets a version error rather than a
        // confusing field error.
        #[derive(Deserialize)]
        struct VersionOnly {
            version: u32,
        }
        let parse = |source| RecordingError::Parse {
            path: label.to_owned(),
            source,
        };
        let found = serde_json::from_str::<VersionOnly>(text)
            .map_err(parse)?
            .version;
        if !(OLDEST_READABLE_VERSION..=RECORDING_VERSION).contains(&found) {
            return Err(RecordingError::Version {
                path: label.to_owned(),
                found,
            });
        }
        let recording: Recording = serde_json::from_str(text).map_err(parse)?;
        if recording.scenarios.is_empty() {
            return Err(RecordingError::NoScenarios {
                path: label.to_owned(),
            });
        }
        Ok(recording)
    }
}

impl ScenarioRecording {
    /// A recording of `scenario` in `namespace` that saw nothing yet (tests fill in what they
    /// need).
    pub fn empty(scenario: Scenario, namespace: impl Into<String>) -> Self {
        ScenarioRecording {
            scenario,
            namespace: namespace.into(),
            apply_errors: Vec::new(),
            snapshots: Vec::new(),
            events: Vec::new(),
            logs: Vec::new(),
            timings: Vec::new(),
            timed_out: false,
            actions: Vec::new(),
            xds_rejects: None,
            faults: Vec::new(),
            attempt: 1,
            retried_because: Vec::new(),
        }
    }

    /// The scenario's own pods (label `app=<scenario>`; httpbin and probes are not), in watch
    /// order: what the verdicts judge and the timeline draws.
    pub fn scenario_snapshots(&self) -> Vec<&PodSnapshot> {
        let name = self.scenario.name();
        let mut snapshots: Vec<&PodSnapshot> = self
            .snapshots
            .iter()
            .filter(|s| {
                s.pod
                    .metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get("app"))
                    .is_some_and(|app| app == name)
            })
            .collect();
        snapshots.sort_by_key(|s| s.seq);
        snapshots
    }

    /// The log of `container` (current instance), if recorded.
    pub fn log(&self, container: &str) -> Option<&ContainerLog> {
        self.logs
            .iter()
            .find(|log| log.container == container && !log.previous)
    }
}
