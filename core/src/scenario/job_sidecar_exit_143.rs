//! `job-sidecar-exit-143`: a Job whose `podFailurePolicy` fails it on exit code 143, and whose
//! native sidecar exits 143 on SIGTERM. A sidecar's exit code does not decide the pod's phase
//! (§3), so the pod Succeeds and the Job completes: the rule is never consulted. The check that
//! the sidecar really exited 143 keeps the scenario honest.

use super::end::done_when_finished;
use super::expectation::ScenarioExpectation;
use super::target::Target;
use super::{Check, NodeUse, ScenarioDef};

pub(super) const DEF: ScenarioDef = ScenarioDef {
    name: "job-sidecar-exit-143",
    summary: "a Job with an exit-143 podFailurePolicy whose sidecar exits 143: it completes",
    caption: "The app exits 0, the kubelet stops the sidecar, which exits 143: the pod Succeeds \
              and the podFailurePolicy rule for 143 is not consulted.",
    manifest: include_str!("job-sidecar-exit-143.yaml"),
    injected: false,
    node: NodeUse::Shared,
    expectation,
    checks,
    end: done_when_finished,
    plan_column: None,
};

fn expectation(target: &Target) -> Result<ScenarioExpectation, &'static str> {
    target.native_sidecars()?;
    Ok(ScenarioExpectation {
        pod_created: true,
        succeeds: Some(true),
        completes: Some(true),
        ..ScenarioExpectation::default()
    })
}

fn checks(_: &ScenarioExpectation, _: &Target) -> Vec<Check> {
    vec![
        Check::JobCompletes { known_bug: None },
        Check::SidecarExitCode {
            sidecar: "exits-143",
            code: 143,
        },
        Check::PrinterAgrees,
    ]
}

