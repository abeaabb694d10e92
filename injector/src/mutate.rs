//! The pure heart of the injector: decide what to do with one pod and say it as a JSON patch.
//!
//! Both the webhook and the `inject` CLI call [`mutate_pod`]; the CLI applies the patch to the pod
//! template itself, so both paths give byte-for-byte the same pod.
//!
//! The pod is handled as JSON rather than as a typed `Pod` so that fields this build's
//! `k8s-openapi` does not know (newer Kubernetes versions) survive untouched.

use json_patch::jsonptr::PointerBuf;
use json_patch::{AddOperation, Patch, PatchOperation};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::config::{ANNOTATION_INJECT, ANNOTATION_MODE, ANNOTATION_STATUS, InjectorConfig, Mode};
use crate::proxy::proxy_container_json;

/// Why a pod cannot be injected. The webhook denies such a pod rather than admit it without its
/// proxy; the CLI exits non-zero.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MutateError {
    /// `spec` is absent or not an object.
    #[error("pod has no spec")]
    MissingSpec,
    /// `spec.containers` is absent or empty.
    #[error("pod spec has no containers")]
    NoContainers,
    /// A field has the wrong JSON type.
    #[error("{path} must be {expected}")]
    WrongType {
        /// JSON pointer of the field.
        path: String,
        /// What the field should be.
        expected: &'static str,
    },
    /// A user container already uses the proxy's name.
    #[error(
        "{list}[{index}] is named {name:?}, which the injector reserves for its proxy; \
         rename it, or opt the pod out with annotation {ANNOTATION_INJECT}: \"false\""
    )]
    ReservedName {
        /// `containers` or `initContainers`.
        list: &'static str,
        /// Index in that list.
        index: usize,
        /// The proxy's name ([`InjectorConfig::container_name`]), which the container has.
        name: String,
    },
    /// The per-pod mode annotation has a value we do not know.
    #[error("annotation {ANNOTATION_MODE} is {value:?}; expected \"native\" or \"legacy\"")]
    BadModeAnnotation {
        /// The value found.
        value: String,
    },
    /// The opt-out annotation has a value that is neither yes nor no.
    #[error(
        "annotation {ANNOTATION_INJECT} is {value:?}; expected \"false\" (or n, no, off) to opt \
         out, \"true\" (or y, yes, on) or nothing to inject"
    )]
    BadInjectAnnotation {
        /// The value found.
        value: String,
    },
    /// An annotation value that is not a string: the API server refuses the object.
    #[error(
        "annotation {annotation} is {found}, not a string; annotation values must be strings \
         (quote it in YAML: {annotation}: \"{found}\")"
    )]
    AnnotationNotString {
        /// Annotation name.
        annotation: &'static str,
        /// The value, as JSON.
        found: String,
    },
    /// A status annotation this injector did not write: trusting it would skip a pod that has
    /// no proxy.
    #[error(
        "annotation {ANNOTATION_STATUS} is {value}, which is not an injection record; remove it \
         to inject the pod, or opt the pod out with {ANNOTATION_INJECT}: \"false\""
    )]
    BadStatusAnnotation {
        /// The value found, as JSON.
        value: String,
    },
}

/// Why a pod was left alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SkipReason {
    /// Annotation `sidecar-e2e/inject: "false"` (or `n`, `no`, `off`, in any case).
    OptedOut,
    /// `hostNetwork: true`: a proxy on the node's loopback would serve every pod on the node.
    HostNetwork,
    /// The status annotation is already there: injecting twice must change nothing.
    AlreadyInjected,
}

impl SkipReason {
    /// A short phrase for logs.
    pub fn describe(self) -> &'static str {
        match self {
            SkipReason::OptedOut => "opted out by annotation",
            SkipReason::HostNetwork => "uses the host network",
            SkipReason::AlreadyInjected => "already injected",
        }
    }
}

/// An env var the user had set, which the injector therefore left as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptEnv {
    /// Container name.
    pub container: String,
    /// Variable name (`HTTP_PROXY`, `NO_PROXY`, …).
    pub name: String,
}

/// What the status annotation records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InjectionStatus {
    /// Version of this record.
    pub version: u32,
    /// Layout used.
    pub mode: Mode,
    /// Injected init containers (the proxy, in native mode).
    pub init_containers: Vec<String>,
    /// Injected regular containers (the proxy, in legacy mode).
    pub containers: Vec<String>,
    /// Proxy image.
    pub image: String,
    /// Env vars the user had set, kept instead of the injector's value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kept_env: Vec<KeptEnv>,
}

/// The result of looking at one pod.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Apply `patch` to the pod.
    Inject {
        /// The JSON patch (RFC 6902) against the pod object.
        patch: Patch,
        /// What the status annotation says.
        status: InjectionStatus,
    },
    /// Leave the pod as it is.
    Skip(SkipReason),
}

/// One proxy setting, spelt two ways: curl reads the lower-case name (and only that one for
/// `http_proxy`), Go and Python read either. Setting one spelling and injecting the other would
/// leave two programs in one pod talking to two proxies, so a setting is added whole or not at all.
#[derive(Debug, Clone)]
struct ProxySetting {
    names: [&'static str; 2],
    entries: [Value; 2],
}

/// The proxy settings every user container gets, in this order.
fn proxy_env(config: &InjectorConfig) -> Vec<ProxySetting> {
    let proxy = config.ports.http_proxy_url();
    // Loopback must bypass the proxy: the admin port (`/quitquitquit`) and the app's own ports.
    let no_proxy = "localhost,127.0.0.1,::1";
    [
        (["HTTP_PROXY", "http_proxy"], proxy.as_str()),
        // HTTPS goes through the same listener as CONNECT tunnels: TLS stays end to end.
        (["HTTPS_PROXY", "https_proxy"], proxy.as_str()),
        (["NO_PROXY", "no_proxy"], no_proxy),
    ]
    .into_iter()
    .map(|(names, value)| ProxySetting {
        names,
        entries: names.map(|name| json!({ "name": name, "value": value })),
    })
    .collect()
}

/// An [`InjectorConfig`] with what every injection shares computed once: the proxy container in
/// both layouts (rendering its Envoy bootstrap as YAML is most of an injection's cost) and the
/// env var entries. Build one per configuration and reuse it.
#[derive(Debug, Clone)]
pub struct Injector {
    config: InjectorConfig,
    native_proxy: Value,
    legacy_proxy: Value,
    /// `native_proxy` and `legacy_proxy` as JSON text, for [`Injector::mutate_to_json`].
    native_proxy_json: String,
    legacy_proxy_json: String,
    env: Vec<ProxySetting>,
}

/// Decides what to do with a pod (`{metadata, spec}`: a Pod or a pod template) and returns the
/// patch that does it. A shorthand for [`Injector::new`] then [`Injector::mutate`].
///
/// # Errors
/// [`MutateError`] when the pod is malformed or conflicts with the injector.
pub fn mutate_pod(pod: &Value, config: &InjectorConfig) -> Result<Decision, MutateError> {
    Injector::new(config.clone()).mutate(pod)
}

impl Injector {
    /// Prepares the proxy containers and env entries for `config`.
    pub fn new(config: InjectorConfig) -> Self {
        let native_proxy = proxy_container_json(&config, Mode::Native);
        let legacy_proxy = proxy_container_json(&config, Mode::Legacy);
        Injector {
            native_proxy_json: native_proxy.to_string(),
            legacy_proxy_json: legacy_proxy.to_string(),
            native_proxy,
            legacy_proxy,
            env: proxy_env(&config),
            config,
        }
    }

    /// Decides what to do with a pod (`{metadata, spec}`: a Pod or a pod template) and returns
    /// the patch that does it.
    ///
    /// # Errors
    /// [`MutateError`] when the pod is malformed or conflicts with the injector; the message
    /// names the field and the fix.
    pub fn mutate(&self, pod: &Value) -> Result<Decision, MutateError> {
        let planned = match self.plan(pod)? {
            Planned::Skip(reason) => return Ok(Decision::Skip(reason)),
            Planned::Inject(plan) => plan,
        };
        let PatchPlan {
            mut ops,
            proxy_op,
            status,
        } = planned;
        let proxy = self.proxy(status.mode).clone();
        if let PatchOperation::Add(add) = &mut ops[proxy_op] {
            add.value = if add.value.is_array() {
                json!([proxy])
            } else {
                proxy
            };
        }
        Ok(Decision::Inject {
            patch: Patch(ops),
            status,
        })
    }

    /// Like [`Injector::mutate`], with the patch already serialised as JSON text: byte for byte
    /// what `serde_json::to_vec(&patch)` writes for the patch `mutate` returns.
    ///
    /// The proxy container carries the Envoy bootstrap, a few KiB that would otherwise be cloned
    /// and escaped afresh for every pod; here it is copied from the text rendered once in
    /// [`Injector::new`]. This is the webhook's hot path (see BENCHMARKS.md).
    ///
    /// # Errors
    /// As [`Injector::mutate`].
    pub fn mutate_to_json(&self, pod: &Value) -> Result<JsonDecision, MutateError> {
        let plan = match self.plan(pod)? {
            Planned::Skip(reason) => return Ok(JsonDecision::Skip(reason)),
            Planned::Inject(plan) => plan,
        };
        let proxy = match plan.status.mode {
            Mode::Native => &self.native_proxy_json,
            Mode::Legacy => &self.legacy_proxy_json,
        };
        let mut out = Vec::with_capacity(proxy.len() + 1024);
        out.push(b'[');
        for (i, op) in plan.ops.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            match op {
                PatchOperation::Add(add) if i == plan.proxy_op => {
                    out.extend_from_slice(br#"{"op":"add","path":"#);
                    write_json(&mut out, &add.path);
                    out.extend_from_slice(br#","value":"#);
                    let wrapped = add.value.is_array();
                    if wrapped {
                        out.push(b'[');
                    }
                    out.extend_from_slice(proxy.as_bytes());
                    if wrapped {
                        out.push(b']');
                    }
                    out.push(b'}');
                }
                other => write_json(&mut out, other),
            }
        }
        out.push(b']');
        Ok(JsonDecision::Inject {
            patch_json: out,
            status: plan.status,
        })
    }

    fn proxy(&self, mode: Mode) -> &Value {
        match mode {
            Mode::Native => &self.native_proxy,
            Mode::Legacy => &self.legacy_proxy,
        }
    }

    /// The rules: what to do with the pod, as patch operations in which the proxy's operation
    /// (`proxy_op`) holds a placeholder (`null`, or `[null]` for a new `initContainers`).
    fn plan(&self, pod: &Value) -> Result<Planned, MutateError> {
        let config = &self.config;
        // `metadata: null` and `annotations: null` (Helm writes them) read as absent.
        let metadata = match pod.get("metadata") {
            None | Some(Value::Null) => None,
            Some(metadata @ Value::Object(_)) => Some(metadata),
            Some(_) => {
                return Err(MutateError::WrongType {
                    path: "metadata".to_owned(),
                    expected: "an object",
                });
            }
        };
        let annotations = match metadata.and_then(|m| m.get("annotations")) {
            None | Some(Value::Null) => None,
            Some(annotations @ Value::Object(_)) => Some(annotations),
            Some(_) => {
                return Err(MutateError::WrongType {
                    path: "metadata.annotations".to_owned(),
                    expected: "an object",
                });
            }
        };
        let annotation = |key: &'static str| annotation_text(annotations, key);

        if let Some(status) = annotations.and_then(|a| a.get(ANNOTATION_STATUS)) {
            // Only a record this injector wrote means "injected"; anything else would make the
            // injector skip a pod that has no proxy.
            return match status.as_str().map(serde_json::from_str::<InjectionStatus>) {
                Some(Ok(_)) => Ok(Planned::Skip(SkipReason::AlreadyInjected)),
                _ => Err(MutateError::BadStatusAnnotation {
                    value: status.to_string(),
                }),
            };
        }
        if let Some(value) = annotation(ANNOTATION_INJECT)? {
            // Istio's rule for `sidecar.istio.io/inject`, YAML 1.1's booleans in any case; but
            // where Istio reads anything else as "no", a typo here is an error, not a silent
            // opt-out.
            match value.to_ascii_lowercase().as_str() {
                "" | "y" | "yes" | "true" | "on" => {}
                "n" | "no" | "false" | "off" => return Ok(Planned::Skip(SkipReason::OptedOut)),
                _ => {
                    return Err(MutateError::BadInjectAnnotation {
                        value: value.to_owned(),
                    });
                }
            }
        }
        let spec = pod
            .get("spec")
            .filter(|s| s.is_object())
            .ok_or(MutateError::MissingSpec)?;
        if spec.get("hostNetwork").and_then(Value::as_bool) == Some(true) {
            return Ok(Planned::Skip(SkipReason::HostNetwork));
        }
        let mode = match annotation(ANNOTATION_MODE)? {
            None | Some("") => config.mode,
            Some(value) => value.parse().map_err(|_| MutateError::BadModeAnnotation {
                value: value.to_owned(),
            })?,
        };

        let containers = container_list(spec, "containers")?;
        if containers.is_empty() {
            return Err(MutateError::NoContainers);
        }
        let init_containers = container_list(spec, "initContainers")?;

        let mut ops = Vec::new();
        let mut kept_env = Vec::new();
        for (list, items) in [
            ("initContainers", init_containers),
            ("containers", containers),
        ] {
            for (index, container) in items.iter().enumerate() {
                let name = container.get("name").and_then(Value::as_str).unwrap_or("");
                if name == config.container_name {
                    return Err(MutateError::ReservedName {
                        list,
                        index,
                        name: config.container_name.clone(),
                    });
                }
                add_env_ops(&mut ops, &mut kept_env, list, index, container, &self.env)?;
            }
        }

        let proxy_op = ops.len();
        // `container_list` reads an absent or `null` list as empty; an empty one is replaced
        // whole, since `initContainers/0` cannot be added into `null`.
        match (mode, !init_containers.is_empty()) {
            (Mode::Native, true) => ops.push(add(&["spec", "initContainers", "0"], Value::Null)),
            (Mode::Native, false) => ops.push(add(&["spec", "initContainers"], json!([null]))),
            (Mode::Legacy, _) => ops.push(add(&["spec", "containers", "-"], Value::Null)),
        }

        let status = InjectionStatus {
            version: 1,
            mode,
            init_containers: match mode {
                Mode::Native => vec![config.container_name.clone()],
                Mode::Legacy => vec![],
            },
            containers: match mode {
                Mode::Native => vec![],
                Mode::Legacy => vec![config.container_name.clone()],
            },
            image: config.image.clone(),
            kept_env,
        };
        let status_json =
            serde_json::to_string(&status).unwrap_or_else(|_| unreachable_serialisation());
        // `add` replaces a member that is there, so a null `metadata` or `annotations` is
        // replaced by the object, like an absent one.
        match (metadata, annotations) {
            (None, _) => ops.push(add(
                &["metadata"],
                json!({ "annotations": { ANNOTATION_STATUS: status_json } }),
            )),
            (Some(_), None) => ops.push(add(
                &["metadata", "annotations"],
                json!({ ANNOTATION_STATUS: status_json }),
            )),
            (Some(_), Some(_)) => ops.push(add(
                &["metadata", "annotations", ANNOTATION_STATUS],
                Value::String(status_json),
            )),
        }

        Ok(Planned::Inject(PatchPlan {
            ops,
            proxy_op,
            status,
        }))
    }
}

/// [`Decision`] with the patch as JSON text, from [`Injector::mutate_to_json`].
#[derive(Debug, Clone, PartialEq)]
pub enum JsonDecision {
    /// Apply the JSON patch `patch_json` to the pod.
    Inject {
        /// RFC 6902 patch, serialised.
        patch_json: Vec<u8>,
        /// What the status annotation says.
        status: InjectionStatus,
    },
    /// Leave the pod as it is.
    Skip(SkipReason),
}

enum Planned {
    Inject(PatchPlan),
    Skip(SkipReason),
}

struct PatchPlan {
    ops: Vec<PatchOperation>,
    proxy_op: usize,
    status: InjectionStatus,
}

fn write_json(out: &mut Vec<u8>, value: &impl Serialize) {
    // Writing JSON-safe data (patch operations, pointers) into a Vec cannot fail.
    if serde_json::to_writer(&mut *out, value).is_err() {
        unreachable_serialisation();
    }
}

/// An annotation's text: absent and `null` (the API server reads a null as "") are `None`;
/// anything but a string is an error.
fn annotation_text<'a>(
    annotations: Option<&'a Value>,
    key: &'static str,
) -> Result<Option<&'a str>, MutateError> {
    match annotations.and_then(|a| a.get(key)) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(other) => Err(MutateError::AnnotationNotString {
            annotation: key,
            found: other.to_string(),
        }),
    }
}

/// Reads a container list; absent or `null` is empty.
fn container_list<'a>(spec: &'a Value, list: &'static str) -> Result<&'a [Value], MutateError> {
    match spec.get(list) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                if !item.is_object() {
                    return Err(MutateError::WrongType {
                        path: format!("spec.{list}[{index}]"),
                        expected: "an object",
                    });
                }
            }
            Ok(items)
        }
        Some(_) => Err(MutateError::WrongType {
            path: format!("spec.{list}"),
            expected: "a list",
        }),
    }
}

fn add_env_ops(
    ops: &mut Vec<PatchOperation>,
    kept: &mut Vec<KeptEnv>,
    list: &'static str,
    index: usize,
    container: &Value,
    proxy_env: &[ProxySetting],
) -> Result<(), MutateError> {
    let existing = match container.get("env") {
        None | Some(Value::Null) => None,
        Some(Value::Array(env)) => Some(env),
        Some(_) => {
            return Err(MutateError::WrongType {
                path: format!("spec.{list}[{index}].env"),
                expected: "a list",
            });
        }
    };
    let user_has = |name: &str| {
        existing.is_some_and(|env| {
            env.iter()
                .any(|var| var.get("name").and_then(Value::as_str) == Some(name))
        })
    };
    let container_name = container.get("name").and_then(Value::as_str).unwrap_or("");
    let mut new_vars = Vec::new();
    for setting in proxy_env {
        if setting.names.iter().any(|name| user_has(name)) {
            kept.extend(setting.names.iter().map(|name| KeptEnv {
                container: container_name.to_owned(),
                name: (*name).to_owned(),
            }));
        } else {
            new_vars.extend(setting.entries.iter().cloned());
        }
    }
    if new_vars.is_empty() {
        return Ok(());
    }
    let index = index.to_string();
    if existing.is_some() {
        let path = ["spec", list, &index, "env", "-"];
        ops.extend(new_vars.into_iter().map(|var| add(&path, var)));
    } else {
        // `env` is absent or null: add the whole list in one operation.
        ops.push(add(&["spec", list, &index, "env"], Value::Array(new_vars)));
    }
    Ok(())
}

/// An `add` operation; the tokens are escaped into a JSON pointer (RFC 6901), so keys with `/`
/// such as `sidecar-e2e/status` are safe.
fn add(tokens: &[&str], value: Value) -> PatchOperation {
    PatchOperation::Add(AddOperation {
        path: PointerBuf::from_tokens(tokens.iter().copied()),
        value,
    })
}

#[cold]
fn unreachable_serialisation() -> ! {
    unreachable!("k8s-openapi containers and plain records always serialise to JSON")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(mode: Mode) -> InjectorConfig {
        InjectorConfig::new(mode)
    }

    fn pod(yaml: &str) -> Value {
        serde_saphyr::from_str(yaml).expect("test pod YAML parses")
    }

    fn injected(pod: &Value, mode: Mode) -> Value {
        let Decision::Inject { patch, .. } = mutate_pod(pod, &config(mode)).expect("injectable")
        else {
            panic!("expected an injection for {pod}");
        };
        let mut out = pod.clone();
        json_patch::patch(&mut out, &patch).expect("patch applies");
        out
    }

    fn names(list: &Value) -> Vec<&str> {
        list.as_array()
            .map(|items| items.iter().filter_map(|c| c["name"].as_str()).collect())
            .unwrap_or_default()
    }

    const APP_WITH_INIT: &str = "
metadata: {name: app}
spec:
  initContainers:
  - {name: migrate, image: busybox}
  - {name: user-sidecar, image: busybox, restartPolicy: Always}
  containers:
  - {name: app, image: busybox}
";

    #[test]
    fn native_puts_proxy_first_among_init_containers_and_keeps_user_order() {
        let out = injected(&pod(APP_WITH_INIT), Mode::Native);
        assert_eq!(
            names(&out["spec"]["initContainers"]),
            ["sidecar-proxy", "migrate", "user-sidecar"]
        );
        assert_eq!(out["spec"]["initContainers"][0]["restartPolicy"], "Always");
        assert_eq!(
            out["spec"]["initContainers"][0]["startupProbe"]["httpGet"]["path"],
            "/healthz/ready"
        );
        assert_eq!(
            out["spec"]["initContainers"][0]["readinessProbe"]["httpGet"]["port"],
            15021
        );
        assert_eq!(names(&out["spec"]["containers"]), ["app"]);
    }

    #[test]
    fn native_creates_init_containers_when_pod_has_none() {
        let out = injected(&pod("spec: {containers: [{name: app}]}"), Mode::Native);
        assert_eq!(names(&out["spec"]["initContainers"]), ["sidecar-proxy"]);
    }

    #[test]
    fn native_handles_null_and_empty_init_container_lists() {
        for spec in [
            "spec: {initContainers: null, containers: [{name: app}]}",
            "spec: {initContainers: [], containers: [{name: app}]}",
        ] {
            let out = injected(&pod(spec), Mode::Native);
            assert_eq!(
                names(&out["spec"]["initContainers"]),
                ["sidecar-proxy"],
                "{spec}"
            );
        }
    }

    #[test]
    fn legacy_appends_proxy_to_containers_without_restart_policy() {
        let out = injected(&pod(APP_WITH_INIT), Mode::Legacy);
        assert_eq!(names(&out["spec"]["containers"]), ["app", "sidecar-proxy"]);
        assert_eq!(out["spec"]["containers"][1].get("restartPolicy"), None);
        assert_eq!(
            names(&out["spec"]["initContainers"]),
            ["migrate", "user-sidecar"]
        );
    }

    #[test]
    fn every_user_container_and_init_container_gets_proxy_env() {
        let out = injected(&pod(APP_WITH_INIT), Mode::Native);
        for pointer in [
            "/spec/initContainers/1",
            "/spec/initContainers/2",
            "/spec/containers/0",
        ] {
            let env = &out.pointer(pointer).expect("container")["env"];
            assert_eq!(
                names(env),
                [
                    "HTTP_PROXY",
                    "http_proxy",
                    "HTTPS_PROXY",
                    "https_proxy",
                    "NO_PROXY",
                    "no_proxy"
                ],
                "{pointer}"
            );
            assert_eq!(env[0]["value"], "http://127.0.0.1:15001");
            assert_eq!(env[3]["value"], "http://127.0.0.1:15001");
            assert_eq!(env[4]["value"], "localhost,127.0.0.1,::1");
        }
        assert_eq!(
            out["spec"]["initContainers"][0].get("env"),
            None,
            "proxy gets none"
        );
    }

    #[test]
    fn user_env_value_is_kept_and_recorded() {
        let input = pod("
spec:
  containers:
  - name: app
    env:
    - {name: HTTP_PROXY, value: 'http://corp:3128'}
    - {name: no_proxy, valueFrom: {configMapKeyRef: {name: c, key: k}}}
    - {name: OTHER, value: x}
");
        let Decision::Inject { status, .. } =
            mutate_pod(&input, &config(Mode::Native)).expect("injectable")
        else {
            panic!("expected injection");
        };
        // One spelling set keeps the whole setting: both are recorded, neither is added.
        let kept: Vec<&str> = status.kept_env.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(kept, ["HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"]);
        assert!(status.kept_env.iter().all(|k| k.container == "app"));
        let out = injected(&input, Mode::Native);
        let env = &out["spec"]["containers"][0]["env"];
        assert_eq!(
            names(env),
            [
                "HTTP_PROXY",
                "no_proxy",
                "OTHER",
                "HTTPS_PROXY",
                "https_proxy"
            ]
        );
        assert_eq!(env[0]["value"], "http://corp:3128");
        let status: InjectionStatus = serde_json::from_str(
            out["metadata"]["annotations"][ANNOTATION_STATUS]
                .as_str()
                .expect("status annotation is a string"),
        )
        .expect("status parses");
        assert_eq!(status.kept_env.len(), 4);
    }

    #[test]
    fn lower_case_proxy_setting_alone_keeps_the_upper_case_one_out() {
        let input = pod("
spec:
  containers:
  - name: app
    env: [{name: http_proxy, value: 'http://corp:3128'}, {name: HTTPS_PROXY, value: 'http://corp:3128'}]
");
        let out = injected(&input, Mode::Native);
        assert_eq!(
            names(&out["spec"]["containers"][0]["env"]),
            ["http_proxy", "HTTPS_PROXY", "NO_PROXY", "no_proxy"]
        );
    }

    #[test]
    fn null_metadata_and_annotations_are_injected_like_empty_maps() {
        for yaml in [
            "metadata: null\nspec: {containers: [{name: app}]}",
            "metadata: {name: p, annotations: null}\nspec: {containers: [{name: app}]}",
            "metadata: {name: p, annotations: {}}\nspec: {containers: [{name: app}]}",
        ] {
            let out = injected(&pod(yaml), Mode::Native);
            assert!(
                out["metadata"]["annotations"][ANNOTATION_STATUS].is_string(),
                "{yaml}: {out}"
            );
        }
        let err = mutate_pod(
            &pod("metadata: {annotations: []}\nspec: {containers: [{name: app}]}"),
            &config(Mode::Native),
        );
        assert!(matches!(err, Err(MutateError::WrongType { .. })), "{err:?}");
    }

    #[test]
    fn inject_annotation_reads_yaml_1_1_booleans_in_any_case() {
        for value in [
            "false", "FALSE", "False", "no", "No", "off", "OFF", "n", "N",
        ] {
            let input = pod(&format!(
                "metadata: {{annotations: {{sidecar-e2e/inject: '{value}'}}}}\nspec: {{containers: [{{name: app}}]}}"
            ));
            assert_eq!(
                mutate_pod(&input, &config(Mode::Native)),
                Ok(Decision::Skip(SkipReason::OptedOut)),
                "{value}"
            );
        }
        for value in ["true", "TRUE", "yes", "Yes", "on", "y", ""] {
            let input = pod(&format!(
                "metadata: {{annotations: {{sidecar-e2e/inject: '{value}'}}}}\nspec: {{containers: [{{name: app}}]}}"
            ));
            assert!(
                matches!(
                    mutate_pod(&input, &config(Mode::Native)),
                    Ok(Decision::Inject { .. })
                ),
                "{value}"
            );
        }
    }

    #[test]
    fn rejects_inject_annotations_that_are_not_yes_or_no() {
        let input = pod(
            "metadata: {annotations: {sidecar-e2e/inject: disabled}}\nspec: {containers: [{name: app}]}",
        );
        let err = mutate_pod(&input, &config(Mode::Native)).expect_err("typo");
        assert_eq!(
            err,
            MutateError::BadInjectAnnotation {
                value: "disabled".into()
            }
        );
        // A YAML boolean is not an annotation the API server accepts: say how to quote it.
        let input = pod(
            "metadata: {annotations: {sidecar-e2e/inject: false}}\nspec: {containers: [{name: app}]}",
        );
        let err = mutate_pod(&input, &config(Mode::Native)).expect_err("boolean");
        assert!(
            err.to_string().contains("not a string") && err.to_string().contains("\"false\""),
            "{err}"
        );
    }

    #[test]
    fn status_annotation_the_injector_did_not_write_is_reported() {
        for value in ["null", "'garbage'", "'{}'", "'injected'", "true"] {
            let input = pod(&format!(
                "metadata: {{annotations: {{sidecar-e2e/status: {value}}}}}\nspec: {{containers: [{{name: app}}]}}"
            ));
            let err = mutate_pod(&input, &config(Mode::Native)).expect_err(value);
            assert!(
                matches!(err, MutateError::BadStatusAnnotation { .. }),
                "{value}: {err}"
            );
            assert!(err.to_string().contains(ANNOTATION_STATUS), "{err}");
        }
    }

    #[test]
    fn opted_out_pod_is_skipped() {
        let input = pod("
metadata: {annotations: {sidecar-e2e/inject: 'false'}}
spec: {containers: [{name: app}]}
");
        assert_eq!(
            mutate_pod(&input, &config(Mode::Native)),
            Ok(Decision::Skip(SkipReason::OptedOut))
        );
    }

    #[test]
    fn inject_annotation_other_than_false_still_injects() {
        let input = pod("
metadata: {annotations: {sidecar-e2e/inject: 'true'}}
spec: {containers: [{name: app}]}
");
        let out = injected(&input, Mode::Native);
        assert_eq!(out["metadata"]["annotations"]["sidecar-e2e/inject"], "true");
        assert!(out["metadata"]["annotations"][ANNOTATION_STATUS].is_string());
    }

    #[test]
    fn host_network_pod_is_skipped() {
        let input = pod("spec: {hostNetwork: true, containers: [{name: app}]}");
        assert_eq!(
            mutate_pod(&input, &config(Mode::Native)),
            Ok(Decision::Skip(SkipReason::HostNetwork))
        );
    }

    #[test]
    fn injecting_twice_changes_nothing() {
        let once = injected(&pod(APP_WITH_INIT), Mode::Native);
        assert_eq!(
            mutate_pod(&once, &config(Mode::Legacy)),
            Ok(Decision::Skip(SkipReason::AlreadyInjected))
        );
    }

    #[test]
    fn mode_annotation_overrides_the_default() {
        let input = pod("
metadata: {annotations: {sidecar-e2e/mode: legacy}}
spec: {containers: [{name: app}]}
");
        let out = injected(&input, Mode::Native);
        assert_eq!(names(&out["spec"]["containers"]), ["app", "sidecar-proxy"]);
        assert!(out["spec"].get("initContainers").is_none());
    }

    #[test]
    fn rejects_unknown_mode_annotation() {
        let input = pod("
metadata: {annotations: {sidecar-e2e/mode: sideways}}
spec: {containers: [{name: app}]}
");
        let err = mutate_pod(&input, &config(Mode::Native)).expect_err("bad mode");
        assert_eq!(
            err,
            MutateError::BadModeAnnotation {
                value: "sideways".into()
            }
        );
        assert!(err.to_string().contains("sidecar-e2e/mode"));
    }

    #[test]
    fn rejects_pod_without_containers() {
        let err = mutate_pod(&pod("spec: {containers: []}"), &config(Mode::Native));
        assert_eq!(err, Err(MutateError::NoContainers));
        let err = mutate_pod(&pod("metadata: {name: x}"), &config(Mode::Native));
        assert_eq!(err, Err(MutateError::MissingSpec));
    }

    #[test]
    fn rejects_user_container_named_like_the_proxy() {
        let input = pod("spec: {containers: [{name: app}, {name: sidecar-proxy}]}");
        let err = mutate_pod(&input, &config(Mode::Native)).expect_err("reserved");
        assert_eq!(
            err,
            MutateError::ReservedName {
                list: "containers",
                index: 1,
                name: "sidecar-proxy".into()
            }
        );
        assert!(err.to_string().contains("sidecar-e2e/inject"), "{err}");
        assert!(err.to_string().contains("\"sidecar-proxy\""), "{err}");
    }

    fn status_of(out: &Value) -> InjectionStatus {
        serde_json::from_str(
            out["metadata"]["annotations"][ANNOTATION_STATUS]
                .as_str()
                .expect("status annotation is a string"),
        )
        .expect("status parses")
    }

    #[test]
    fn default_proxy_name_is_sidecar_proxy() {
        let out = injected(&pod(APP_WITH_INIT), Mode::Native);
        assert_eq!(out["spec"]["initContainers"][0]["name"], "sidecar-proxy");
        assert_eq!(status_of(&out).init_containers, ["sidecar-proxy"]);
        let out = injected(&pod(APP_WITH_INIT), Mode::Legacy);
        assert_eq!(out["spec"]["containers"][1]["name"], "sidecar-proxy");
        assert_eq!(status_of(&out).containers, ["sidecar-proxy"]);
    }

    /// Injects with the proxy named `istio-proxy` and applies the patch.
    fn injected_as_istio_proxy(pod: &Value, mode: Mode) -> Value {
        let config = config(mode).with_container_name("istio-proxy");
        let Decision::Inject { patch, .. } = mutate_pod(pod, &config).expect("injectable") else {
            panic!("expected an injection for {pod}");
        };
        let mut out = pod.clone();
        json_patch::patch(&mut out, &patch).expect("patch applies");
        out
    }

    #[test]
    fn native_proxy_carries_the_configured_name() {
        for input in [APP_WITH_INIT, "spec: {containers: [{name: app}]}"] {
            let out = injected_as_istio_proxy(&pod(input), Mode::Native);
            let init = &out["spec"]["initContainers"];
            assert_eq!(init[0]["name"], "istio-proxy", "{input}");
            assert_eq!(init[0]["restartPolicy"], "Always", "{input}");
            assert!(!names(init).contains(&"sidecar-proxy"), "{input}");
            assert_eq!(names(&out["spec"]["containers"]), ["app"], "{input}");
            let status = status_of(&out);
            assert_eq!(status.init_containers, ["istio-proxy"]);
            assert!(status.containers.is_empty());
        }
    }

    #[test]
    fn legacy_proxy_carries_the_configured_name() {
        let out = injected_as_istio_proxy(&pod(APP_WITH_INIT), Mode::Legacy);
        assert_eq!(names(&out["spec"]["containers"]), ["app", "istio-proxy"]);
        assert_eq!(
            names(&out["spec"]["initContainers"]),
            ["migrate", "user-sidecar"]
        );
        let status = status_of(&out);
        assert_eq!(status.containers, ["istio-proxy"]);
        assert!(status.init_containers.is_empty());
    }

    #[test]
    fn the_configured_name_is_the_reserved_one() {
        let config = config(Mode::Native).with_container_name("istio-proxy");
        let input = pod("spec: {initContainers: [{name: istio-proxy}], containers: [{name: app}]}");
        let err = mutate_pod(&input, &config).expect_err("reserved");
        assert_eq!(
            err,
            MutateError::ReservedName {
                list: "initContainers",
                index: 0,
                name: "istio-proxy".into()
            }
        );
        let message = err.to_string();
        assert!(
            message.contains("\"istio-proxy\"") && !message.contains("sidecar-proxy"),
            "{message}"
        );
        // The default name is an ordinary one once the proxy is called something else.
        let out = injected_as_istio_proxy(
            &pod("spec: {containers: [{name: sidecar-proxy}]}"),
            Mode::Legacy,
        );
        assert_eq!(
            names(&out["spec"]["containers"]),
            ["sidecar-proxy", "istio-proxy"]
        );
    }

    #[test]
    fn rejects_wrongly_typed_fields_instead_of_panicking() {
        for (yaml, path) in [
            ("spec: {containers: {name: app}}", "spec.containers"),
            ("spec: {containers: [app]}", "spec.containers[0]"),
            (
                "spec: {containers: [{name: app, env: x}]}",
                "spec.containers[0].env",
            ),
        ] {
            match mutate_pod(&pod(yaml), &config(Mode::Native)) {
                Err(MutateError::WrongType { path: got, .. }) => assert_eq!(got, path),
                other => panic!("{yaml}: expected WrongType at {path}, got {other:?}"),
            }
        }
    }

    #[test]
    fn status_annotation_escapes_its_slash_in_the_patch_path() {
        let input = pod("metadata: {annotations: {a: b}}\nspec: {containers: [{name: app}]}");
        let Decision::Inject { patch, .. } =
            mutate_pod(&input, &config(Mode::Native)).expect("injectable")
        else {
            panic!("expected injection");
        };
        let paths: Vec<String> = patch
            .0
            .iter()
            .map(|op| match op {
                PatchOperation::Add(add) => add.path.to_string(),
                other => panic!("only add operations expected, got {other:?}"),
            })
            .collect();
        assert!(
            paths.contains(&"/metadata/annotations/sidecar-e2e~1status".to_owned()),
            "{paths:?}"
        );
    }

    #[test]
    fn patch_json_is_byte_for_byte_what_serde_writes() {
        for (yaml, mode) in [
            (APP_WITH_INIT, Mode::Native),
            (APP_WITH_INIT, Mode::Legacy),
            ("spec: {containers: [{name: app}]}", Mode::Native),
            (
                "metadata: {annotations: {sidecar-e2e/mode: legacy}}\nspec: {containers: [{name: app, env: []}]}",
                Mode::Native,
            ),
        ] {
            for config in [
                config(mode),
                config(mode).with_container_name("istio-proxy"),
            ] {
                let injector = Injector::new(config);
                let Decision::Inject { patch, status } =
                    injector.mutate(&pod(yaml)).expect("injectable")
                else {
                    panic!("expected injection");
                };
                let expected = serde_json::to_vec(&patch).expect("serialises");
                let Ok(JsonDecision::Inject {
                    patch_json,
                    status: json_status,
                }) = injector.mutate_to_json(&pod(yaml))
                else {
                    panic!("expected injection");
                };
                assert_eq!(
                    String::from_utf8_lossy(&patch_json),
                    String::from_utf8_lossy(&expected),
                    "{yaml} ({mode})"
                );
                assert_eq!(status, json_status);
            }
        }
    }
}
