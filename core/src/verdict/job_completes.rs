//! `job-completes`: the Job's pod ends `Succeeded` (§3: sidecar exit codes do not matter); its
//! known bug is the pod (or Job) failing instead.

use super::context::{Context, Observed, Shown, describe_snapshot};
use crate::pod::{is_succeeded, phase};

pub(super) fn observe(ctx: &Context<'_>) -> Observed {
    let Some(last) = ctx.snapshots.last() else {
        let (_, evidence) = ctx.no_pod();
        return (Shown::Unclear, evidence);
    };
    if let Some(done) = ctx.snapshots.iter().find(|s| is_succeeded(&s.pod)) {
        return (
            Shown::Healthy,
            vec![format!(
                "phase Succeeded: {}",
                describe_snapshot(done, ctx.printer)
            )],
        );
    }
    let failed_job = ctx
        .recorded
        .events
        .iter()
        .find(|e| e.object.starts_with("Job/") && e.reason == "PodFailurePolicy");
    let evidence = |what: &str| {
        let mut lines = vec![format!(
            "{what}; last seen phase {}: {}",
            phase(&last.pod),
            describe_snapshot(last, ctx.printer)
        )];
        lines.extend(failed_job.map(|e| format!("event {} {}: {}", e.object, e.reason, e.message)));
        lines
    };
    if phase(&last.pod) == "Failed" || failed_job.is_some() {
        (Shown::Buggy, evidence("failed"))
    } else {
        (Shown::Unclear, evidence("never Succeeded"))
    }
}
