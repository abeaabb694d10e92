//! Property tests: for generated pods, injection is idempotent, keeps every user container in
//! order, adds exactly one proxy where the mode says, and never overwrites a user's env value.

use proptest::prelude::*;
use serde_json::{Value, json};
use sidecar_injector::config::DEFAULT_PROXY_CONTAINER_NAME;
use sidecar_injector::{Decision, InjectorConfig, Mode, mutate_pod};

/// The proxy settings, each spelt two ways; a setting is added whole or not at all.
const PROXY_SETTINGS: [[&str; 2]; 3] = [
    ["HTTP_PROXY", "http_proxy"],
    ["HTTPS_PROXY", "https_proxy"],
    ["NO_PROXY", "no_proxy"],
];

fn env_var() -> impl Strategy<Value = Value> {
    let name = prop_oneof![
        Just("HTTP_PROXY".to_owned()),
        Just("http_proxy".to_owned()),
        Just("https_proxy".to_owned()),
        Just("NO_PROXY".to_owned()),
        Just("no_proxy".to_owned()),
        "[A-Z][A-Z0-9_]{0,8}",
    ];
    (name, "[a-z0-9:/.]{0,12}").prop_map(|(name, value)| json!({"name": name, "value": value}))
}

fn container(prefix: &'static str) -> impl Strategy<Value = Value> {
    (
        "[a-z][a-z0-9-]{0,10}",
        prop::option::of(prop::collection::vec(env_var(), 0..5)),
        any::<bool>(),
    )
        .prop_map(move |(name, env, sidecar)| {
            let mut c = json!({"name": format!("{prefix}-{name}"), "image": "busybox"});
            if let Some(env) = env {
                c["env"] = Value::Array(env);
            }
            if sidecar && prefix == "init" {
                c["restartPolicy"] = json!("Always");
            }
            c
        })
}

fn pod() -> impl Strategy<Value = Value> {
    (
        prop::collection::vec(container("app"), 1..4),
        prop::option::of(prop::collection::vec(container("init"), 0..4)),
        prop::option::of(prop::sample::select(vec!["native", "legacy"])),
        any::<bool>(),
    )
        .prop_map(|(containers, init, mode, with_annotations)| {
            let mut pod = json!({"metadata": {"name": "p"}, "spec": {"containers": containers}});
            if let Some(init) = init {
                pod["spec"]["initContainers"] = Value::Array(init);
            }
            if with_annotations {
                pod["metadata"]["annotations"] = json!({"team": "a/b"});
            }
            if let Some(mode) = mode {
                pod["metadata"]["annotations"]["sidecar-e2e/mode"] = json!(mode);
            }
            pod
        })
}

fn inject(pod: &Value, mode: Mode) -> Value {
    match mutate_pod(pod, &InjectorConfig::new(mode)).expect("generated pods are injectable") {
        Decision::Inject { patch, .. } => {
            let mut out = pod.clone();
            json_patch::patch(&mut out, &patch).expect("patch applies");
            out
        }
        Decision::Skip(reason) => panic!("generated pod skipped: {reason:?}"),
    }
}

fn containers<'a>(pod: &'a Value, list: &str) -> Vec<&'a Value> {
    pod["spec"][list]
        .as_array()
        .map(|v| v.iter().collect())
        .unwrap_or_default()
}

fn without_proxy<'a>(list: &[&'a Value]) -> Vec<&'a Value> {
    list.iter()
        .copied()
        .filter(|c| c["name"] != DEFAULT_PROXY_CONTAINER_NAME)
        .collect()
}

fn env_of(container: &Value) -> Vec<(String, Value)> {
    container["env"]
        .as_array()
        .map(|env| {
            env.iter()
                .map(|v| {
                    (
                        v["name"].as_str().unwrap_or("").to_owned(),
                        v["value"].clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn injection_is_idempotent(pod in pod(), default_native in any::<bool>()) {
        let mode = if default_native { Mode::Native } else { Mode::Legacy };
        let once = inject(&pod, mode);
        for again in [Mode::Native, Mode::Legacy] {
            let decision = mutate_pod(&once, &InjectorConfig::new(again)).expect("decides");
            prop_assert!(matches!(decision, Decision::Skip(_)), "second injection changed the pod");
        }
    }

    #[test]
    fn keeps_user_containers_in_order_and_adds_exactly_one_proxy(pod in pod(), default_native in any::<bool>()) {
        let mode = if default_native { Mode::Native } else { Mode::Legacy };
        let effective = match pod["metadata"]["annotations"]["sidecar-e2e/mode"].as_str() {
            Some("native") => Mode::Native,
            Some("legacy") => Mode::Legacy,
            _ => mode,
        };
        let out = inject(&pod, mode);
        for list in ["containers", "initContainers"] {
            let before: Vec<&str> = containers(&pod, list).iter().map(|c| c["name"].as_str().unwrap_or("")).collect();
            let after: Vec<&str> = without_proxy(&containers(&out, list)).iter().map(|c| c["name"].as_str().unwrap_or("")).collect();
            prop_assert_eq!(before, after, "{} order changed", list);
        }
        let proxies: Vec<(&str, usize)> = ["containers", "initContainers"]
            .into_iter()
            .flat_map(|list| containers(&out, list).into_iter().enumerate()
                .filter(|(_, c)| c["name"] == DEFAULT_PROXY_CONTAINER_NAME)
                .map(move |(i, _)| (list, i)))
            .collect();
        let expected = match effective {
            Mode::Native => ("initContainers", 0),
            Mode::Legacy => ("containers", containers(&pod, "containers").len()),
        };
        prop_assert_eq!(proxies, vec![expected]);
    }

    #[test]
    fn never_overwrites_a_user_env_value(pod in pod()) {
        let out = inject(&pod, Mode::Native);
        for list in ["containers", "initContainers"] {
            let before = containers(&pod, list);
            let after = without_proxy(&containers(&out, list));
            for (b, a) in before.iter().zip(after) {
                let user_env = env_of(b);
                let new_env = env_of(a);
                // Everything the user had is still there, first, unchanged.
                prop_assert_eq!(&new_env[..user_env.len()], &user_env[..]);
                // A setting the user made in either spelling gets nothing added; any other gets
                // both spellings once.
                for setting in PROXY_SETTINGS {
                    let user_set = setting.iter().any(|var| user_env.iter().any(|(n, _)| n == var));
                    for var in setting {
                        let user_count = user_env.iter().filter(|(n, _)| n == var).count();
                        let new_count = new_env.iter().filter(|(n, _)| n == var).count();
                        let expected = if user_set { user_count } else { 1 };
                        prop_assert_eq!(new_count, expected, "{}", var);
                    }
                }
            }
        }
    }
}
