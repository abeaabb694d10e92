//! When a scenario has shown what it will show: the end condition the recorder evaluates after
//! every watch event. The rules every scenario shares are here (a refused workload, a cell whose
//! pods should never run); each scenario's own rule is in its file. Pure, so each rule is tested
//! without a cluster.

use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;

use crate::plan::EffectiveMode;
use crate::pod::{PodRoles, is_finished};

/// How long a cell whose pods are refused is watched for anything running after all.
const REJECTED_OBSERVE: Duration = Duration::from_secs(30);
/// Events about a refused pod arrive in a burst; a little longer catches its repeats.
const REFUSAL_SETTLE: Duration = Duration::from_secs(3);

/// What the recorder has seen of a scenario so far.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// The scenario's pods as last seen (deleted ones excluded).
    pub pods: &'a [&'a Pod],
    /// Applying the workload was refused (an admission denial, a 422).
    pub apply_refused: bool,
    /// A controller reported `FailedCreate` (the API server refused the pods it made).
    pub failed_create: bool,
    /// The pod the recorder deleted is gone.
    pub deleted_pod_gone: bool,
    /// The recorder has restarted the node's kubelet.
    pub kubelet_restarted: bool,
    /// Which containers are sidecars and which apps.
    pub roles: PodRoles,
    /// The layout the injector's pods get in this cell.
    pub mode: EffectiveMode,
}

/// What the recorder does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndCondition {
    /// Stop recording now.
    Done,
    /// Stop after watching this much longer (the recorder stops at the earliest such moment).
    After(Duration),
    /// Follow the pod's logs (they vanish with it) and delete it: once its app prints
    /// `scenario=<name> step=app-started` when `on_app_started`, else at once.
    DeletePod {
        /// Wait for the app's marker line before deleting.
        on_app_started: bool,
    },
    /// Restart the node's kubelet (once), then keep watching.
    RestartKubelet,
    /// Reboot the node as its kubelet sees it (once), leaving behind a created, never started
    /// instance of app container `app` of the scenario's pod: stop the kubelet, create that
    /// instance in the pod's sandbox, stop the sandbox, start the kubelet (what a power cut
    /// between the runtime's create and start leaves). Then keep watching; `kubelet_restarted`
    /// says it was done.
    RebootLeavingCreatedApp {
        /// The app container whose created instance is left behind.
        app: &'static str,
    },
    /// Keep watching.
    Watch,
}

/// The end condition, given what the scenario's own rule said (`own`) of `progress`.
pub(super) fn end_condition(own: Option<EndCondition>, progress: &Progress<'_>) -> EndCondition {
    if progress.apply_refused {
        return EndCondition::Done;
    }
    if progress.failed_create {
        return EndCondition::After(REFUSAL_SETTLE);
    }
    match own {
        Some(end) => end,
        // Pods that should never run get a fixed look, then the verdict decides.
        None if progress.mode == EffectiveMode::Rejected => EndCondition::After(REJECTED_OBSERVE),
        None => EndCondition::Watch,
    }
}

/// Done once a pod of the scenario has finished (Succeeded or Failed).
pub(super) fn done_when_finished(progress: &Progress<'_>) -> Option<EndCondition> {
    progress
        .pods
        .iter()
        .any(|p| is_finished(p))
        .then_some(EndCondition::Done)
}

/// The end of a scenario that deletes its pod: delete it when `ready_to_delete`, done once it
/// is gone.
pub(super) fn delete_then_done(
    progress: &Progress<'_>,
    ready_to_delete: impl Fn(&Pod) -> bool,
    on_app_started: bool,
) -> Option<EndCondition> {
    if progress.deleted_pod_gone {
        Some(EndCondition::Done)
    } else if progress.pods.iter().any(|p| ready_to_delete(p)) {
        Some(EndCondition::DeletePod { on_app_started })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    const PROXY: &str = "sidecar-proxy";

    fn pod(status: serde_json::Value) -> Pod {
        serde_json::from_value(serde_json::json!({ "status": status })).expect("pod")
    }

    fn progress<'a>(pods: &'a [&'a Pod], mode: EffectiveMode) -> Progress<'a> {
        Progress {
            pods,
            apply_refused: false,
            failed_create: false,
            deleted_pod_gone: false,
            kubelet_restarted: false,
            roles: PodRoles::proxy(PROXY),
            mode,
        }
    }

    fn running_app_exited() -> Pod {
        pod(serde_json::json!({
            "phase": "Running",
            "containerStatuses": [
                {"name": "app", "ready": false, "restartCount": 0, "image": "", "imageID": "",
                 "state": {"terminated": {"exitCode": 0}}},
                {"name": PROXY, "ready": true, "restartCount": 0, "image": "", "imageID": "",
                 "state": {"running": {}}}
            ]
        }))
    }

    #[test]
    fn a_refused_apply_ends_at_once_and_a_failed_create_soon() {
        let mut p = progress(&[], EffectiveMode::Rejected);
        p.apply_refused = true;
        assert_eq!(Scenario::Sleep.end_condition(&p), EndCondition::Done);
        let mut p = progress(&[], EffectiveMode::Rejected);
        p.failed_create = true;
        assert_eq!(
            Scenario::Job.end_condition(&p),
            EndCondition::After(REFUSAL_SETTLE)
        );
    }

    #[test]
    fn a_rejected_cell_is_watched_for_a_while_then_judged() {
        assert_eq!(
            Scenario::InitTraffic.end_condition(&progress(&[], EffectiveMode::Rejected)),
            EndCondition::After(REJECTED_OBSERVE)
        );
        assert_eq!(
            Scenario::InitTraffic.end_condition(&progress(&[], EffectiveMode::Native)),
            EndCondition::Watch
        );
    }

    #[test]
    fn a_legacy_job_is_watched_past_the_linger_and_a_finished_one_ends() {
        let pods = [&running_app_exited()];
        assert_eq!(
            Scenario::Job.end_condition(&progress(&pods, EffectiveMode::Legacy)),
            EndCondition::After(Duration::from_secs(13))
        );
        let pods = [&pod(serde_json::json!({"phase": "Succeeded"}))];
        assert_eq!(
            Scenario::Job.end_condition(&progress(&pods, EffectiveMode::Native)),
            EndCondition::Done
        );
    }

    #[test]
    fn shutdown_traffic_stops_the_running_pod_then_ends_when_it_is_gone() {
        let pods = [&running_app_exited()];
        assert_eq!(
            Scenario::ShutdownTraffic.end_condition(&progress(&pods, EffectiveMode::Native)),
            EndCondition::DeletePod {
                on_app_started: true
            }
        );
        let mut p = progress(&[], EffectiveMode::Rejected);
        p.deleted_pod_gone = true;
        assert_eq!(
            Scenario::ShutdownTraffic.end_condition(&p),
            EndCondition::Done
        );
    }

    #[test]
    fn a_ready_sleep_pod_is_watched_for_two_requests() {
        let pods = [&pod(serde_json::json!({
            "phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]
        }))];
        assert_eq!(
            Scenario::Sleep.end_condition(&progress(&pods, EffectiveMode::Legacy)),
            EndCondition::After(Duration::from_secs(7))
        );
    }
}
