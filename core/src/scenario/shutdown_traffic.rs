//! `shutdown-traffic`: an app that sends a request after it receives SIGTERM. The recorder
//! deletes its pod once the app says it is up. A native sidecar on 1.29+ is stopped only after
//! the app has exited, so the request gets through; a legacy proxy is SIGTERMed with the app.

use super::end::{EndCondition, Progress, delete_then_done};
use super::expectation::{ScenarioExpectation, proxied, proxied_checks};
use super::target::Target;
use super::{Check, NodeUse, PlanColumn, ScenarioDef};
use crate::plan::{EffectiveMode, ShutdownTraffic};
use crate::pod::{any_app_has_run, is_running};

pub(super) const DEF: ScenarioDef = ScenarioDef {
    name: "shutdown-traffic",
    summary: "an app that calls httpbin after SIGTERM: the proxy must still be there",
    caption: "The pod is deleted and the app sends a request while shutting down: natively, the proxy outlives the app.",
    manifest: include_str!("shutdown-traffic.yaml"),
    injected: true,
    node: NodeUse::Shared,
    expectation,
    checks,
    end,
    plan_column: Some(PlanColumn {
        header: "SHUTDOWN",
        value: |e| e.succeeds,
    }),
};

fn expectation(target: &Target) -> Result<ScenarioExpectation, &'static str> {
    target.sidecar_traffic()?;
    // §3: sidecars outlive the app only with 1.29+'s ordered termination; 1.28's alpha stops
    // them together with the app, so nothing is promised there.
    let succeeds = match (
        target.mode == EffectiveMode::Native,
        target.k8s.orders_sidecar_termination(),
    ) {
        (true, true) => Some(true),
        (true, false) => None,
        // The profile says what its legacy sidecar does after SIGTERM: Istio's pilot-agent keeps
        // Envoy serving through its drain (5 s, §6.4), so the request one second in still gets
        // through (seen live, docs/istio.md).
        (false, _) => match target.injector.profile().legacy.shutdown_traffic {
            ShutdownTraffic::Fails => Some(false),
            ShutdownTraffic::Drains => Some(true),
            ShutdownTraffic::Unasserted => None,
        },
    };
    Ok(proxied(target, succeeds, None))
}

fn checks(expected: &ScenarioExpectation, target: &Target) -> Vec<Check> {
    // The request goes out after SIGTERM, when the proxy is draining: its access log is not
    // promised to hold it.
    proxied_checks(
        expected,
        target,
        "shutdown-request",
        "1.28's alpha stops sidecars together with the app (§1.1)",
        false,
    )
}

fn end(progress: &Progress<'_>) -> Option<EndCondition> {
    delete_then_done(
        progress,
        |p| is_running(p) && any_app_has_run(p, &progress.roles),
        true,
    )
}
