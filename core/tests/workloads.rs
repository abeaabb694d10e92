//! The workload manifests agree with what the verdicts look for: pods labelled `app=<scenario>`,
//! evidence lines for each request step, and an injectable pod template in both modes.

use serde_json::Value;

use sidecar_e2e_core::plan::{Cell, Gate, InjectorSpec, K8sVersion, RequestedMode, plan_cell};
use sidecar_e2e_core::scenario::{Check, HTTPBIN_MANIFEST, Scenario, Target};
use sidecar_injector::{InjectorConfig, Mode, inject_manifest, yaml};

/// The pod template (or pod) of the scenario's workload.
fn pod_template(doc: &Value) -> &Value {
    match doc["kind"].as_str() {
        Some("Pod") => doc,
        Some("Deployment" | "Job") => &doc["spec"]["template"],
        other => panic!("unexpected kind {other:?}"),
    }
}

/// The evidence step of an injected scenario's request, from its checks on a native 1.32 cell.
fn request_step(scenario: Scenario) -> &'static str {
    let planned = plan_cell(Cell {
        k8s: K8sVersion::new(32),
        gate: Gate::On,
        injector: InjectorSpec::builtin(),
        requested_mode: RequestedMode::Native,
        worker: None,
    })
    .expect("plans");
    let target = Target::of(&planned).expect("valid");
    scenario
        .checks(&target)
        .into_iter()
        .find_map(|c| match c {
            Check::Request { step, .. } => Some(step),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{scenario}: an injected scenario checks its request"))
}

/// The scenarios whose pods the injector gets.
fn injected() -> impl Iterator<Item = Scenario> {
    Scenario::ALL.into_iter().filter(|s| s.injected())
}

#[test]
fn every_workload_labels_its_pods_and_prints_its_evidence_step() {
    for scenario in injected() {
        let docs = yaml::parse_documents(scenario.manifest()).expect("manifest parses");
        assert_eq!(docs.len(), 1, "{scenario}: one object");
        let template = pod_template(&docs[0]);
        assert_eq!(
            template["metadata"]["labels"]["app"],
            scenario.name(),
            "{scenario}: pod label app"
        );
        let evidence = format!(
            "sidecar-e2e evidence scenario={} step={}",
            scenario.name(),
            request_step(scenario)
        );
        assert!(
            scenario.manifest().contains(&evidence),
            "{scenario}: must print `{evidence} …`"
        );
        assert!(
            scenario
                .manifest()
                .contains("curl_exit=$rc http_status=$code"),
            "{scenario}"
        );
        assert!(
            scenario.manifest().contains("${SEND}"),
            "{scenario}: defines the profile's send function"
        );
        assert!(
            scenario
                .manifest()
                .contains(&format!("\"sidecar-e2e scenario={} step=", scenario.name())),
            "{scenario}: sends its own marker"
        );
    }
}

#[test]
fn workloads_inject_in_both_modes_and_httpbin_opts_out() {
    for mode in [Mode::Native, Mode::Legacy] {
        let config = InjectorConfig::new(mode);
        for scenario in injected() {
            let injected = inject_manifest(scenario.manifest(), &config).expect("injects");
            let yaml = injected.to_yaml();
            assert!(yaml.contains("sidecar-proxy"), "{scenario} ({mode})");
        }
        let httpbin = inject_manifest(HTTPBIN_MANIFEST, &config).expect("injects");
        assert!(
            !httpbin.to_yaml().contains("sidecar-proxy"),
            "httpbin must stay uninjected"
        );
    }
}

#[test]
fn init_traffic_fails_its_pod_when_the_request_fails() {
    // restartPolicy Never plus a failing exit status keeps the legacy failure visible
    // (Init:Error) instead of retrying forever.
    let manifest = Scenario::InitTraffic.manifest();
    assert!(manifest.contains("restartPolicy: Never"));
    assert!(manifest.contains("[ \"$rc\" = 0 ] && [ \"$code\" = 200 ]"));
}
