//! Judging: the checks each scenario lists for its cell ([`crate::scenario::Scenario::checks`]),
//! each handed to its decider, plus the views a reader needs around them (watch lines, container
//! timeline). A check that a known bug can break is observed, then judged against whether the
//! cell expects the bug.

use super::context::{Context, Decided, Observed, Shown};
use super::facts::check_facts;
use super::faults::Faults;
use super::types::{CheckResult, CheckStatus, ScenarioVerdict, Verdict, VerdictError};
use super::{
    access_log, all_containers_restarted, app_restarted, app_starts, collector_received,
    deleted_within, evicted, host_port_honoured, init_rerun_after_reboot, job_completes,
    job_pod_keeps_running, named_port_served, pod_never_runs, printer_agrees,
    probes_wait_for_startup, proxy_config_accepted, proxy_layout, request, restart_rules_answer,
    sidecar_exit_code, sidecar_restarted, startup_order, termination_order,
    unready_during_shutdown,
};
use crate::plan::{Cell, EffectiveMode, plan_cell};
use crate::pod::PodRoles;
use crate::recording::{ClusterFacts, Recording, ScenarioRecording};
use crate::scenario::{Check, KnownBug, Target};
use crate::views::kubectl::{PrinterRules, render_sequence, watch_sequence};
use crate::views::timeline::{container_timeline, render_timeline};

/// Judges every scenario of a recording.
///
/// The cell is planned exactly as `sidecar-e2e plan` would plan it ([`plan_cell`]), so a
/// recording of a cell `plan` rejects is rejected here too.
///
/// # Errors
/// [`VerdictError`] when the recording's cell cannot be planned, is not a valid one, or is not
/// the cluster the recording's own facts describe (its versions, probe, injected mode).
pub fn judge(recording: &Recording) -> Result<Verdict, VerdictError> {
    let target = target_of(recording)?;
    let scenarios = recording
        .scenarios
        .iter()
        .map(|scenario| judge_on(scenario, &target))
        .collect();
    Ok(Verdict {
        cell: recording.cell,
        effective_mode: target.mode,
        scenarios,
    })
}

/// The target a recording is judged on: its cell planned as `plan` plans it, checked against the
/// cluster the recording's own facts describe, on the patch the cluster reported (the kubelet's,
/// else the API server's).
///
/// # Errors
/// As [`judge`].
pub fn target_of(recording: &Recording) -> Result<Target, VerdictError> {
    let cell = recording.cell.slug();
    let planned = plan_cell(recording.cell).map_err(|source| VerdictError::Unplannable {
        cell: cell.clone(),
        source,
    })?;
    let Some(target) = Target::of(&planned) else {
        return Err(VerdictError::InvalidCell {
            cell,
            reason: planned.reason.unwrap_or_default(),
        });
    };
    check_facts(recording, &target)?;
    Ok(on_reported_patch(target, &recording.cluster))
}

/// `target` on the patch its cluster reported: the kubelet of the workload's minor (a cell with
/// a worker has two), else the first kubelet, else the API server. The runner judges each
/// scenario as it ends with this too, so both judge alike.
pub fn on_reported_patch(target: Target, facts: &ClusterFacts) -> Target {
    let reported = facts
        .kubelet_versions
        .iter()
        .find(|v| target.is_of_minor(v))
        .or(facts.kubelet_versions.first())
        .unwrap_or(&facts.server_version);
    target.on_reported_version(reported)
}

/// Judges one scenario's recording in `cell` where pods get `mode` (the e2e suites' entry).
/// The cell is planned as [`judge`] plans it, for its node image's patch.
pub fn judge_scenario(
    recorded: &ScenarioRecording,
    cell: &Cell,
    mode: EffectiveMode,
) -> ScenarioVerdict {
    let planned = plan_cell(*cell).ok();
    let target = planned.as_ref().and_then(Target::of).unwrap_or(Target {
        k8s: cell.k8s,
        patch: None,
        sidecars_on: mode == EffectiveMode::Native,
        mode,
        injector: cell.injector,
        api_server: cell.k8s,
    });
    judge_on(recorded, &Target { mode, ..target })
}

/// Judges one scenario's recording on `target` (the runner's entry: it judges each scenario as
/// it ends, to record again one that a harness fault spoiled).
pub fn judge_on(recorded: &ScenarioRecording, target: &Target) -> ScenarioVerdict {
    judge_checks(
        recorded,
        target,
        recorded.scenario.roles(target.injector),
        recorded.scenario.checks(target),
    )
}

/// Judges one scenario's recording on `target` against `checks`, with `roles` saying which
/// containers are sidecars: [`judge_on`] with the scenario's own, or another definition's (a
/// built-in scenario written as a file is held to judge as the built-in does).
pub fn judge_checks(
    recorded: &ScenarioRecording,
    target: &Target,
    roles: PodRoles,
    checks: Vec<Check>,
) -> ScenarioVerdict {
    let mut ctx = Context::new(recorded, roles, PrinterRules::of(target.api_server));
    ctx.collector_evidence = collector_received::evidence_of(&target.injector.profile().traffic);
    let faults = Faults::of(&ctx);
    let results = checks
        .into_iter()
        .map(|check| {
            let (status, evidence) = faults.overrule(&check, decide(&ctx, &check));
            CheckResult {
                check,
                status,
                evidence,
            }
        })
        .collect();
    let lines = watch_sequence(&ctx.snapshots, ctx.printer);
    // One line per pod, in order of first appearance; a pod's lines may interleave with others'.
    let mut pods: Vec<&str> = Vec::new();
    for line in &lines {
        if !pods.contains(&line.pod.as_str()) {
            pods.push(&line.pod);
        }
    }
    let watch = pods
        .into_iter()
        .map(|pod| {
            let own: Vec<_> = lines.iter().filter(|l| l.pod == pod).cloned().collect();
            format!("{pod}: {}", render_sequence(&own))
        })
        .collect();
    ScenarioVerdict {
        scenario: recorded.scenario,
        results,
        watch,
        server_watch: server_watch(&ctx),
        timeline: render_timeline(&container_timeline(&ctx.snapshots)),
        attempt: recorded.attempt,
        retried_because: recorded.retried_because.clone(),
    }
}

/// `pod: 0/2 Init:0/1 → 1/2 PodInitializing → …` from the API server's own rows, repeats of a
/// pod's row collapsed as in the harness's line; snapshots without a row are skipped.
fn server_watch(ctx: &Context<'_>) -> Vec<String> {
    let mut pods: Vec<(&str, Vec<String>)> = Vec::new();
    for snapshot in &ctx.snapshots {
        let Some(row) = &snapshot.server_row else {
            continue;
        };
        let name = snapshot.pod.metadata.name.as_deref().unwrap_or("?");
        let text = format!("{} {}", row.ready, row.status);
        match pods.iter_mut().find(|(pod, _)| *pod == name) {
            Some((_, lines)) if lines.last() == Some(&text) => {}
            Some((_, lines)) => lines.push(text),
            None => pods.push((name, vec![text])),
        }
    }
    pods.into_iter()
        .map(|(pod, lines)| format!("{pod}: {}", lines.join(" → ")))
        .collect()
}

/// Hands a check to its decider.
fn decide(ctx: &Context<'_>, check: &Check) -> Decided {
    match check {
        Check::ProxyLayout { place } => proxy_layout::decide(ctx, *place),
        Check::StartupOrder => startup_order::decide(ctx),
        Check::Request {
            step,
            succeeds,
            unasserted_because,
        } => match succeeds {
            None => (
                CheckStatus::NotApplicable,
                vec![
                    unasserted_because
                        .unwrap_or("not asserted in this cell")
                        .to_owned(),
                ],
            ),
            Some(expected) => request::decide(ctx, step, *expected),
        },
        Check::AccessLog => access_log::decide(ctx),
        Check::CollectorReceived { step } => {
            collector_received::decide(ctx, step, ctx.collector_evidence)
        }
        Check::PrinterAgrees => printer_agrees::decide(ctx),
        Check::JobCompletes { known_bug } => against(job_completes::observe(ctx), *known_bug),
        Check::TerminationOrder { order } => against(termination_order::observe(ctx, order), None),
        Check::AppStarts { known_bug } => against(app_starts::observe(ctx), *known_bug),
        Check::DeletedWithin {
            seconds,
            grace_seconds,
            known_bug,
        } => against(
            deleted_within::observe(ctx, *seconds, *grace_seconds),
            *known_bug,
        ),
        Check::SidecarRestarted { sidecar, known_bug } => {
            against(sidecar_restarted::observe(ctx, sidecar), *known_bug)
        }
        Check::SidecarExitCode { sidecar, code } => {
            against(sidecar_exit_code::observe(ctx, sidecar, *code), None)
        }
        Check::AppRestarted { known_bug } => against(app_restarted::observe(ctx), *known_bug),
        Check::ProbesWaitForStartup { sidecar, known_bug } => {
            against(probes_wait_for_startup::observe(ctx, sidecar), *known_bug)
        }
        Check::UnreadyDuringShutdown {
            sidecar,
            seconds,
            known_bug,
        } => against(
            unready_during_shutdown::observe(ctx, sidecar, *seconds),
            *known_bug,
        ),
        Check::JobPodKeepsRunning { for_seconds } => {
            job_pod_keeps_running::decide(ctx, *for_seconds)
        }
        Check::PodNeverRuns => pod_never_runs::decide(ctx),
        Check::ProxyConfigAccepted => proxy_config_accepted::decide(ctx),
        Check::HostPortHonoured {
            hold_seconds,
            known_bug,
        } => against(host_port_honoured::observe(ctx, *hold_seconds), *known_bug),
        Check::NamedPortServed {
            silent_seconds,
            known_bug,
        } => against(named_port_served::observe(ctx, *silent_seconds), *known_bug),
        Check::Evicted {
            pod,
            after,
            patience_seconds,
            known_bug,
        } => against(
            evicted::observe(ctx, pod, *after, *patience_seconds),
            *known_bug,
        ),
        Check::RestartRulesAnswer { sidecar, answer } => {
            restart_rules_answer::decide(ctx, sidecar, *answer)
        }
        Check::InitRerunAfterReboot { init, known_bug } => {
            against(init_rerun_after_reboot::observe(ctx, init), *known_bug)
        }
        Check::AllContainersRestarted { sidecar } => all_containers_restarted::decide(ctx, sidecar),
    }
}

/// The status of an observation, where the cell expects `bug` (or nothing). An expected bug that
/// does not show is a failure: the known-bug table is then wrong for this version, and must be
/// updated with this evidence rather than the surprise passing unseen.
fn against((shown, mut evidence): Observed, bug: Option<&'static KnownBug>) -> Decided {
    let status = match (shown, bug) {
        (Shown::Healthy, None) => CheckStatus::Pass,
        (Shown::Buggy, Some(bug)) => {
            evidence.push(format!("known bug {}: {} ({})", bug.id, bug.title, bug.url));
            if bug.is_open_upstream() {
                evidence.push(format!("{}: {}", bug.id, bug.fix_status()));
            }
            CheckStatus::KnownBug
        }
        (Shown::Healthy, Some(bug)) if bug.racy => {
            evidence.push(format!(
                "expected known bug {} here; its trigger is a race and did not fire in this \
                 run, so nothing is asserted: one healthy run does not prove a fix \
                 (docs/sidecar-semantics.md §8)",
                bug.id
            ));
            CheckStatus::NotApplicable
        }
        (Shown::Healthy, Some(bug)) if bug.is_open_upstream() => {
            evidence.push(format!(
                "expected known bug {} here, open upstream (no released patch had the fix), \
                 but it did not show: if this patch carries the fix now, give the bug its \
                 fixed-in patches (docs/sidecar-semantics.md §8) with this recording as the \
                 evidence",
                bug.id
            ));
            CheckStatus::Fail
        }
        (Shown::Healthy, Some(bug)) => {
            evidence.push(format!(
                "expected known bug {} here, but it did not show: update its fixed-in patches \
                 (docs/sidecar-semantics.md §8) with this recording as the evidence",
                bug.id
            ));
            CheckStatus::Fail
        }
        (Shown::Buggy, None) => {
            evidence.push("the healthy behaviour was expected here".to_owned());
            CheckStatus::Fail
        }
        (Shown::Unclear, _) => CheckStatus::Fail,
    };
    (status, evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Patch;

    const SURE: KnownBug = KnownBug {
        id: "kubernetes#1",
        url: "https://github.com/kubernetes/kubernetes/issues/1",
        title: "test",
        introduced_in: None,
        absent_in: &[],
        fixed_in: &[Patch {
            minor: 35,
            patch: 0,
        }],
        open_upstream: None,
        racy: false,
    };
    const RACY: KnownBug = KnownBug { racy: true, ..SURE };

    fn status(shown: Shown, bug: Option<&'static KnownBug>) -> CheckStatus {
        against((shown, Vec::new()), bug).0
    }

    #[test]
    fn an_expected_bug_passes_as_known_and_a_missing_one_fails_unless_its_trigger_is_a_race() {
        assert_eq!(status(Shown::Healthy, None), CheckStatus::Pass);
        assert_eq!(status(Shown::Buggy, None), CheckStatus::Fail);
        assert_eq!(status(Shown::Buggy, Some(&SURE)), CheckStatus::KnownBug);
        assert_eq!(status(Shown::Healthy, Some(&SURE)), CheckStatus::Fail);
        assert_eq!(status(Shown::Buggy, Some(&RACY)), CheckStatus::KnownBug);
        assert_eq!(
            status(Shown::Healthy, Some(&RACY)),
            CheckStatus::NotApplicable
        );
        assert_eq!(status(Shown::Unclear, Some(&RACY)), CheckStatus::Fail);
    }

    const OPEN: KnownBug = KnownBug {
        fixed_in: &[],
        open_upstream: Some(crate::scenario::PendingFix {
            pr: "https://github.com/kubernetes/kubernetes/pull/2",
            status: "merged on master only",
        }),
        ..SURE
    };

    #[test]
    fn a_bug_open_upstream_says_so_where_it_shows_and_fails_where_it_does_not() {
        let (status, evidence) = against((Shown::Buggy, Vec::new()), Some(&OPEN));
        assert_eq!(status, CheckStatus::KnownBug);
        assert!(
            evidence[1].contains("open upstream: no released patch has the fix")
                && evidence[1].contains("/pull/2"),
            "{evidence:?}"
        );
        let (status, evidence) = against((Shown::Healthy, vec!["seen".to_owned()]), Some(&OPEN));
        assert_eq!(status, CheckStatus::Fail);
        assert!(
            evidence[1].contains("open upstream") && evidence[1].contains("fixed-in patches"),
            "{evidence:?}"
        );
    }
}
