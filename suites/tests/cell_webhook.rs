//! The builtin injector's webhook on the cluster `sidecar-e2e cluster up` made, asked through
//! server-side dry-runs: it admits a pod with the proxy where the cell's mode puts it, leaves
//! alone pods that opt out and namespaces that are not labelled, and denies what it promises to
//! deny (a container that already has the proxy's name, an `inject` value it does not know).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::PostParams;
use serde_json::json;
use sidecar_e2e_core::plan::{EffectiveMode, InjectorSpec};
use sidecar_e2e_runner::api::{create_namespace, delete_namespace, run_labels};
use sidecar_suites::cell::{cell_env, keep};

const PROXY: &str = "sidecar-proxy";

fn pod(name: &str, container: &str, annotations: serde_json::Value) -> Pod {
    serde_json::from_value(json!({
        "metadata": {"name": name, "annotations": annotations},
        "spec": {"containers": [{"name": container, "image": "registry.k8s.io/pause:3.10"}]},
    }))
    .expect("a pod")
}

async fn dry_run(api: &Api<Pod>, pod: &Pod) -> Result<Pod, kube::Error> {
    let params = PostParams {
        dry_run: true,
        field_manager: Some("sidecar-e2e".to_owned()),
    };
    api.create(&params, pod).await
}

fn names(containers: Option<&Vec<k8s_openapi::api::core::v1::Container>>) -> Vec<String> {
    containers
        .into_iter()
        .flatten()
        .map(|c| c.name.clone())
        .collect()
}

#[test]
fn webhook_admits_and_denies_as_the_injector_promises() {
    let env = cell_env();
    assert_eq!(
        env.cell.injector,
        InjectorSpec::builtin(),
        "this suite is about the builtin injector"
    );
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(async {
        let client = env.client().await;
        let injected_ns = env.namespace("webhook");
        let plain_ns = env.namespace("no-injection");
        let mut labels = run_labels(&env.run_id);
        create_namespace(&client, &plain_ns, labels.clone()).await.expect("namespace");
        // The builtin profile's opt-in.
        labels.extend(env.cell.injector.profile().opt_in.namespace_labels.clone());
        create_namespace(&client, &injected_ns, labels).await.expect("namespace");
        let api = Api::<Pod>::namespaced(client.clone(), &injected_ns);
        let mut failures: Vec<String> = Vec::new();

        // Admitted, with the proxy where the cell's layout puts it.
        match dry_run(&api, &pod("app", "app", json!({}))).await {
            Ok(stored) => {
                let spec = stored.spec.clone().unwrap_or_default();
                let init = spec.init_containers.clone().unwrap_or_default();
                let placed = match env.effective_mode {
                    EffectiveMode::Native => init
                        .first()
                        .is_some_and(|c| c.name == PROXY && c.restart_policy.as_deref() == Some("Always")),
                    EffectiveMode::Legacy => spec.containers.last().is_some_and(|c| c.name == PROXY),
                    EffectiveMode::Rejected => false,
                };
                if !placed {
                    failures.push(format!(
                        "{} layout expected; init containers {:?}, containers {:?}",
                        env.effective_mode,
                        names(spec.init_containers.as_ref()),
                        names(Some(&spec.containers))
                    ));
                }
                let annotations: BTreeMap<String, String> =
                    stored.metadata.annotations.clone().unwrap_or_default();
                if !annotations.contains_key("sidecar-e2e/status") {
                    failures.push(format!("no sidecar-e2e/status annotation: {annotations:?}"));
                }
            }
            Err(err) if env.effective_mode == EffectiveMode::Rejected => {
                if !err.to_string().contains("restartPolicy") {
                    failures.push(format!("a rejected cell's pod must be refused for its proxy: {err}"));
                }
            }
            Err(err) => failures.push(format!("a plain pod must be admitted: {err}")),
        }

        // Left alone: a pod that opts out, and any pod of a namespace without the label.
        let opted_out = pod("opted-out", "app", json!({"sidecar-e2e/inject": "false"}));
        let plain_api = Api::<Pod>::namespaced(client.clone(), &plain_ns);
        for (what, result) in [
            ("an opted-out pod", dry_run(&api, &opted_out).await),
            ("a pod of an unlabelled namespace", dry_run(&plain_api, &pod("plain", "app", json!({}))).await),
        ] {
            match result {
                Ok(stored) => {
                    let spec = stored.spec.unwrap_or_default();
                    let all: Vec<String> = names(spec.init_containers.as_ref())
                        .into_iter()
                        .chain(names(Some(&spec.containers)))
                        .collect();
                    if all.iter().any(|n| n == PROXY) {
                        failures.push(format!("{what} must not be injected: {all:?}"));
                    }
                }
                Err(err) => failures.push(format!("{what} must be admitted: {err}")),
            }
        }

        // Denied, by the webhook, naming the reason.
        for (what, denied_pod, needle) in [
            ("a container named like the proxy", pod("clash", PROXY, json!({})), PROXY),
            (
                "an inject value the injector does not know",
                pod("bogus", "app", json!({"sidecar-e2e/inject": "maybe"})),
                "maybe",
            ),
        ] {
            match dry_run(&api, &denied_pod).await {
                Ok(_) => failures.push(format!("{what} must be denied, and was admitted")),
                Err(err) => {
                    let text = err.to_string();
                    if !(text.contains("denied the request") && text.contains(needle)) {
                        failures.push(format!("{what}: the denial must come from the webhook and name {needle:?}: {text}"));
                    }
                }
            }
        }

        let failed = !failures.is_empty();
        if !failed || !keep() {
            let _ = delete_namespace(&client, &injected_ns).await;
            let _ = delete_namespace(&client, &plain_ns).await;
        }
        assert!(!failed, "the webhook on {} broke its promises:\n- {}", env.cell.slug(), failures.join("\n- "));
    });
}
