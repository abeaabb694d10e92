//! `steps:` in a scenario file: what happens after its manifest is applied, in order. The
//! recorder asks after every watch event what to do next; the answer comes from what it has seen
//! so far, with no memory of its own, so each step says how to tell it is done:
//!
//! - `wait: COND` (or a list: any of them) holds while no pod shows the condition;
//! - `delete: pod` deletes the scenario's pod (after its app printed `step=app-started`, with
//!   `afterMarker: app-started`) and is done once the pod is gone;
//! - `watch: 10s` watches that much longer, or until `until: COND` holds. It is the last step:
//!   nothing tells a later step when the watch began.
//!
//! After the last step the scenario is done.

use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use serde::Deserialize;

use super::selector::OneOrMany;
use crate::pod::{
    PodRoles, all_apps_terminated, any_app_has_run, is_finished, is_ready, is_running,
};
use crate::scenario::{EndCondition, Progress};

/// A state a scenario's pod can be seen in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// Some pod of the scenario exists.
    Created,
    /// Some pod is `Running`.
    Running,
    /// Some pod is `Ready`.
    Ready,
    /// Some pod's app container has run.
    AppStarted,
    /// Some pod is `Running` and all its apps have exited (a legacy Job's pod, held by its proxy).
    AppsExited,
    /// Some pod has ended, `Succeeded` or `Failed`.
    Finished,
}

impl Condition {
    /// Every condition with its word, for parsing and messages.
    const WORDS: [(&'static str, Condition); 6] = [
        ("created", Condition::Created),
        ("running", Condition::Running),
        ("ready", Condition::Ready),
        ("app-started", Condition::AppStarted),
        ("apps-exited", Condition::AppsExited),
        ("finished", Condition::Finished),
    ];

    fn parse(word: &str) -> Result<Self, String> {
        Self::WORDS
            .iter()
            .find(|(w, _)| *w == word)
            .map(|(_, c)| *c)
            .ok_or_else(|| {
                let words: Vec<&str> = Self::WORDS.iter().map(|(w, _)| *w).collect();
                format!(
                    "{word:?} is not a condition: write one of {}",
                    words.join(", ")
                )
            })
    }

    fn holds(self, pod: &Pod, roles: &PodRoles) -> bool {
        match self {
            Condition::Created => true,
            Condition::Running => is_running(pod),
            Condition::Ready => is_ready(pod),
            Condition::AppStarted => any_app_has_run(pod, roles),
            Condition::AppsExited => is_running(pod) && all_apps_terminated(pod, roles),
            Condition::Finished => is_finished(pod),
        }
    }

    fn seen(self, progress: &Progress<'_>) -> bool {
        progress
            .pods
            .iter()
            .any(|pod| self.holds(pod, &progress.roles))
    }
}

/// One step, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Until any of these holds.
    Wait(Vec<Condition>),
    /// Delete the pod; after its app's `step=app-started` line when `after_app_started`.
    DeletePod {
        /// Wait for the app's marker line first.
        after_app_started: bool,
    },
    /// Watch this much longer, or until the condition holds.
    Watch {
        /// How long.
        period: Duration,
        /// What ends it early.
        until: Option<Condition>,
    },
}

/// A step as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RawStep {
    wait: Option<OneOrMany>,
    delete: Option<String>,
    after_marker: Option<String>,
    watch: Option<String>,
    until: Option<String>,
}

/// `10s`, `2m`, `500ms`: a duration of at least 1 ms and at most an hour.
pub(super) fn parse_duration(written: &str) -> Result<Duration, String> {
    let text = written.trim();
    let bad = || format!("{written:?} is not a duration: write e.g. 500ms, 10s or 2m");
    let (number, unit) = text
        .find(|c: char| !c.is_ascii_digit())
        .map(|i| text.split_at(i))
        .ok_or_else(bad)?;
    let n: u64 = number.parse().map_err(|_| bad())?;
    let duration = match unit {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        _ => return Err(bad()),
    };
    if duration.is_zero() || duration > Duration::from_secs(3600) {
        return Err(format!("{written:?}: must be between 1ms and 1h"));
    }
    Ok(duration)
}

impl Step {
    /// The step `raw` says, or the key that is wrong and why.
    pub(super) fn parse(raw: &RawStep) -> Result<Self, (&'static str, String)> {
        let given = [
            raw.wait.is_some(),
            raw.delete.is_some(),
            raw.watch.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            return Err((
                "steps",
                "each step is one of `wait: CONDITION`, `delete: pod` or `watch: DURATION`"
                    .to_owned(),
            ));
        }
        if raw.after_marker.is_some() && raw.delete.is_none() {
            return Err(("afterMarker", "belongs to a `delete: pod` step".to_owned()));
        }
        if raw.until.is_some() && raw.watch.is_none() {
            return Err(("until", "belongs to a `watch:` step".to_owned()));
        }
        if let Some(wait) = &raw.wait {
            let conditions = wait
                .items()
                .into_iter()
                .map(Condition::parse)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|why| ("wait", why))?;
            if conditions.is_empty() {
                return Err(("wait", "name at least one condition".to_owned()));
            }
            return Ok(Step::Wait(conditions));
        }
        if let Some(what) = &raw.delete {
            if what != "pod" {
                return Err(("delete", format!("{what:?}: only `pod` can be deleted")));
            }
            let after_app_started = match raw.after_marker.as_deref() {
                None => false,
                Some("app-started") => true,
                Some(other) => {
                    return Err((
                        "afterMarker",
                        format!(
                            "{other:?}: the one marker is app-started (the app prints `sidecar-e2e evidence scenario=<name> step=app-started`)"
                        ),
                    ));
                }
            };
            return Ok(Step::DeletePod { after_app_started });
        }
        let period = parse_duration(raw.watch.as_deref().unwrap_or_default())
            .map_err(|why| ("watch", why))?;
        let until = raw
            .until
            .as_deref()
            .map(Condition::parse)
            .transpose()
            .map_err(|why| ("until", why))?;
        Ok(Step::Watch { period, until })
    }
}

/// Checks the order of the steps: at most one `delete`, and a `watch` only last.
pub(super) fn check_order(steps: &[Step]) -> Result<(), String> {
    let deletes = steps
        .iter()
        .filter(|s| matches!(s, Step::DeletePod { .. }))
        .count();
    if deletes > 1 {
        return Err("at most one `delete: pod` step".to_owned());
    }
    if let Some(i) = steps.iter().position(|s| matches!(s, Step::Watch { .. }))
        && i + 1 != steps.len()
    {
        return Err("a `watch:` step must be the last: nothing can follow a watch".to_owned());
    }
    Ok(())
}

/// What the recorder does next, by `steps` and what it has seen; `None` while it waits.
pub(super) fn next(steps: &[Step], progress: &Progress<'_>) -> Option<EndCondition> {
    // Once the deleted pod is gone, the steps before the delete are behind.
    let from = match progress.deleted_pod_gone {
        true => steps
            .iter()
            .position(|s| matches!(s, Step::DeletePod { .. }))
            .map_or(0, |i| i + 1),
        false => 0,
    };
    for step in &steps[from..] {
        match step {
            Step::Wait(conditions) => {
                if !conditions.iter().any(|c| c.seen(progress)) {
                    return None;
                }
            }
            Step::DeletePod { after_app_started } => {
                return Some(EndCondition::DeletePod {
                    on_app_started: *after_app_started,
                });
            }
            Step::Watch { period, until } => {
                return Some(match until {
                    Some(condition) if condition.seen(progress) => EndCondition::Done,
                    _ => EndCondition::After(*period),
                });
            }
        }
    }
    Some(EndCondition::Done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::EffectiveMode;

    fn pod(phase: &str, ready: bool) -> Pod {
        serde_json::from_value(serde_json::json!({
            "status": {
                "phase": phase,
                "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}],
            }
        }))
        .expect("pod")
    }

    fn progress<'a>(pods: &'a [&'a Pod], gone: bool) -> Progress<'a> {
        Progress {
            pods,
            apply_refused: false,
            failed_create: false,
            deleted_pod_gone: gone,
            kubelet_restarted: false,
            roles: PodRoles::proxy("sidecar-proxy"),
            mode: EffectiveMode::Native,
        }
    }

    fn step(yaml: &str) -> Result<Step, (&'static str, String)> {
        Step::parse(&serde_saphyr::from_str::<RawStep>(yaml).expect("step"))
    }

    #[test]
    fn wait_then_delete_then_watch() {
        let steps = [
            step("wait: ready").expect("valid"),
            step("delete: pod").expect("valid"),
            step("watch: 5s").expect("valid"),
        ];
        check_order(&steps).expect("in order");
        let pending = pod("Pending", false);
        let ready = pod("Running", true);
        assert_eq!(next(&steps, &progress(&[&pending], false)), None);
        assert_eq!(
            next(&steps, &progress(&[&ready], false)),
            Some(EndCondition::DeletePod {
                on_app_started: false
            })
        );
        assert_eq!(
            next(&steps, &progress(&[], true)),
            Some(EndCondition::After(Duration::from_secs(5))),
            "the pod is gone: the steps before the delete are behind"
        );
    }

    #[test]
    fn a_watch_ends_early_on_its_condition() {
        let steps = [
            step("wait: [finished, apps-exited]").expect("valid"),
            step("{watch: 13s, until: finished}").expect("valid"),
        ];
        let done = pod("Succeeded", false);
        assert_eq!(
            next(&steps, &progress(&[&done], false)),
            Some(EndCondition::Done)
        );
        assert_eq!(
            next(&[], &progress(&[], false)),
            Some(EndCondition::Done),
            "no steps: done once applied"
        );
    }

    #[test]
    fn mistakes_name_their_key() {
        for (yaml, key) in [
            ("wait: soon", "wait"),
            ("{wait: ready, watch: 5s}", "steps"),
            ("delete: namespace", "delete"),
            ("{delete: pod, afterMarker: later}", "afterMarker"),
            ("watch: 5 seconds", "watch"),
            ("watch: 0s", "watch"),
            ("{wait: ready, until: finished}", "until"),
        ] {
            let (field, why) = step(yaml).expect_err(yaml);
            assert_eq!(field, key, "{yaml}: {why}");
        }
        let watch_first = [
            step("watch: 5s").expect("valid"),
            step("wait: ready").expect("valid"),
        ];
        assert!(check_order(&watch_first).is_err());
    }
}
