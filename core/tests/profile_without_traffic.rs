//! A profile whose sidecar carries no traffic of the pod's (an agent): the scenarios about
//! traffic are not applicable, with the reason, and the others assert no request.

use std::collections::BTreeMap;
use std::path::Path;

use sidecar_e2e_core::plan::{
    EffectiveMode, InjectorSpec, K8sVersion, NO_TRAFFIC, Profiles, rule_lines,
};
use sidecar_e2e_core::scenario::{Check, Scenario, Target};

const AGENT: &str = "name: test-agent\nsummary: a secrets agent\n\
    sidecar: {container: agent, role: agent}\n\
    layout:\n  native: {injects: native}\n  legacy: {injects: legacy}\n  auto: {injects: follows-gate}\n\
    traffic: {kind: none}\n\
    install:\n  istioctl: {set: []}\n";

fn target(mode: EffectiveMode) -> Target {
    let profile =
        Profiles::load(Path::new("agent.yaml"), AGENT, BTreeMap::new()).expect("a valid profile");
    Target {
        k8s: K8sVersion::new(32),
        patch: None,
        sidecars_on: mode == EffectiveMode::Native,
        mode,
        injector: InjectorSpec::of_profile(profile),
        api_server: K8sVersion::new(32),
    }
}

#[test]
fn scenarios_about_traffic_are_not_applicable_and_say_why() {
    for mode in [EffectiveMode::Native, EffectiveMode::Legacy] {
        let target = target(mode);
        for scenario in [Scenario::InitTraffic, Scenario::ShutdownTraffic] {
            assert_eq!(
                scenario.expectation(&target),
                Err(NO_TRAFFIC),
                "{scenario} {mode}"
            );
        }
        for scenario in [Scenario::Sleep, Scenario::Job] {
            let expected = scenario.expectation(&target).expect("runs");
            assert_eq!(expected.succeeds, None, "{scenario} {mode}");
            let checks = scenario.checks(&target);
            assert!(
                checks.iter().any(|c| matches!(
                    c,
                    Check::Request {
                        succeeds: None,
                        unasserted_because: Some(why),
                        ..
                    } if *why == NO_TRAFFIC
                )),
                "{scenario} {mode}: {checks:?}"
            );
            assert!(
                !checks
                    .iter()
                    .any(|c| matches!(c, Check::AccessLog | Check::CollectorReceived { .. })),
                "{scenario} {mode}: nothing to find in the sidecar's log"
            );
        }
    }
    let rules = rule_lines(target(EffectiveMode::Native).injector).join("\n");
    assert!(rules.contains("traffic: none"), "{rules}");
}
