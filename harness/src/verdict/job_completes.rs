//! `job-completes`: the Job's pod ends `Succeeded` (§3: sidecar exit codes do not matter).

use super::context::{Context, Decided, describe_snapshot};
use super::types::CheckStatus;
use crate::pod::{is_succeeded, phase};

pub(super) fn decide(ctx: &Context<'_>) -> Decided {
    let Some(last) = ctx.snapshots.last() else {
        return ctx.no_pod();
    };
    match ctx.snapshots.iter().find(|s| is_succeeded(&s.pod)) {
        Some(done) => (
            CheckStatus::Pass,
            vec![format!(
                "phase Succeeded: {}",
                describe_snapshot(done, ctx.printer)
            )],
        ),
        None => (
            CheckStatus::Fail,
            vec![format!(
                "never Succeeded; last seen phase {}: {}",
                phase(&last.pod),
                describe_snapshot(last, ctx.printer)
            )],
        ),
    }
}
