//! `all-containers-restarted`: the sidecar's exit 42, which its rule maps to
//! `RestartAllContainers`, re-ran the pod's init container and then restarted the app: the app's
//! line `step=app-started init-runs=2` (the count lives in an emptyDir, which an in-place restart
//! keeps). A sidecar merely restarted on its own leaves the app's one line `init-runs=1`.

use super::context::{Context, Decided, describe_snapshot};
use super::types::CheckStatus;
use crate::pod::container_status;
use crate::views::evidence::Evidence;

pub(super) fn decide(ctx: &Context<'_>, sidecar: &str) -> Decided {
    let lines = ctx.evidence(None);
    let runs = |e: &Evidence| e.field("init-runs").and_then(|n| n.parse::<u32>().ok());
    if let Some(again) = lines
        .iter()
        .find(|e| e.step == "app-started" && runs(e).is_some_and(|n| n >= 2))
    {
        let mut evidence: Vec<String> = lines
            .iter()
            .filter(|e| e.step == "sidecar-exit" || e.step == "init-ran")
            .map(|e| e.line.clone())
            .collect();
        evidence.push(format!(
            "the app started again after init re-ran: {}",
            again.line
        ));
        return (CheckStatus::Pass, evidence);
    }
    let mut evidence: Vec<String> = lines.iter().map(|e| e.line.clone()).collect();
    // The sidecar's own line is in the log of the instance that exited, which the in-place
    // restart removes; its status says the same.
    let exited_42 = ctx.snapshots.iter().find(|s| {
        container_status(&s.pod, sidecar).is_some_and(|c| {
            [c.state.as_ref(), c.last_state.as_ref()]
                .into_iter()
                .flatten()
                .any(|st| st.terminated.as_ref().is_some_and(|t| t.exit_code == 42))
        })
    });
    if let Some(snapshot) = exited_42 {
        evidence.push(format!(
            "{sidecar} exited 42: {}",
            describe_snapshot(snapshot, ctx.printer)
        ));
    }
    if exited_42.is_none() && !lines.iter().any(|e| e.step == "sidecar-exit") {
        evidence.insert(
            0,
            "the sidecar was never seen exiting 42: nothing triggered the rule".to_owned(),
        );
    } else {
        evidence
            .push("the sidecar exited 42, and the app never started with init-runs ≥ 2".to_owned());
    }
    for log in ctx
        .recorded
        .logs
        .iter()
        .filter(|l| l.read_error().is_some())
    {
        evidence.push(format!(
            "{}/{}: {}",
            log.pod,
            log.container,
            log.read_error().unwrap_or_default()
        ));
    }
    (CheckStatus::Fail, evidence)
}
