//! `init-traffic`: an init container fetches `/get` from httpbin. It needs the proxy to exist
//! already, which only a native sidecar does (§7): a legacy proxy is a regular container that
//! starts after every init container.

use super::end::{EndCondition, Progress};
use super::expectation::{ScenarioExpectation, proxied, proxied_checks};
use super::target::Target;
use super::{Check, NodeUse, PlanColumn, ScenarioDef};
use crate::plan::{EffectiveMode, InitTraffic};
use crate::pod::{all_apps_terminated, is_finished, is_running};

pub(super) const DEF: ScenarioDef = ScenarioDef {
    name: "init-traffic",
    summary: "an init container that calls httpbin: it needs the proxy to exist already",
    caption: "An init container fetches through the proxy: only a native proxy is running that early.",
    manifest: include_str!("init-traffic.yaml"),
    injected: true,
    node: NodeUse::Shared,
    expectation,
    checks,
    end,
    plan_column: Some(PlanColumn {
        header: "INIT-TRAFFIC",
        value: |e| e.succeeds,
    }),
};

fn expectation(target: &Target) -> Result<ScenarioExpectation, &'static str> {
    let succeeds = target.mode == EffectiveMode::Native || bypasses_a_legacy_proxy(target);
    Ok(proxied(target, Some(succeeds), None))
}

/// Istio's legacy layout puts `istio-init` (the iptables rules) after the pod's own init
/// containers (seen live: `[fetch, istio-init]`, Istio 1.31-dev on 1.32, docs/istio.md): the
/// init request is not captured, goes straight to httpbin and succeeds, outside the mesh. The
/// legacy failure there is that the proxy never sees it: no access-log line.
fn bypasses_a_legacy_proxy(target: &Target) -> bool {
    target.mode == EffectiveMode::Legacy
        && target.injector.profile().legacy.init_traffic == InitTraffic::BypassesSidecar
}

fn checks(expected: &ScenarioExpectation, target: &Target) -> Vec<Check> {
    proxied_checks(expected, "init-request", "", !bypasses_a_legacy_proxy(target))
}

fn end(progress: &Progress<'_>) -> Option<EndCondition> {
    // A legacy proxy keeps the pod Running after the app exits: that is as finished as it gets.
    progress
        .pods
        .iter()
        .any(|p| is_finished(p) || (is_running(p) && all_apps_terminated(p, &progress.roles)))
        .then_some(EndCondition::Done)
}
