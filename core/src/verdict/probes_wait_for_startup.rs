//! `probes-wait-for-startup`: a sidecar restarted after a liveness failure runs no liveness or
//! readiness probe before its own startup probe has passed. Decided from the lines its probes
//! print on the sidecar's stdout (`step=liveness|readiness run=<n> ready-file=<yes|no>`): the
//! startup probe tests that same file, so a probe line of a later run with `ready-file=no` is a
//! probe that ran before the startup probe could have passed. Its known bug (kubernetes#141155)
//! gives the new container `started: true` from the old one's status, and such lines appear.
//! The container statuses are the second witness: healthy, the new container is first seen
//! `started: false`; buggy, `started: true`.

use super::context::{Context, Observed, Shown, describe_snapshot};
use crate::pod::{container_status, is_started};
use crate::recording::PodSnapshot;
use crate::views::evidence::Evidence;

/// The probe lines' steps.
const PROBE_STEPS: [&str; 2] = ["liveness", "readiness"];

pub(super) fn observe(ctx: &Context<'_>, sidecar: &str) -> Observed {
    let Some(last) = ctx.snapshots.last() else {
        let (_, evidence) = ctx.no_pod();
        return (Shown::Unclear, evidence);
    };
    let lines: Vec<Evidence> = ctx
        .evidence(Some(sidecar))
        .into_iter()
        .filter(|e| PROBE_STEPS.contains(&e.step.as_str()))
        .collect();
    let of_later_run = |e: &&Evidence| {
        e.field("run")
            .and_then(|r| r.parse::<u32>().ok())
            .is_some_and(|run| run >= 2)
    };
    let later: Vec<&Evidence> = lines.iter().filter(of_later_run).collect();
    let early: Vec<&Evidence> = later
        .iter()
        .copied()
        .filter(|e| e.field("ready-file") == Some("no"))
        .collect();
    let restarted = |s: &&&PodSnapshot| {
        container_status(&s.pod, sidecar).is_some_and(|c| {
            c.restart_count >= 1 && c.state.as_ref().is_some_and(|st| st.running.is_some())
        })
    };
    let first_restarted = ctx.snapshots.iter().find(restarted);
    let first_started = ctx
        .snapshots
        .iter()
        .filter(restarted)
        .find(|s| container_status(&s.pod, sidecar).is_some_and(is_started));
    let mut evidence = Vec::new();
    let status_at_first_sight = first_restarted.map(|s| {
        let started = container_status(&s.pod, sidecar).is_some_and(is_started);
        evidence.push(format!(
            "restarted {sidecar} first seen with started={started}: {}",
            describe_snapshot(s, ctx.printer)
        ));
        started
    });
    if let (Some(first), Some(last_early)) = (early.first(), early.last()) {
        evidence.push(format!(
            "{} liveness/readiness probe(s) ran on the restarted {sidecar} while the file its \
             startup probe tests was missing, so before that probe could pass; first: {}; \
             last: {}",
            early.len(),
            first.line.trim(),
            last_early.line.trim()
        ));
        return (Shown::Buggy, evidence);
    }
    if first_restarted.is_none() {
        evidence.push(format!(
            "{sidecar} was never seen running again after a restart: the liveness failure did \
             not come; last: {}",
            describe_snapshot(last, ctx.printer)
        ));
        return (Shown::Unclear, evidence);
    }
    let Some(started) = first_started.filter(|_| !later.is_empty()) else {
        evidence.push(format!(
            "the restarted {sidecar} was not seen started, or printed no probe line, before the \
             recording ended ({} probe line(s) of later runs); last: {}",
            later.len(),
            describe_snapshot(last, ctx.printer)
        ));
        return (Shown::Unclear, evidence);
    };
    if status_at_first_sight == Some(true) {
        // The status says inherited, the probes' lines do not: a line may be missing.
        evidence.push(format!(
            "yet no probe line of a later run says its ready file was missing ({} line(s)): \
             the status and the log disagree",
            later.len()
        ));
        return (Shown::Unclear, evidence);
    }
    evidence.push(format!(
        "its startup probe passed, then: {}",
        describe_snapshot(started, ctx.printer)
    ));
    evidence.push(format!(
        "{} liveness/readiness probe line(s) of later runs, every one with its ready file; \
         first: {}",
        later.len(),
        later.first().map_or("", |e| e.line.trim())
    ));
    (Shown::Healthy, evidence)
}
