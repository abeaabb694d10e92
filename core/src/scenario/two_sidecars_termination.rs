//! `two-sidecars-termination`: two native sidecars and an app; on delete the app is stopped
//! first, then the sidecars in reverse start order, each after the one before has exited (from
//! 1.29, kubernetes#120620; §3). 1.28's alpha has no order: nothing is asserted there.

use super::end::{EndCondition, Progress, delete_then_done};
use super::expectation::ScenarioExpectation;
use super::target::Target;
use super::{Check, NodeUse, ScenarioDef};
use crate::pod::{any_app_has_run, is_running};

pub(super) const DEF: ScenarioDef = ScenarioDef {
    name: "two-sidecars-termination",
    summary: "two native sidecars and an app, deleted: app, then second, then first",
    caption: "The pod is deleted: the app stops first, then the second sidecar, then the first, each after the one before has exited.",
    manifest: include_str!("two-sidecars-termination.yaml"),
    injected: false,
    node: NodeUse::Shared,
    expectation,
    checks,
    end,
    plan_column: None,
};

/// The order the kubelet stops the containers in: the app, then the sidecars last-started first.
const ORDER: &[&str] = &["app", "second", "first"];

fn expectation(target: &Target) -> Result<ScenarioExpectation, &'static str> {
    target.native_sidecars()?;
    Ok(ScenarioExpectation {
        pod_created: true,
        succeeds: Some(true).filter(|_| target.k8s.orders_sidecar_termination()),
        ..ScenarioExpectation::default()
    })
}

fn checks(expected: &ScenarioExpectation, _: &Target) -> Vec<Check> {
    let mut checks = Vec::new();
    if expected.succeeds == Some(true) {
        checks.push(Check::TerminationOrder { order: ORDER });
    }
    checks.push(Check::PrinterAgrees);
    checks
}

fn end(progress: &Progress<'_>) -> Option<EndCondition> {
    delete_then_done(
        progress,
        |p| is_running(p) && any_app_has_run(p, &progress.roles),
        true,
    )
}
