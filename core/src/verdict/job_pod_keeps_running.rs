//! `job-pod-keeps-running`: the legacy failure — the Job's pod is still `Running` well after its
//! app exited, because the proxy container keeps running (§6.2).

use super::context::{Context, Decided, describe_snapshot};
use super::types::CheckStatus;
use crate::pod::{any_app_terminated, is_running, phase};

pub(super) fn decide(ctx: &Context<'_>, for_seconds: u32) -> Decided {
    let Some(last) = ctx.snapshots.last() else {
        return ctx.no_pod();
    };
    let app_exited = ctx
        .snapshots
        .iter()
        .find(|s| any_app_terminated(&s.pod, &ctx.roles));
    let Some(exited) = app_exited else {
        return (
            CheckStatus::Fail,
            vec![format!(
                "the app was never seen exiting; last: {}",
                describe_snapshot(last, ctx.printer)
            )],
        );
    };
    let waited = last
        .observed_at
        .0
        .duration_since(exited.observed_at.0)
        .as_secs();
    let mut evidence = vec![
        format!("app exited: {}", describe_snapshot(exited, ctx.printer)),
        format!(
            "{waited}s later: phase {}: {}",
            phase(&last.pod),
            describe_snapshot(last, ctx.printer)
        ),
    ];
    let ok = is_running(&last.pod) && waited >= i64::from(for_seconds);
    if !ok && waited < i64::from(for_seconds) {
        evidence.push(format!(
            "recorded only {waited}s after the app exited; need {for_seconds}s"
        ));
    }
    (
        if ok {
            CheckStatus::Pass
        } else {
            CheckStatus::Fail
        },
        evidence,
    )
}
