//! Golden tests: real-world manifests through `inject`, in both modes, compared with reviewed output.
//!
//! The Envoy bootstrap is the same in every injected pod; it is checked once per pod against
//! `Bootstrap::default()` and then replaced by a marker, so the goldens show the layout and env
//! changes a reviewer cares about. The bootstrap has its own golden.

use std::path::Path;

use serde_json::Value;
use sidecar_injector::bootstrap::Bootstrap;
use sidecar_injector::config::DEFAULT_PROXY_CONTAINER_NAME;
use sidecar_injector::{InjectorConfig, Mode, inject_manifest, yaml};

const BOOTSTRAP_MARKER: &str = "<envoy bootstrap: see the bootstrap golden>";

fn data(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/manifests")
        .join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("must read {}: {err}", path.display()))
}

/// Replaces the bootstrap argument of every proxy container, after checking it is the default.
fn elide_bootstrap(value: &mut Value, expected: &str) {
    match value {
        Value::Object(map) => {
            if map.get("name").and_then(Value::as_str) == Some(DEFAULT_PROXY_CONTAINER_NAME) {
                let args = map
                    .get_mut("args")
                    .and_then(Value::as_array_mut)
                    .expect("proxy container must have args");
                assert_eq!(args[0], "--config-yaml");
                assert_eq!(args[1], expected, "proxy must run the default bootstrap");
                args[1] = Value::String(BOOTSTRAP_MARKER.to_owned());
            }
            map.values_mut().for_each(|v| elide_bootstrap(v, expected));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| elide_bootstrap(v, expected)),
        _ => {}
    }
}

fn golden(file: &str, mode: Mode) -> String {
    let injected = inject_manifest(&data(file), &InjectorConfig::new(mode)).unwrap_or_else(|err| {
        panic!(
            "{file} must inject: {}",
            sidecar_injector::error_chain(&err)
        )
    });
    let mut documents = injected.documents.clone();
    let bootstrap = Bootstrap::default().to_yaml();
    documents
        .iter_mut()
        .for_each(|d| elide_bootstrap(d, &bootstrap));
    let outcomes = serde_json::to_string_pretty(&injected.outcomes).expect("outcomes serialise");
    format!(
        "# outcomes\n{outcomes}\n# output\n{}",
        yaml::write_documents(&documents)
    )
}

macro_rules! golden_tests {
    ($($name:ident: $file:literal,)*) => {
        mod native {
            use super::*;
            $(#[test] fn $name() { insta::assert_snapshot!(golden($file, Mode::Native)); })*
        }
        mod legacy {
            use super::*;
            $(#[test] fn $name() { insta::assert_snapshot!(golden($file, Mode::Legacy)); })*
        }
    };
}

golden_tests! {
    statefulset: "statefulset.yaml",
    host_network_deployment: "hello-host-network.yaml",
    cronjob_old_api_version: "cronjob.yaml",
    deployment_with_init_containers: "multi-init.yaml",
    job: "job.yaml",
    multi_document: "hello-multi.yaml",
    user_proxy_env: "user-proxy-env.yaml",
    mixed_list: "mixed-list.yaml",
}

#[test]
fn bootstrap() {
    insta::assert_snapshot!(Bootstrap::default().to_yaml());
}

#[test]
fn output_reinjected_is_identical() {
    for file in [
        "multi-init.yaml",
        "hello-multi.yaml",
        "mixed-list.yaml",
        "cronjob.yaml",
    ] {
        for mode in [Mode::Native, Mode::Legacy] {
            let config = InjectorConfig::new(mode);
            let once = inject_manifest(&data(file), &config)
                .expect("injects")
                .to_yaml();
            let twice = inject_manifest(&once, &config)
                .expect("re-injects")
                .to_yaml();
            assert_eq!(once, twice, "{file} ({mode}) changed on a second injection");
        }
    }
}
