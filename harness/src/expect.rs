//! Expectations: for a scenario in a cell, the checks a recording must pass. Each check is data;
//! [`crate::verdict`] decides it against a recording. They derive from the same answers
//! `sidecar-e2e plan` prints ([`crate::plan::scenario_expectation`]).

use serde::Serialize;

use crate::plan::{Cell, EffectiveMode, InjectorSpec, ProxyPlace, scenario_expectation};
use crate::scenario::Scenario;

/// One thing to check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "check")]
pub enum Check {
    /// The stored pod spec has the proxy where the mode puts it (§7: `restartPolicy` kept or
    /// dropped shows the gate's state).
    ProxyLayout {
        /// Where it must be.
        place: ProxyPlace,
    },
    /// No app container starts before the proxy has started (§3, §7).
    StartupOrder,
    /// The scenario's request succeeded (`true`) or failed (`false`), by its evidence line;
    /// `None`: not asserted in this cell, with the reason.
    Request {
        /// The evidence step.
        step: &'static str,
        /// What should happen.
        succeeds: Option<bool>,
        /// Why nothing is asserted, when `succeeds` is `None`.
        #[serde(skip_serializing_if = "Option::is_none")]
        unasserted_because: Option<&'static str>,
    },
    /// The proxy's access log holds the request: GET /get, 200, to httpbin.
    AccessLog,
    /// The Job's pod ends `Succeeded` (§3: sidecar exit codes do not matter).
    JobCompletes,
    /// The legacy failure: the Job's pod is still Running well after its app exited (§6.2).
    JobPodKeepsRunning {
        /// How long after the app's exit the pod must still be seen Running.
        for_seconds: u32,
    },
    /// The rejected cell: no app container ever runs (§2: the API server refuses the pod, or
    /// it never initialises).
    PodNeverRuns,
    /// The oracle checks itself: for every recorded pod version, the harness's READY / STATUS /
    /// RESTARTS equal the row the API server printed for it (server-side printing).
    PrinterAgrees,
}

impl Check {
    /// A stable short name, for reports and JUnit.
    pub fn name(&self) -> &'static str {
        match self {
            Check::ProxyLayout { .. } => "proxy-layout",
            Check::StartupOrder => "startup-order",
            Check::Request { .. } => "request",
            Check::AccessLog => "access-log",
            Check::JobCompletes => "job-completes",
            Check::JobPodKeepsRunning { .. } => "job-pod-keeps-running",
            Check::PodNeverRuns => "pod-never-runs",
            Check::PrinterAgrees => "printer-agrees",
        }
    }

    /// What the check expects, in words.
    pub fn describe(&self) -> String {
        match self {
            Check::ProxyLayout {
                place: ProxyPlace::RestartableInitContainer,
            } => "proxy is an init container with restartPolicy: Always".to_owned(),
            Check::ProxyLayout {
                place: ProxyPlace::Container,
            } => "proxy is a regular container".to_owned(),
            Check::StartupOrder => {
                "no app container starts before the proxy has started".to_owned()
            }
            Check::Request {
                step,
                succeeds: Some(true),
                ..
            } => format!("{step} succeeds (200)"),
            Check::Request {
                step,
                succeeds: Some(false),
                ..
            } => format!("{step} fails"),
            Check::Request {
                step,
                succeeds: None,
                ..
            } => format!("{step}: not asserted"),
            Check::AccessLog => "proxy access log has GET /get 200 to httpbin".to_owned(),
            Check::JobCompletes => "Job pod ends Succeeded".to_owned(),
            Check::JobPodKeepsRunning { for_seconds } => {
                format!("Job pod still Running {for_seconds}s after its app exited")
            }
            Check::PodNeverRuns => "pod is refused or never initialises".to_owned(),
            Check::PrinterAgrees => {
                "the harness prints every pod row as the API server does".to_owned()
            }
        }
    }
}

/// How long a legacy Job pod must be seen Running after its app exited: long enough that no
/// kubelet would still be "about to" finish it (the harness records at least this long).
pub const LEGACY_JOB_LINGER_SECONDS: u32 = 10;

/// The evidence step of a scenario's request.
pub fn request_step(scenario: Scenario) -> &'static str {
    match scenario {
        Scenario::Sleep | Scenario::Job => "request",
        Scenario::InitTraffic => "init-request",
        Scenario::ShutdownTraffic => "shutdown-request",
    }
}

/// The proxy container's name for an injector.
pub fn proxy_name(injector: InjectorSpec) -> &'static str {
    match injector {
        InjectorSpec::Builtin => sidecar_injector::config::PROXY_CONTAINER_NAME,
        InjectorSpec::Istio { .. } => "istio-proxy",
    }
}

/// The checks for `scenario` in `cell` where pods get `mode`.
pub fn checks_for(scenario: Scenario, cell: &Cell, mode: EffectiveMode) -> Vec<Check> {
    let expected = scenario_expectation(scenario, mode, cell.k8s);
    if !expected.pod_created {
        return vec![Check::PodNeverRuns, Check::PrinterAgrees];
    }
    let mut checks = Vec::new();
    if let Some(place) = expected.proxy {
        checks.push(Check::ProxyLayout { place });
    }
    if expected.proxy_starts_first == Some(true) {
        checks.push(Check::StartupOrder);
    }
    let unasserted_because = expected.succeeds.is_none().then_some(match scenario {
        Scenario::ShutdownTraffic => "1.28's alpha stops sidecars together with the app (§1.1)",
        _ => "a legacy app may start before its proxy listens (§7)",
    });
    checks.push(Check::Request {
        step: request_step(scenario),
        succeeds: expected.succeeds,
        unasserted_because,
    });
    if expected.succeeds == Some(true) && scenario != Scenario::ShutdownTraffic {
        checks.push(Check::AccessLog);
    }
    match expected.completes {
        Some(true) => checks.push(Check::JobCompletes),
        Some(false) => checks.push(Check::JobPodKeepsRunning {
            for_seconds: LEGACY_JOB_LINGER_SECONDS,
        }),
        None => {}
    }
    checks.push(Check::PrinterAgrees);
    checks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Gate, K8sVersion, RequestedMode};

    fn cell(minor: u32) -> Cell {
        Cell {
            k8s: K8sVersion::new(minor),
            gate: Gate::Default,
            injector: InjectorSpec::Builtin,
            requested_mode: RequestedMode::Auto,
        }
    }

    #[test]
    fn native_job_checks_layout_order_request_log_and_completion() {
        let names: Vec<&str> = checks_for(Scenario::Job, &cell(29), EffectiveMode::Native)
            .iter()
            .map(Check::name)
            .collect();
        assert_eq!(
            names,
            [
                "proxy-layout",
                "startup-order",
                "request",
                "access-log",
                "job-completes",
                "printer-agrees"
            ]
        );
    }

    #[test]
    fn legacy_job_checks_the_classic_failure() {
        let checks = checks_for(Scenario::Job, &cell(29), EffectiveMode::Legacy);
        assert!(checks.contains(&Check::JobPodKeepsRunning { for_seconds: 10 }));
        assert!(!checks.contains(&Check::StartupOrder));
    }

    #[test]
    fn rejected_cells_check_only_that_nothing_runs() {
        for scenario in Scenario::ALL {
            assert_eq!(
                checks_for(scenario, &cell(28), EffectiveMode::Rejected),
                [Check::PodNeverRuns, Check::PrinterAgrees]
            );
        }
    }

    #[test]
    fn shutdown_on_1_28_is_recorded_as_not_asserted() {
        let checks = checks_for(Scenario::ShutdownTraffic, &cell(28), EffectiveMode::Native);
        assert!(checks.iter().any(|c| matches!(
            c,
            Check::Request {
                succeeds: None,
                unasserted_because: Some(_),
                ..
            }
        )));
    }
}
