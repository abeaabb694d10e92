//! What the harness could not observe or bring about in a scenario, and which checks that leaves
//! undecided. A check a fault bears on and that did not pass is a harness fault: never a product
//! failure, and never a known bug seen by the absence of something the harness could not see.
//!
//! Three sources: the recorder's own faults (a watch that broke, a last look not answered, an
//! action that failed), logs it could not read (which bear only on the checks that read logs),
//! and containers the runtime failed to create or start — seen in the recording itself, so a
//! recording made before the recorder kept faults is judged the same way.

use super::context::{Context, Decided};
use super::types::CheckStatus;
use crate::recording::PodSnapshot;
use crate::scenario::Check;

/// Waiting reasons the kubelet gives a container the runtime could not create or start.
const RUNTIME_WAITING_REASONS: [&str; 2] = ["CreateContainerError", "RunContainerError"];
/// The terminated reason of a container the runtime created but could not start.
const RUNTIME_TERMINATED_REASON: &str = "StartError";
/// What the kubelet's `Failed` events say when the runtime (containerd, runc) failed.
const RUNTIME_EVENT_MARKERS: [&str; 3] = [
    "OCI runtime",
    "failed to create containerd task",
    "failed to start containerd task",
];

/// The faults of one scenario's recording, in words.
#[derive(Debug, Default)]
pub(super) struct Faults {
    /// Faults that bear on every check.
    every: Vec<String>,
    /// Logs that could not be read, each with whether it was a previous instance's: they bear
    /// on the checks that read such a log ([`Check::reads_log`]).
    logs: Vec<(bool, String)>,
}

impl Faults {
    pub(super) fn of(ctx: &Context<'_>) -> Faults {
        let recorded = ctx.recorded;
        let mut every: Vec<String> = recorded
            .faults
            .iter()
            .map(|f| format!("harness fault: {}: {}", f.what.describe(), f.detail))
            .collect();
        for failure in runtime_failures(ctx) {
            if !every.contains(&failure) {
                every.push(failure);
            }
        }
        let logs = recorded
            .logs
            .iter()
            .filter_map(|log| {
                let error = log.read_error()?;
                let instance = if log.previous {
                    " (previous instance)"
                } else {
                    ""
                };
                Some((
                    log.previous,
                    format!(
                        "harness fault: could not read the log of {}/{}{instance}: {error}",
                        log.pod, log.container
                    ),
                ))
            })
            .collect();
        Faults { every, logs }
    }

    /// The faults that bear on `check`, given how it came out.
    fn bearing_on(&self, check: &Check, status: CheckStatus) -> Vec<&str> {
        let mut bearing: Vec<&str> = Vec::new();
        // A known bug is often seen by an absence (the app never started), which a fault of
        // the whole recording can cause; an unread log never makes a bug show.
        if matches!(status, CheckStatus::Fail | CheckStatus::KnownBug) {
            bearing.extend(self.every.iter().map(String::as_str));
        }
        if status == CheckStatus::Fail {
            bearing.extend(
                self.logs
                    .iter()
                    .filter(|(previous, _)| check.reads_log(*previous))
                    .map(|(_, fault)| fault.as_str()),
            );
        }
        bearing
    }

    /// `decided` as it stands, or a harness fault when a fault bears on it: the faults first,
    /// then what the recording showed.
    pub(super) fn overrule(&self, check: &Check, (status, evidence): Decided) -> Decided {
        let bearing = self.bearing_on(check, status);
        if bearing.is_empty() {
            return (status, evidence);
        }
        let mut overruled: Vec<String> = bearing.into_iter().map(str::to_owned).collect();
        overruled.push(format!(
            "so nothing is said of the product; the recording alone would have said {}:",
            status.word()
        ));
        overruled.extend(evidence.into_iter().map(|line| format!("  {line}")));
        (CheckStatus::HarnessFault, overruled)
    }
}

/// Every container of the scenario's pods that the runtime failed to create or start, and every
/// such `Failed` event, once each.
fn runtime_failures(ctx: &Context<'_>) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for snapshot in &ctx.snapshots {
        for failure in snapshot_runtime_failures(snapshot) {
            if !seen.contains(&failure) {
                seen.push(failure);
            }
        }
    }
    for event in &ctx.recorded.events {
        if event.reason == "Failed"
            && RUNTIME_EVENT_MARKERS
                .iter()
                .any(|marker| event.message.contains(marker))
        {
            let failure = format!(
                "harness fault: the container runtime failed ({}): {}",
                event.object, event.message
            );
            if !seen.contains(&failure) {
                seen.push(failure);
            }
        }
    }
    seen
}

fn snapshot_runtime_failures(snapshot: &PodSnapshot) -> Vec<String> {
    let pod = snapshot.pod.metadata.name.as_deref().unwrap_or("?");
    let Some(status) = &snapshot.pod.status else {
        return Vec::new();
    };
    let statuses = status
        .init_container_statuses
        .iter()
        .flatten()
        .chain(status.container_statuses.iter().flatten());
    let mut failures = Vec::new();
    for container in statuses {
        let states = [container.state.as_ref(), container.last_state.as_ref()];
        for state in states.into_iter().flatten() {
            let waiting = state
                .waiting
                .as_ref()
                .filter(|w| RUNTIME_WAITING_REASONS.contains(&w.reason.as_deref().unwrap_or("")))
                .map(|w| (w.reason.as_deref(), w.message.as_deref()));
            let terminated = state
                .terminated
                .as_ref()
                .filter(|t| t.reason.as_deref() == Some(RUNTIME_TERMINATED_REASON))
                .map(|t| (t.reason.as_deref(), t.message.as_deref()));
            if let Some((reason, message)) = waiting.or(terminated) {
                failures.push(format!(
                    "harness fault: the container runtime failed to start {pod}/{}: {}: {}",
                    container.name,
                    reason.unwrap_or("?"),
                    message.unwrap_or("no message")
                ));
            }
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pod::PodRoles;
    use crate::recording::{ContainerLog, FaultKind, HarnessFault, ScenarioRecording};
    use crate::scenario::Scenario;
    use crate::views::kubectl::PrinterRules;

    fn judged(recorded: &ScenarioRecording, check: &Check, decided: Decided) -> Decided {
        let ctx = Context::new(
            recorded,
            PodRoles::proxy("sidecar-proxy"),
            PrinterRules::of(crate::plan::K8sVersion::new(32)),
        );
        Faults::of(&ctx).overrule(check, decided)
    }

    fn fail() -> Decided {
        (CheckStatus::Fail, vec!["no evidence line".to_owned()])
    }

    fn unread_log() -> ScenarioRecording {
        let mut recorded = ScenarioRecording::empty(Scenario::Sleep, "ns");
        recorded.logs.push(ContainerLog {
            pod: "sleep-1".to_owned(),
            container: "app".to_owned(),
            init: false,
            previous: false,
            text: String::new(),
            read_error: Some("the server could not find the requested resource".to_owned()),
        });
        recorded
    }

    #[test]
    fn an_unread_log_turns_a_failed_log_check_into_a_harness_fault() {
        let check = Check::Request {
            step: "request",
            succeeds: Some(true),
            unasserted_because: None,
        };
        let (status, evidence) = judged(&unread_log(), &check, fail());
        assert_eq!(status, CheckStatus::HarnessFault);
        assert!(evidence[0].contains("sleep-1/app"), "{evidence:?}");
        assert!(
            evidence.iter().any(|e| e.contains("no evidence line")),
            "{evidence:?}"
        );
    }

    #[test]
    fn an_unread_log_leaves_passes_and_checks_that_read_no_log_alone() {
        let request = Check::Request {
            step: "request",
            succeeds: Some(true),
            unasserted_because: None,
        };
        let pass = (CheckStatus::Pass, vec!["app: ok".to_owned()]);
        assert_eq!(judged(&unread_log(), &request, pass).0, CheckStatus::Pass);
        let order = Check::StartupOrder;
        assert_eq!(judged(&unread_log(), &order, fail()).0, CheckStatus::Fail);
    }

    #[test]
    fn a_recorder_fault_bears_on_every_check_and_on_a_known_bug_seen_by_absence() {
        let mut recorded = ScenarioRecording::empty(Scenario::FlakyStartupProbe, "ns");
        recorded.faults.push(HarnessFault {
            what: FaultKind::Watch,
            detail: "watch stream failed".to_owned(),
        });
        let check = Check::AppStarts { known_bug: None };
        let bug = (CheckStatus::KnownBug, vec!["the app never ran".to_owned()]);
        let (status, evidence) = judged(&recorded, &check, bug);
        assert_eq!(status, CheckStatus::HarnessFault);
        assert!(evidence[0].contains("the watch broke"), "{evidence:?}");
        assert_eq!(
            judged(&recorded, &Check::StartupOrder, fail()).0,
            CheckStatus::HarnessFault
        );
        let pass = (CheckStatus::Pass, Vec::new());
        assert_eq!(
            judged(&recorded, &Check::StartupOrder, pass).0,
            CheckStatus::Pass
        );
    }

    #[test]
    fn a_container_the_runtime_could_not_start_is_a_harness_fault() {
        let mut recorded = ScenarioRecording::empty(Scenario::DeleteBeforeSidecarStarted, "ns");
        let pod: k8s_openapi::api::core::v1::Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "delete-before-sidecar-started",
                         "labels": {"app": "delete-before-sidecar-started"}},
            "status": {"initContainerStatuses": [{
                "name": "setup", "ready": false, "restartCount": 0, "image": "", "imageID": "",
                "state": {"terminated": {"exitCode": 128, "reason": "StartError",
                    "message": "failed to create containerd task: OCI runtime create failed: unable to freeze"}}
            }]}
        }))
        .expect("pod");
        recorded.snapshots.push(PodSnapshot {
            seq: 1,
            observed_at: k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime(
                k8s_openapi::jiff::Timestamp::UNIX_EPOCH,
            ),
            pod,
            server_row: None,
        });
        let check = Check::DeletedWithin {
            seconds: 15,
            grace_seconds: 30,
            known_bug: None,
        };
        let (status, evidence) = judged(&recorded, &check, fail());
        assert_eq!(status, CheckStatus::HarnessFault);
        assert!(
            evidence[0].contains("setup") && evidence[0].contains("unable to freeze"),
            "{evidence:?}"
        );
    }

    #[test]
    fn a_version_3_unreadable_log_is_read_as_one() {
        let mut recorded = ScenarioRecording::empty(Scenario::Sleep, "ns");
        recorded.logs.push(ContainerLog {
            pod: "sleep-1".to_owned(),
            container: "app".to_owned(),
            init: false,
            previous: false,
            text: "sidecar-e2e: could not read this log: ApiError: NotFound\n".to_owned(),
            read_error: None,
        });
        let check = Check::AccessLog;
        assert_eq!(
            judged(&recorded, &check, fail()).0,
            CheckStatus::HarnessFault
        );
        // A container still waiting to start has no log: nothing was missed.
        recorded.logs[0].text = "sidecar-e2e: could not follow this log: ApiError: container \
                                 \"app\" in pod \"p\" is waiting to start: PodInitializing\n"
            .to_owned();
        assert_eq!(judged(&recorded, &check, fail()).0, CheckStatus::Fail);
    }
}
