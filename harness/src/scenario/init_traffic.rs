//! `init-traffic`: an init container fetches `/get` from httpbin. It needs the proxy to exist
//! already, which only a native sidecar does (§7): a legacy proxy is a regular container that
//! starts after every init container.

use super::end::{EndCondition, Progress};
use super::expectation::{ScenarioExpectation, proxied_checks, proxy_expectation, refused};
use super::target::Target;
use super::{Check, PlanColumn, ScenarioDef};
use crate::plan::EffectiveMode;
use crate::pod::is_finished;

pub(super) const DEF: ScenarioDef = ScenarioDef {
    name: "init-traffic",
    summary: "an init container that calls httpbin: it needs the proxy to exist already",
    caption: "An init container fetches through the proxy: only a native proxy is running that early.",
    manifest: include_str!("init-traffic.yaml"),
    injected: true,
    expectation,
    checks,
    end,
    plan_column: Some(PlanColumn {
        header: "INIT-TRAFFIC",
        value: |e| e.succeeds,
    }),
};

fn expectation(target: &Target) -> Result<ScenarioExpectation, &'static str> {
    if target.mode == EffectiveMode::Rejected {
        return Ok(refused(None));
    }
    let (proxy, proxy_starts_first) = proxy_expectation(target.mode);
    Ok(ScenarioExpectation {
        pod_created: true,
        proxy,
        proxy_starts_first,
        succeeds: Some(target.mode == EffectiveMode::Native),
        ..ScenarioExpectation::default()
    })
}

fn checks(expected: &ScenarioExpectation, _: &Target) -> Vec<Check> {
    proxied_checks(expected, "init-request", "", true)
}

fn end(progress: &Progress<'_>) -> Option<EndCondition> {
    progress
        .pods
        .iter()
        .any(|p| is_finished(p))
        .then_some(EndCondition::Done)
}
