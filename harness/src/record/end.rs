//! When a scenario has shown what it will show: the end condition the recorder evaluates after
//! every watch event. Pure, so each scenario's rule is tested without a cluster.

use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;

use crate::expect::LEGACY_JOB_LINGER_SECONDS;
use crate::plan::EffectiveMode;
use crate::pod::{all_apps_terminated, any_app_has_run, is_finished, is_ready, is_running};
use crate::scenario::Scenario;

/// How long a ready sleep pod is watched: long enough for two requests (one every two seconds).
const SLEEP_OBSERVE: Duration = Duration::from_secs(7);
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
    /// The pod the recorder deleted (shutdown-traffic) is gone.
    pub deleted_pod_gone: bool,
}

/// What the recorder does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndCondition {
    /// Stop recording now.
    Done,
    /// Stop after watching this much longer (the recorder stops at the earliest such moment).
    After(Duration),
    /// shutdown-traffic: the app is up; follow its logs and delete its pod.
    StopThePod,
    /// Keep watching.
    Watch,
}

/// The end condition of `scenario` in a cell whose pods get `mode`, given `progress`.
pub fn end_condition(
    scenario: Scenario,
    mode: EffectiveMode,
    proxy: &str,
    progress: Progress<'_>,
) -> EndCondition {
    if progress.apply_refused {
        return EndCondition::Done;
    }
    if progress.failed_create {
        return EndCondition::After(REFUSAL_SETTLE);
    }
    let pods = progress.pods;
    let own = match scenario {
        Scenario::Sleep => pods
            .iter()
            .any(|p| is_ready(p))
            .then_some(EndCondition::After(SLEEP_OBSERVE)),
        Scenario::InitTraffic => pods
            .iter()
            .any(|p| is_finished(p))
            .then_some(EndCondition::Done),
        Scenario::Job => {
            if pods.iter().any(|p| is_finished(p)) {
                Some(EndCondition::Done)
            } else if pods
                .iter()
                .any(|p| is_running(p) && all_apps_terminated(p, proxy))
            {
                // The legacy failure needs the pod seen Running this long after its app exited.
                Some(EndCondition::After(Duration::from_secs(
                    u64::from(LEGACY_JOB_LINGER_SECONDS) + 3,
                )))
            } else {
                None
            }
        }
        Scenario::ShutdownTraffic => {
            if progress.deleted_pod_gone {
                Some(EndCondition::Done)
            } else if pods
                .iter()
                .any(|p| is_running(p) && any_app_has_run(p, proxy))
            {
                Some(EndCondition::StopThePod)
            } else {
                None
            }
        }
    };
    match own {
        Some(end) => end,
        // Pods that should never run get a fixed look, then the verdict decides.
        None if mode == EffectiveMode::Rejected => EndCondition::After(REJECTED_OBSERVE),
        None => EndCondition::Watch,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROXY: &str = "sidecar-proxy";

    fn pod(status: serde_json::Value) -> Pod {
        serde_json::from_value(serde_json::json!({ "status": status })).expect("pod")
    }

    fn progress<'a>(pods: &'a [&'a Pod]) -> Progress<'a> {
        Progress {
            pods,
            apply_refused: false,
            failed_create: false,
            deleted_pod_gone: false,
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
        let mut p = progress(&[]);
        p.apply_refused = true;
        assert_eq!(
            end_condition(Scenario::Sleep, EffectiveMode::Rejected, PROXY, p),
            EndCondition::Done
        );
        let mut p = progress(&[]);
        p.failed_create = true;
        assert_eq!(
            end_condition(Scenario::Job, EffectiveMode::Rejected, PROXY, p),
            EndCondition::After(REFUSAL_SETTLE)
        );
    }

    #[test]
    fn a_rejected_cell_is_watched_for_a_while_then_judged() {
        assert_eq!(
            end_condition(
                Scenario::InitTraffic,
                EffectiveMode::Rejected,
                PROXY,
                progress(&[])
            ),
            EndCondition::After(REJECTED_OBSERVE)
        );
        assert_eq!(
            end_condition(
                Scenario::InitTraffic,
                EffectiveMode::Native,
                PROXY,
                progress(&[])
            ),
            EndCondition::Watch
        );
    }

    #[test]
    fn a_legacy_job_is_watched_past_the_linger_and_a_finished_one_ends() {
        let pods = [&running_app_exited()];
        assert_eq!(
            end_condition(Scenario::Job, EffectiveMode::Legacy, PROXY, progress(&pods)),
            EndCondition::After(Duration::from_secs(13))
        );
        let pods = [&pod(serde_json::json!({"phase": "Succeeded"}))];
        assert_eq!(
            end_condition(Scenario::Job, EffectiveMode::Native, PROXY, progress(&pods)),
            EndCondition::Done
        );
    }

    #[test]
    fn shutdown_traffic_stops_the_running_pod_then_ends_when_it_is_gone() {
        let pods = [&running_app_exited()];
        assert_eq!(
            end_condition(
                Scenario::ShutdownTraffic,
                EffectiveMode::Native,
                PROXY,
                progress(&pods)
            ),
            EndCondition::StopThePod
        );
        let mut p = progress(&[]);
        p.deleted_pod_gone = true;
        assert_eq!(
            end_condition(Scenario::ShutdownTraffic, EffectiveMode::Native, PROXY, p),
            EndCondition::Done
        );
    }

    #[test]
    fn a_ready_sleep_pod_is_watched_for_two_requests() {
        let pods = [&pod(serde_json::json!({
            "phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]
        }))];
        assert_eq!(
            end_condition(
                Scenario::Sleep,
                EffectiveMode::Legacy,
                PROXY,
                progress(&pods)
            ),
            EndCondition::After(SLEEP_OBSERVE)
        );
    }
}
