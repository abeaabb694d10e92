//! `init-traffic`: an init container sends through the sidecar (fetches `/get` from httpbin
//! through a proxy; posts a record to a collector). It needs the sidecar to exist already, which
//! only a native sidecar placed before the pod's init containers does (§7): a legacy sidecar is a
//! regular container that starts after every init container.

use super::end::{EndCondition, Progress};
use super::expectation::{ScenarioExpectation, proxied, proxied_checks};
use super::target::Target;
use super::{Check, NodeUse, PlanColumn, ScenarioDef};
use crate::plan::{EffectiveMode, InitTraffic, Placement};
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
    target.sidecar_traffic()?;
    let succeeds = native_and_first(target) || bypasses_a_legacy_proxy(target);
    let mut expected = proxied(target, Some(succeeds), None);
    if !succeeds {
        // The init container exits non-zero (restartPolicy Never): no app ever starts, so
        // there is no startup order to see.
        expected.proxy_starts_first = None;
    }
    Ok(expected)
}

/// A native sidecar is up before the pod's own init containers only where the injector puts it
/// first. The OpenTelemetry Operator appends its collector after them (pkg/sidecar/pod.go), so
/// there even a native collector does not exist yet when the init container sends.
fn native_and_first(target: &Target) -> bool {
    target.mode == EffectiveMode::Native
        && target.injector.profile().sidecar.placement == Placement::First
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
    proxied_checks(
        expected,
        target,
        "init-request",
        "",
        !bypasses_a_legacy_proxy(target),
    )
}

fn end(progress: &Progress<'_>) -> Option<EndCondition> {
    // A legacy proxy keeps the pod Running after the app exits: that is as finished as it gets.
    progress
        .pods
        .iter()
        .any(|p| is_finished(p) || (is_running(p) && all_apps_terminated(p, &progress.roles)))
        .then_some(EndCondition::Done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{InjectorSpec, K8sVersion};

    fn target(injector: &str, mode: EffectiveMode) -> Target {
        Target {
            k8s: K8sVersion::new(32),
            patch: None,
            sidecars_on: mode == EffectiveMode::Native,
            mode,
            injector: injector.parse::<InjectorSpec>().expect("shipped"),
            api_server: K8sVersion::new(32),
        }
    }

    #[test]
    fn only_a_native_sidecar_placed_first_is_up_for_the_init_container() {
        let succeeds = |injector, mode| {
            expectation(&target(injector, mode))
                .expect("applies")
                .succeeds
        };
        assert_eq!(succeeds("builtin", EffectiveMode::Native), Some(true));
        assert_eq!(succeeds("builtin", EffectiveMode::Legacy), Some(false));
        // The collector is appended after the pod's init containers, native or not.
        assert_eq!(succeeds("otel", EffectiveMode::Native), Some(false));
        assert_eq!(succeeds("otel", EffectiveMode::Legacy), Some(false));
        // Istio's legacy init request goes around the proxy and gets through.
        assert_eq!(succeeds("istio", EffectiveMode::Legacy), Some(true));
    }
}
