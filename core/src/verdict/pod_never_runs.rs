//! `pod-never-runs`: the rejected cell — no app container ever runs (§2: the API server refuses
//! the pod, or it never initialises). Apply errors and `FailedCreate` events are the evidence.

use super::context::{Context, Decided, describe_snapshot};
use super::types::CheckStatus;
use crate::pod::any_app_has_run;

pub(super) fn decide(ctx: &Context<'_>) -> Decided {
    let mut evidence: Vec<String> = ctx.apply_error_lines().collect();
    evidence.extend(
        ctx.recorded
            .events
            .iter()
            .filter(|e| e.reason == "FailedCreate")
            .take(2)
            .map(|e| {
                format!(
                    "event {} {} on {}: {}",
                    e.type_, e.reason, e.object, e.message
                )
            }),
    );
    if let Some(ran) = ctx
        .snapshots
        .iter()
        .find(|s| any_app_has_run(&s.pod, &ctx.roles))
    {
        evidence.push(format!(
            "an app container ran: {}",
            describe_snapshot(ran, ctx.printer)
        ));
        return (CheckStatus::Fail, evidence);
    }
    if let Some(last) = ctx.snapshots.last() {
        evidence.push(format!(
            "never initialised; last: {}",
            describe_snapshot(last, ctx.printer)
        ));
    } else if evidence.is_empty() {
        evidence.push("no pod was created and no error was recorded".to_owned());
    }
    (CheckStatus::Pass, evidence)
}
