//! `sleep`: a long-running Deployment that sends a request through its proxy every two seconds
//! (like Istio's sleep sample). Both layouts get traffic through eventually: the app retries.

use std::time::Duration;

use super::end::{EndCondition, Progress};
use super::expectation::{ScenarioExpectation, proxied, proxied_checks};
use super::target::Target;
use super::{Check, NodeUse, ScenarioDef};
use crate::pod::is_ready;

/// How long a ready sleep pod is watched: long enough for two requests.
const OBSERVE: Duration = Duration::from_secs(7);

pub(super) const DEF: ScenarioDef = ScenarioDef {
    name: "sleep",
    summary: "a Deployment whose app sends a request through its proxy every two seconds",
    caption: "A long-running app: natively, the proxy is ready before the app starts, so its first request goes through.",
    manifest: include_str!("sleep.yaml"),
    injected: true,
    node: NodeUse::Shared,
    expectation,
    checks,
    end,
    plan_column: None,
};

/// A long-running app retries: both layouts get traffic through eventually.
fn expectation(target: &Target) -> Result<ScenarioExpectation, &'static str> {
    Ok(proxied(target, Some(true), None))
}

fn checks(expected: &ScenarioExpectation, target: &Target) -> Vec<Check> {
    proxied_checks(expected, target, "request", "", true)
}

fn end(progress: &Progress<'_>) -> Option<EndCondition> {
    progress
        .pods
        .iter()
        .any(|p| is_ready(p))
        .then_some(EndCondition::After(OBSERVE))
}
