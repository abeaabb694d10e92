//! `app-restarted`: after the recorder restarted the node's kubelet, the app that crashed was
//! restarted (`restartCount` went up). Its known bug (the 1.35.0 regression) leaves the crashed
//! app terminated with `restartCount` 0 for good.

use super::context::{Context, Observed, Shown, describe_snapshot};
use crate::pod::{app_statuses, has_terminated};

/// How long after the app's crash "never restarted" needs to have been watched.
const PATIENCE_SECONDS: i64 = 30;

pub(super) fn observe(ctx: &Context<'_>) -> Observed {
    let Some(last) = ctx.snapshots.last() else {
        let (_, evidence) = ctx.no_pod();
        return (Shown::Unclear, evidence);
    };
    let mut evidence: Vec<String> = ctx
        .recorded
        .actions
        .iter()
        .filter(|a| a.action.contains("kubelet"))
        .map(|a| format!("{} on {} at {}", a.action, a.pod, a.at.0))
        .collect();
    if !ctx
        .recorded
        .actions
        .iter()
        .any(|a| a.action == "kubelet-back")
    {
        evidence.push("the kubelet was not restarted: nothing to judge".to_owned());
        evidence.extend(ctx.recorded.apply_errors.iter().cloned());
        return (Shown::Unclear, evidence);
    }
    if let Some(restarted) = ctx.snapshots.iter().find(|s| {
        app_statuses(&s.pod, &ctx.roles)
            .iter()
            .any(|c| c.restart_count >= 1)
    }) {
        evidence.push(format!(
            "app restarted: {}",
            describe_snapshot(restarted, ctx.printer)
        ));
        return (Shown::Healthy, evidence);
    }
    let crashed = ctx.snapshots.iter().find(|s| {
        app_statuses(&s.pod, &ctx.roles)
            .into_iter()
            .any(has_terminated)
    });
    let Some(crashed) = crashed else {
        evidence.push(format!(
            "the app was never seen crashing; last: {}",
            describe_snapshot(last, ctx.printer)
        ));
        return (Shown::Unclear, evidence);
    };
    let waited = last
        .observed_at
        .0
        .duration_since(crashed.observed_at.0)
        .as_secs();
    evidence.push(format!(
        "app exited and was not restarted in {waited}s: {} → {}",
        describe_snapshot(crashed, ctx.printer),
        describe_snapshot(last, ctx.printer)
    ));
    if waited >= PATIENCE_SECONDS {
        (Shown::Buggy, evidence)
    } else {
        (Shown::Unclear, evidence)
    }
}
