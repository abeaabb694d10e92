//! Judging: the checks [`crate::expect::checks_for`] lists for each scenario, each handed to its
//! decider, plus the views a reader needs around them (watch lines, container timeline).

use super::context::{Context, Decided};
use super::types::{CheckResult, CheckStatus, ScenarioVerdict, Verdict, VerdictError};
use super::{
    access_log, job_completes, job_pod_keeps_running, pod_never_runs, printer_agrees, proxy_layout,
    request, startup_order,
};
use crate::expect::{Check, checks_for, proxy_name};
use crate::plan::{Cell, EffectiveMode, plan_cell};
use crate::recording::{Recording, ScenarioRecording};
use crate::views::kubectl::{PrinterRules, render_sequence, watch_sequence};
use crate::views::timeline::{container_timeline, render_timeline};

/// Judges every scenario of a recording.
///
/// The cell is planned exactly as `sidecar-e2e plan` would plan it ([`plan_cell`]), so a
/// recording of a cell `plan` rejects is rejected here too.
///
/// # Errors
/// [`VerdictError`] when the recording's cell cannot be planned or is not a valid one.
pub fn judge(recording: &Recording) -> Result<Verdict, VerdictError> {
    let cell = recording.cell.slug();
    let planned = plan_cell(recording.cell).map_err(|source| VerdictError::Unplannable {
        cell: cell.clone(),
        source,
    })?;
    let Some(effective_mode) = planned.effective_mode else {
        return Err(VerdictError::InvalidCell {
            cell,
            reason: planned.reason.unwrap_or_default(),
        });
    };
    let scenarios = recording
        .scenarios
        .iter()
        .map(|scenario| judge_scenario(scenario, &recording.cell, effective_mode))
        .collect();
    Ok(Verdict {
        cell: recording.cell,
        effective_mode,
        scenarios,
    })
}

/// Judges one scenario's recording in `cell` where pods get `mode`.
pub fn judge_scenario(
    recorded: &ScenarioRecording,
    cell: &Cell,
    mode: EffectiveMode,
) -> ScenarioVerdict {
    let ctx = Context::new(
        recorded,
        proxy_name(cell.injector),
        PrinterRules::of(cell.k8s),
    );
    let results = checks_for(recorded.scenario, cell, mode)
        .into_iter()
        .map(|check| {
            let (status, evidence) = decide(&ctx, &check);
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
        Check::PrinterAgrees => printer_agrees::decide(ctx),
        Check::JobCompletes => job_completes::decide(ctx),
        Check::JobPodKeepsRunning { for_seconds } => {
            job_pod_keeps_running::decide(ctx, *for_seconds)
        }
        Check::PodNeverRuns => pod_never_runs::decide(ctx),
    }
}
