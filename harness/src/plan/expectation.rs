//! What each scenario should show in a cell, at the level `sidecar-e2e plan` prints. The checks a
//! verdict runs against a recording derive from the same answers.

use serde::Serialize;

use super::cell::EffectiveMode;
use super::k8s::K8sVersion;
use crate::scenario::Scenario;

/// Where the proxy sits in the pod spec the API server stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ProxyPlace {
    /// An init container with `restartPolicy: Always`.
    RestartableInitContainer,
    /// A regular container.
    Container,
}

/// What one scenario should show in one cell. `None` means "not asserted" (the behaviour
/// is unspecified there), and is printed as `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScenarioExpectation {
    /// Whether the API server admits the pod at all.
    pub pod_created: bool,
    /// Where the proxy is, when the pod exists.
    pub proxy: Option<ProxyPlace>,
    /// Whether the proxy is started before any app container starts.
    pub proxy_starts_first: Option<bool>,
    /// Whether the scenario's request succeeds (200 through the proxy).
    pub succeeds: Option<bool>,
    /// Jobs only: whether the Job completes and its pod ends `Succeeded`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completes: Option<bool>,
}

/// What `scenario` should show where pods get `mode` on `k8s`.
pub fn scenario_expectation(
    scenario: Scenario,
    mode: EffectiveMode,
    k8s: K8sVersion,
) -> ScenarioExpectation {
    let native = mode == EffectiveMode::Native;
    if mode == EffectiveMode::Rejected {
        return ScenarioExpectation {
            pod_created: false,
            proxy: None,
            proxy_starts_first: None,
            succeeds: Some(false),
            completes: (scenario == Scenario::Job).then_some(false),
        };
    }
    let proxy = Some(if native {
        ProxyPlace::RestartableInitContainer
    } else {
        ProxyPlace::Container
    });
    // Legacy: containers start in spec order without waiting for one another's readiness, and
    // the builtin proxy is appended last, so "first" is not promised; native: the startup probe
    // gates everything after it (§3).
    let proxy_starts_first = Some(native).filter(|&n| n);
    let succeeds = match scenario {
        // A long-running app retries; both layouts get traffic through eventually.
        Scenario::Sleep => Some(true),
        // §7 / architecture: init containers run before a legacy proxy exists.
        Scenario::InitTraffic => Some(native),
        // Legacy: the app may start before its proxy listens (§7); only native promises it.
        Scenario::Job => Some(native).filter(|&n| n),
        // §3: sidecars outlive the app only with 1.29+'s ordered termination; 1.28's alpha
        // stops them together with the app, so nothing is promised there.
        Scenario::ShutdownTraffic => match (native, k8s.orders_sidecar_termination()) {
            (true, true) => Some(true),
            (true, false) => None,
            (false, _) => Some(false),
        },
    };
    ScenarioExpectation {
        pod_created: true,
        proxy,
        proxy_starts_first,
        succeeds,
        // §3, §6.2: a legacy proxy keeps the Job pod Running (`NotReady`) forever.
        completes: (scenario == Scenario::Job).then_some(native),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K29: K8sVersion = K8sVersion::new(29);

    #[test]
    fn native_job_completes_and_legacy_job_does_not() {
        assert_eq!(
            scenario_expectation(Scenario::Job, EffectiveMode::Native, K29).completes,
            Some(true)
        );
        assert_eq!(
            scenario_expectation(Scenario::Job, EffectiveMode::Legacy, K29).completes,
            Some(false)
        );
        assert_eq!(
            scenario_expectation(Scenario::Sleep, EffectiveMode::Native, K29).completes,
            None
        );
    }

    #[test]
    fn init_traffic_needs_a_native_proxy() {
        assert_eq!(
            scenario_expectation(Scenario::InitTraffic, EffectiveMode::Native, K29).succeeds,
            Some(true)
        );
        assert_eq!(
            scenario_expectation(Scenario::InitTraffic, EffectiveMode::Legacy, K29).succeeds,
            Some(false)
        );
    }

    // §1.1: ordered termination from 1.29; nothing promised on 1.28.
    #[test]
    fn shutdown_traffic_needs_ordered_termination() {
        assert_eq!(
            scenario_expectation(Scenario::ShutdownTraffic, EffectiveMode::Native, K29).succeeds,
            Some(true)
        );
        assert_eq!(
            scenario_expectation(
                Scenario::ShutdownTraffic,
                EffectiveMode::Native,
                K8sVersion::new(28)
            )
            .succeeds,
            None
        );
        assert_eq!(
            scenario_expectation(Scenario::ShutdownTraffic, EffectiveMode::Legacy, K29).succeeds,
            Some(false)
        );
    }

    #[test]
    fn rejected_pods_never_exist() {
        for scenario in Scenario::ALL {
            let expected = scenario_expectation(scenario, EffectiveMode::Rejected, K29);
            assert!(!expected.pod_created);
            assert_eq!(expected.succeeds, Some(false));
        }
    }
}
