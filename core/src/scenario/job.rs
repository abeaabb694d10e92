//! `job`: a batch/v1 Job whose app calls httpbin once and exits. A native sidecar is stopped
//! after the app and the pod ends `Succeeded` (§3); a legacy proxy never exits, so the pod stays
//! Running (`NotReady`) for ever (§6.2).

use std::time::Duration;

use super::end::{EndCondition, Progress};
use super::expectation::{
    LEGACY_JOB_LINGER_SECONDS, ScenarioExpectation, proxied, proxied_checks,
};
use super::target::Target;
use super::{Check, NodeUse, PlanColumn, ScenarioDef};
use crate::plan::EffectiveMode;
use crate::pod::{all_apps_terminated, is_finished, is_running};

pub(super) const DEF: ScenarioDef = ScenarioDef {
    name: "job",
    summary: "a Job whose app calls httpbin and exits: the pod must complete",
    caption: "A Job's app exits: natively, the proxy is stopped and the pod finishes; in the legacy layout the proxy keeps the pod running.",
    manifest: include_str!("job.yaml"),
    injected: true,
    node: NodeUse::Shared,
    expectation,
    checks,
    end,
    plan_column: Some(PlanColumn {
        header: "JOB",
        value: |e| e.completes,
    }),
};

fn expectation(target: &Target) -> Result<ScenarioExpectation, &'static str> {
    let native = target.mode == EffectiveMode::Native;
    // Legacy: the app may start before its proxy listens (§7); only native promises it. A legacy
    // proxy keeps the pod Running for ever (§6.2).
    Ok(proxied(target, Some(true).filter(|_| native), Some(native)))
}

fn checks(expected: &ScenarioExpectation, target: &Target) -> Vec<Check> {
    proxied_checks(
        expected,
        target,
        "request",
        "a legacy app may start before its proxy listens (§7)",
        true,
    )
}

fn end(progress: &Progress<'_>) -> Option<EndCondition> {
    let pods = progress.pods;
    if pods.iter().any(|p| is_finished(p)) {
        Some(EndCondition::Done)
    } else if pods
        .iter()
        .any(|p| is_running(p) && all_apps_terminated(p, &progress.roles))
    {
        // The legacy failure needs the pod seen Running this long after its app exited.
        Some(EndCondition::After(Duration::from_secs(
            u64::from(LEGACY_JOB_LINGER_SECONDS) + 3,
        )))
    } else {
        None
    }
}
