//! Server-side apply of manifest text (one or more YAML documents) through kube's dynamic API:
//! each document's kind is looked up in the cluster's discovery, then applied under the field
//! manager `sidecar-e2e`. No kubectl needed.

use kube::api::{DynamicObject, Patch, PatchParams};
use kube::core::GroupVersionKind;
use kube::discovery::{Scope, pinned_kind};
use kube::{Api, ResourceExt};

use super::FIELD_MANAGER;

/// A manifest could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The text is not YAML Kubernetes objects.
    #[error("{manifest} is not a list of Kubernetes objects: {reason}")]
    Parse {
        /// Which manifest.
        manifest: String,
        /// What the parser said.
        reason: String,
    },
    /// A document has no `apiVersion`/`kind`, or the cluster does not serve that kind.
    #[error("{manifest}: {object}: the cluster does not serve {gvk}")]
    UnknownKind {
        /// Which manifest.
        manifest: String,
        /// The object.
        object: String,
        /// Its group/version/kind.
        gvk: String,
        /// Why.
        #[source]
        source: Box<kube::Error>,
    },
    /// The API server refused the object (admission denials land here).
    #[error("{manifest}: applying {object} was refused")]
    Refused {
        /// Which manifest.
        manifest: String,
        /// The object, `Kind/name`.
        object: String,
        /// The API server's answer.
        #[source]
        source: Box<kube::Error>,
    },
}

impl ApplyError {
    /// Whether the API server could not reach an admission webhook (as opposed to a webhook
    /// that answered no): right after an install, a webhook Service can be unreachable for a
    /// moment until the node's Service rules catch up, and the same apply then succeeds.
    pub fn webhook_unreachable(&self) -> bool {
        self.refusal()
            .is_some_and(|message| message.contains("failed calling webhook"))
    }

    /// The API server's own message, when it refused the object (an admission denial, a 422):
    /// that is the cluster's answer, recorded as evidence rather than treated as a broken run.
    pub fn refusal(&self) -> Option<&str> {
        match self {
            ApplyError::Refused { source, .. } => match source.as_ref() {
                kube::Error::Api(status) => Some(&status.message),
                _ => None,
            },
            _ => None,
        }
    }
}

/// The documents of `text`, with blank documents (comments only) dropped.
///
/// # Errors
/// [`ApplyError::Parse`].
pub fn parse_documents(manifest: &str, text: &str) -> Result<Vec<DynamicObject>, ApplyError> {
    let docs: Vec<Option<DynamicObject>> =
        serde_saphyr::from_multiple(text).map_err(|err| ApplyError::Parse {
            manifest: manifest.to_owned(),
            reason: err.to_string(),
        })?;
    Ok(docs.into_iter().flatten().collect())
}

/// Applies every document of `text`; namespaced objects without a namespace go to `namespace`.
/// Returns the objects as the API server stored them.
///
/// # Errors
/// [`ApplyError`]: the first document that fails stops the rest.
pub async fn apply_manifest(
    client: &kube::Client,
    manifest: &str,
    text: &str,
    namespace: Option<&str>,
) -> Result<Vec<DynamicObject>, ApplyError> {
    let mut applied = Vec::new();
    for object in parse_documents(manifest, text)? {
        applied.push(apply_object(client, manifest, object, namespace).await?);
    }
    Ok(applied)
}

/// Applies one object.
///
/// # Errors
/// [`ApplyError`].
pub async fn apply_object(
    client: &kube::Client,
    manifest: &str,
    mut object: DynamicObject,
    namespace: Option<&str>,
) -> Result<DynamicObject, ApplyError> {
    let types = object.types.clone().unwrap_or_default();
    let name = object.name_any();
    let label = format!("{}/{name}", types.kind);
    let gvk = GroupVersionKind::try_from(&types).map_err(|err| ApplyError::Parse {
        manifest: manifest.to_owned(),
        reason: format!("{label}: {err}"),
    })?;
    let (resource, capabilities) =
        pinned_kind(client, &gvk)
            .await
            .map_err(|source| ApplyError::UnknownKind {
                manifest: manifest.to_owned(),
                object: label.clone(),
                gvk: format!("{}/{} {}", gvk.group, gvk.version, gvk.kind),
                source: Box::new(source),
            })?;
    let api: Api<DynamicObject> = match capabilities.scope {
        Scope::Cluster => Api::all_with(client.clone(), &resource),
        Scope::Namespaced => {
            let ns = object
                .metadata
                .namespace
                .clone()
                .or_else(|| namespace.map(str::to_owned))
                .unwrap_or_else(|| "default".to_owned());
            object.metadata.namespace = Some(ns.clone());
            Api::namespaced_with(client.clone(), &ns, &resource)
        }
    };
    let params = PatchParams::apply(FIELD_MANAGER).force();
    api.patch(&name, &params, &Patch::Apply(&object))
        .await
        .map_err(|source| ApplyError::Refused {
            manifest: manifest.to_owned(),
            object: label,
            source: Box::new(source),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_document_and_skips_empty_ones() {
        let text = "# a comment\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n# only a comment\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b}\n";
        let docs = parse_documents("test.yaml", text).expect("two objects");
        let names: Vec<String> = docs.iter().map(ResourceExt::name_any).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(
            docs[1].types.as_ref().map(|t| t.api_version.as_str()),
            Some("apps/v1")
        );
    }

    #[test]
    fn malformed_yaml_names_the_manifest() {
        let err = parse_documents("broken.yaml", "kind: [unclosed\n").expect_err("malformed");
        assert!(
            err.to_string()
                .starts_with("broken.yaml is not a list of Kubernetes objects"),
            "{err}"
        );
    }

    #[test]
    fn every_workload_manifest_parses() {
        use sidecar_e2e_core::scenario::{HTTPBIN_MANIFEST, Scenario};
        for scenario in Scenario::ALL {
            let docs = parse_documents(scenario.name(), scenario.manifest()).expect("parses");
            assert!(!docs.is_empty(), "{scenario}");
        }
        let docs = parse_documents("httpbin", HTTPBIN_MANIFEST).expect("parses");
        assert_eq!(docs.len(), 2);
    }
}
