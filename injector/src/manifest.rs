//! `inject` over YAML manifests: find every pod and pod template, mutate it, pass the rest through.
//!
//! Pod templates live at a fixed place per kind (Pod itself, `spec.template` of the workload
//! kinds and of OpenShift's `DeploymentConfig`, `spec.jobTemplate.spec.template` of CronJob); `kind: List` and `*List` objects are
//! walked item by item. Kinds are matched with their API group, so a custom resource that happens
//! to be called `Job` is left alone. Old API versions (`extensions/v1beta1`, `batch/v2alpha1`) are
//! still injected: their pod template is the same.

use serde::Serialize;
use serde_json::Value;

use crate::config::{InjectorConfig, Mode};
use crate::mutate::{Decision, Injector, MutateError, SkipReason};
use crate::yaml::{self, Limits, YamlError};

/// Why a manifest could not be injected.
#[derive(Debug, thiserror::Error)]
pub enum InjectError {
    /// The YAML did not parse.
    #[error(transparent)]
    Yaml(#[from] YamlError),
    /// A document is not a Kubernetes object.
    #[error("document {document} is not a Kubernetes object: {problem}")]
    NotAnObject {
        /// 1-based index among the non-empty documents.
        document: usize,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A workload has no pod template where its kind keeps one.
    #[error("document {document}: {kind} {name:?} has no pod template at {path}")]
    MissingTemplate {
        /// 1-based index among the non-empty documents.
        document: usize,
        /// Object kind.
        kind: String,
        /// Object name.
        name: String,
        /// Where the template should be.
        path: &'static str,
    },
    /// A pod (template) that cannot be injected.
    #[error("document {document}: cannot inject {kind} {name:?}")]
    Mutate {
        /// 1-based index among the non-empty documents.
        document: usize,
        /// Object kind.
        kind: String,
        /// Object name.
        name: String,
        /// What is wrong with its pod.
        #[source]
        source: MutateError,
    },
    /// The injector produced a patch that does not apply: a bug in the injector.
    #[error("document {document}: internal error applying the injection patch to {kind} {name:?}")]
    PatchFailed {
        /// 1-based index among the non-empty documents.
        document: usize,
        /// Object kind.
        kind: String,
        /// Object name.
        name: String,
        /// What json-patch said.
        #[source]
        source: json_patch::PatchError,
    },
}

/// What happened to one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "outcome")]
pub enum ObjectOutcome {
    /// Its pod (template) got the proxy.
    Injected {
        /// Object kind.
        kind: String,
        /// Object name.
        name: String,
        /// Layout used.
        mode: Mode,
    },
    /// Its pod (template) was left alone, for a reason.
    Skipped {
        /// Object kind.
        kind: String,
        /// Object name.
        name: String,
        /// Why.
        reason: SkipReason,
    },
    /// It has no pod template (a Service, a ConfigMap, …).
    PassedThrough {
        /// Object kind.
        kind: String,
        /// Object name.
        name: String,
    },
}

/// The injected manifest and what happened to each object.
#[derive(Debug, Clone)]
pub struct Injected {
    /// The mutated documents, in input order.
    pub documents: Vec<Value>,
    /// One entry per object (List items each get their own).
    pub outcomes: Vec<ObjectOutcome>,
}

impl Injected {
    /// The documents as a YAML stream.
    pub fn to_yaml(&self) -> String {
        yaml::write_documents(&self.documents)
    }
}

/// Injects every pod and pod template in a YAML stream, with the default [`Limits`].
///
/// # Errors
/// [`InjectError`] naming the document and object; nothing is returned for the other documents,
/// so a caller never prints half an injection.
pub fn inject_manifest(input: &str, config: &InjectorConfig) -> Result<Injected, InjectError> {
    inject_manifest_with(input.as_bytes(), config, &Limits::default())
}

/// Injects every pod and pod template in a YAML stream given as bytes, within `limits`.
///
/// # Errors
/// As [`inject_manifest`]; bytes that are not UTF-8 are a [`YamlError::NotUtf8`].
pub fn inject_manifest_with(
    input: &[u8],
    config: &InjectorConfig,
    limits: &Limits,
) -> Result<Injected, InjectError> {
    let mut documents = yaml::parse_documents_with(input, limits)?;
    let injector = Injector::new(config.clone());
    let mut outcomes = Vec::new();
    for (index, document) in documents.iter_mut().enumerate() {
        inject_object(document, index + 1, &injector, &mut outcomes)?;
    }
    Ok(Injected {
        documents,
        outcomes,
    })
}

/// Where a kind keeps its pod template, if it has one.
fn template_pointer(api_version: &str, kind: &str) -> Option<&'static str> {
    let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
    match (group, kind) {
        ("", "Pod") => Some(""),
        ("", "ReplicationController") => Some("/spec/template"),
        ("apps" | "extensions", "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet") => {
            Some("/spec/template")
        }
        ("batch", "Job") => Some("/spec/template"),
        ("batch", "CronJob") => Some("/spec/jobTemplate/spec/template"),
        // OpenShift's DeploymentConfig keeps a core PodTemplateSpec where a Deployment does;
        // Istio's kube-inject injects it too.
        ("apps.openshift.io", "DeploymentConfig") => Some("/spec/template"),
        _ => None,
    }
}

fn inject_object(
    object: &mut Value,
    document: usize,
    injector: &Injector,
    outcomes: &mut Vec<ObjectOutcome>,
) -> Result<(), InjectError> {
    let Some(map) = object.as_object() else {
        return Err(InjectError::NotAnObject {
            document,
            problem: "expected a mapping with apiVersion and kind",
        });
    };
    let Some(kind) = map.get("kind").and_then(Value::as_str).map(str::to_owned) else {
        return Err(InjectError::NotAnObject {
            document,
            problem: "it has no kind",
        });
    };
    let api_version = map
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let name = object_name(object);

    if kind.ends_with("List")
        && let Some(items) = object.get_mut("items").and_then(Value::as_array_mut)
    {
        for item in items {
            inject_object(item, document, injector, outcomes)?;
        }
        return Ok(());
    }

    let Some(pointer) = template_pointer(&api_version, &kind) else {
        outcomes.push(ObjectOutcome::PassedThrough { kind, name });
        return Ok(());
    };
    let Some(template) = object.pointer_mut(pointer).filter(|t| t.is_object()) else {
        return Err(InjectError::MissingTemplate {
            document,
            kind,
            name,
            path: pointer,
        });
    };
    match injector.mutate(template) {
        Ok(Decision::Inject { patch, status }) => {
            if let Err(source) = json_patch::patch(template, &patch) {
                return Err(InjectError::PatchFailed {
                    document,
                    kind,
                    name,
                    source,
                });
            }
            outcomes.push(ObjectOutcome::Injected {
                kind,
                name,
                mode: status.mode,
            });
        }
        Ok(Decision::Skip(reason)) => outcomes.push(ObjectOutcome::Skipped { kind, name, reason }),
        Err(source) => {
            return Err(InjectError::Mutate {
                document,
                kind,
                name,
                source,
            });
        }
    }
    Ok(())
}

/// `metadata.name`, else `metadata.generateName`, else `<unnamed>`.
pub fn object_name(object: &Value) -> String {
    let metadata = object.get("metadata");
    metadata
        .and_then(|m| m.get("name"))
        .or_else(|| metadata.and_then(|m| m.get("generateName")))
        .and_then(Value::as_str)
        .unwrap_or("<unnamed>")
        .to_owned()
}
