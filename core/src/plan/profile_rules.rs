//! An injector profile's rules in words, for `plan`: what a reader needs to understand the
//! cells it gives (the container, the opt-in, the layout per requested mode, the legacy quirks,
//! the traffic) and where the profile came from.

use super::injector::InjectorSpec;
use super::profile::{
    AutoRule, InitTraffic, Injects, ModeRule, Placement, ShutdownTraffic, SidecarRole, Traffic,
};

/// The rules of `injector`'s profile, one line each, for a reader of `plan`.
pub fn rule_lines(injector: InjectorSpec) -> Vec<String> {
    let profile = injector.profile();
    let role = match profile.sidecar.role {
        SidecarRole::Proxy => "proxy",
        SidecarRole::Collector => "collector",
        SidecarRole::Agent => "agent",
    };
    let placement = match profile.sidecar.placement {
        Placement::First => "before the pod's own init containers",
        Placement::Last => "after the pod's own init containers",
    };
    let mut lines = vec![
        format!("{injector}: {} ({})", profile.summary, profile.source),
        format!(
            "  adds {} ({role}); natively {placement}",
            profile.sidecar.container
        ),
    ];
    let opt_in: Vec<String> = profile
        .opt_in
        .namespace_labels
        .iter()
        .map(|(k, v)| format!("label {k}={v}"))
        .chain(
            profile
                .opt_in
                .namespace_annotations
                .iter()
                .map(|(k, v)| format!("annotation {k}={v}")),
        )
        .collect();
    if !opt_in.is_empty() {
        lines.push(format!("  namespaces opt in with {}", opt_in.join(", ")));
    }
    for (mode, rule) in [
        ("auto", &profile.layout.auto),
        ("native", &profile.layout.native),
        ("legacy", &profile.layout.legacy),
    ] {
        lines.push(format!(
            "  --mode {mode}: {}",
            mode_words(rule, &profile.layout.by_version)
        ));
    }
    let init = match profile.legacy.init_traffic {
        InitTraffic::Fails => "fails",
        InitTraffic::BypassesSidecar => "bypasses the sidecar and succeeds",
    };
    let shutdown = match profile.legacy.shutdown_traffic {
        ShutdownTraffic::Fails => "fails",
        ShutdownTraffic::Drains => "gets through while the sidecar drains",
        ShutdownTraffic::Unasserted => "is not asserted",
    };
    lines.push(format!(
        "  legacy: an init container's traffic {init}; traffic after SIGTERM {shutdown}"
    ));
    lines.push(match &profile.traffic {
        Traffic::HttpThroughProxy => {
            "  traffic: HTTP to httpbin through the proxy, seen in its access log".to_owned()
        }
        Traffic::None => format!("  traffic: none ({})", super::profile::NO_TRAFFIC),
        Traffic::OtlpToCollector { endpoint, evidence } => {
            format!("  traffic: an OTLP log record posted to {endpoint}, seen as {evidence:?} in its log")
        }
    });
    lines
}

/// What one mode rule does, in words.
fn mode_words(rule: &ModeRule, by_version: &AutoRule) -> String {
    if let Some(why) = &rule.unsupported {
        return format!("not available: {why}");
    }
    let layout = match rule.injects {
        Injects::Native => "native".to_owned(),
        Injects::Legacy => "legacy".to_owned(),
        Injects::FollowsGate => {
            "native where the cluster honours native sidecars, else legacy".to_owned()
        }
        Injects::ByVersion => {
            let mut when = Vec::new();
            if let Some(v) = by_version.injector_from {
                when.push(format!("the injector is {v} or newer"));
            }
            if let Some(v) = by_version.kubelet_from {
                when.push(format!("every kubelet is {v} or newer"));
            }
            if let Some(v) = by_version.api_server_from {
                when.push(format!("the API server is {v} or newer"));
            }
            format!(
                "native where {}, else legacy (the gate is not read)",
                when.join(" and ")
            )
        }
    };
    match rule.from_version {
        Some(v) => format!("{layout} (from injector {v})"),
        None => layout,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_otel_rules_say_what_the_plan_applies() {
        let otel: InjectorSpec = "otel".parse().expect("shipped");
        let text = rule_lines(otel).join("\n");
        for words in [
            "otel@0.153: ",
            "adds otc-container (collector); natively after the pod's own init containers",
            "annotation sidecar.opentelemetry.io/inject=true",
            "--mode auto: native where the API server is 1.29 or newer, else legacy (the gate is not read)",
            "--mode native: not available:",
            "OTLP log record posted to http://127.0.0.1:4318/v1/logs",
        ] {
            assert!(text.contains(words), "{words:?} in\n{text}");
        }
        let istio: InjectorSpec = "istio".parse().expect("shipped");
        let text = rule_lines(istio).join("\n");
        assert!(
            text.contains(
                "native where the injector is 1.27 or newer and every kubelet is 1.33 or newer"
            ),
            "{text}"
        );
        assert!(
            text.contains("--mode native: native (from injector 1.19)"),
            "{text}"
        );
    }
}
