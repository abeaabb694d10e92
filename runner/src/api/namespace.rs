//! The namespace each scenario runs in: fresh, labelled with the run id (and the label that
//! turns injection on), deleted afterwards unless kept.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Namespace;
use kube::Api;
use kube::api::{DeleteParams, ObjectMeta, PostParams};

/// The name of a namespace the run `run_id` makes for `what` (a scenario, a check): every
/// namespace the harness makes starts `se2e-<run id>-`, so `gc` and a reader know it.
pub fn namespace_name(run_id: &str, what: &str) -> String {
    format!("se2e-{run_id}-{what}")
}

/// A namespace could not be made or removed.
#[derive(Debug, thiserror::Error)]
#[error("cannot {action} namespace {name}")]
pub struct NamespaceError {
    /// `create` or `delete`.
    pub action: &'static str,
    /// The namespace.
    pub name: String,
    /// Why.
    #[source]
    pub source: kube::Error,
}

/// Creates `name` with `labels`.
///
/// # Errors
/// [`NamespaceError`], e.g. when it already exists.
pub async fn create_namespace(
    client: &kube::Client,
    name: &str,
    labels: BTreeMap<String, String>,
) -> Result<(), NamespaceError> {
    create_namespace_with(client, name, labels, BTreeMap::new()).await
}

/// Creates `name` with `labels` and `annotations` (an injector that selects namespaces by an
/// annotation).
///
/// # Errors
/// [`NamespaceError`], e.g. when it already exists.
pub async fn create_namespace_with(
    client: &kube::Client,
    name: &str,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
) -> Result<(), NamespaceError> {
    let namespace = Namespace {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            labels: Some(labels),
            annotations: (!annotations.is_empty()).then_some(annotations),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    };
    Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &namespace)
        .await
        .map(drop)
        .map_err(|source| NamespaceError {
            action: "create",
            name: name.to_owned(),
            source,
        })
}

/// Starts deleting `name` (the API server finishes in the background); gone already is fine.
///
/// # Errors
/// [`NamespaceError`].
pub async fn delete_namespace(client: &kube::Client, name: &str) -> Result<(), NamespaceError> {
    match Api::<Namespace>::all(client.clone())
        .delete(name, &DeleteParams::background())
        .await
    {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        Err(source) => Err(NamespaceError {
            action: "delete",
            name: name.to_owned(),
            source,
        }),
    }
}
