//! `app-starts`: some app container has run. Its known bug (kubernetes#132826) leaves the app
//! waiting for ever once a sidecar has failed before its startup probe ran: the symptom is a
//! sidecar restarted and running again while no app ever runs.

use super::context::{Context, Observed, Shown, describe_snapshot};
use crate::pod::{any_app_has_run, sidecar_restarted_and_running};

/// How long after a sidecar has started the app must have had to start, for "never" to count.
const PATIENCE_SECONDS: i64 = 15;

pub(super) fn observe(ctx: &Context<'_>) -> Observed {
    let Some(last) = ctx.snapshots.last() else {
        let (_, evidence) = ctx.no_pod();
        return (Shown::Unclear, evidence);
    };
    if let Some(ran) = ctx
        .snapshots
        .iter()
        .find(|s| any_app_has_run(&s.pod, &ctx.roles))
    {
        return (
            Shown::Healthy,
            vec![format!(
                "app has run: {}",
                describe_snapshot(ran, ctx.printer)
            )],
        );
    }
    let sidecar_back = ctx
        .snapshots
        .iter()
        .find(|s| sidecar_restarted_and_running(&s.pod));
    let mut evidence = vec![format!(
        "no app container ever ran; last: {}",
        describe_snapshot(last, ctx.printer)
    )];
    let Some(started) = sidecar_back else {
        evidence.push("no sidecar was seen restarted and running again".to_owned());
        return (Shown::Unclear, evidence);
    };
    let waited = last
        .observed_at
        .0
        .duration_since(started.observed_at.0)
        .as_secs();
    evidence.push(format!(
        "a sidecar ran again {waited}s before the last snapshot: {}",
        describe_snapshot(started, ctx.printer)
    ));
    if waited >= PATIENCE_SECONDS {
        (Shown::Buggy, evidence)
    } else {
        evidence.push(format!(
            "recorded for less than {PATIENCE_SECONDS}s after that"
        ));
        (Shown::Unclear, evidence)
    }
}
