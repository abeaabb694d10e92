//! Installing this repository's injector: certificates for its Service, the TLS Secret,
//! `manifests/injector/` by server-side apply with the cell's mode and the image table's images,
//! the Deployment awaited, the webhook's `caBundle` filled — and then the webhook proven live by a
//! dry-run pod before any scenario starts, so a broken install never shows up as a scenario
//! failure.

use std::time::Duration;

use base64::Engine;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Pod, Secret};
use kube::Api;
use kube::api::{Patch, PatchParams};
use kube::runtime::watcher;
use serde_json::json;

use super::certs::{CertError, ServingCertificates};
use crate::api::{
    ApplyError, DryRun, FIELD_MANAGER, NamespaceError, WaitError, apply_manifest, await_all,
    create_namespace, delete_namespace, deployment_available, describe_deployment,
    dry_run_through_webhook, run_labels,
};
use sidecar_e2e_core::plan::{EffectiveMode, ImageTable, UnknownImageVariable};

/// The injector's namespace, Service and Deployment (as in `manifests/injector/`).
pub const INJECTOR_NAMESPACE: &str = "sidecar-e2e-system";
/// The injector's Service and Deployment name.
pub const INJECTOR_NAME: &str = "sidecar-injector";
/// The namespace label the webhook selects.
pub const INJECTION_LABEL: (&str, &str) = ("sidecar-e2e/injection", "enabled");

const NAMESPACE_YAML: &str = include_str!("../../manifests/injector/namespace.yaml");
const RBAC_YAML: &str = include_str!("../../manifests/injector/rbac.yaml");
const SERVICE_YAML: &str = include_str!("../../manifests/injector/service.yaml");
const DEPLOYMENT_YAML: &str = include_str!("../../manifests/injector/deployment.yaml");
const WEBHOOK_YAML: &str = include_str!("../../manifests/injector/webhook.yaml");

/// How long the injector may take to become available, and the webhook to answer.
const READY_TIMEOUT: Duration = Duration::from_secs(180);

/// The builtin injector could not be installed.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// Certificates could not be made.
    #[error("cannot make the webhook's certificates")]
    Certs(#[source] CertError),
    /// A manifest names an image the table does not know.
    #[error("cannot fill the injector's manifests")]
    Images(#[source] UnknownImageVariable),
    /// The API server refused part of the install.
    #[error("cannot apply the injector's manifests")]
    Apply(#[source] Box<ApplyError>),
    /// An API call failed.
    #[error("cannot {what}")]
    Api {
        /// What was asked.
        what: &'static str,
        /// Why.
        #[source]
        source: kube::Error,
    },
    /// The namespace the webhook is proven in could not be made.
    #[error("cannot make the namespace that proves the webhook")]
    CheckNamespace(#[source] NamespaceError),
    /// The Deployment never became available.
    #[error("the injector did not become available")]
    NotReady(#[source] WaitError),
    /// The webhook does not do its job.
    #[error("the webhook is installed but does not inject: {0}")]
    NotLive(String),
}

/// The manifests with the cell's images and `mode`, and `caBundle` filled from `ca_pem`.
/// Pure, so every substitution is tested without a cluster.
///
/// # Errors
/// [`UnknownImageVariable`] when a manifest names an image the table lacks.
pub fn rendered_manifests(
    images: &ImageTable,
    mode: sidecar_injector::config::Mode,
    ca_pem: &str,
) -> Result<Vec<(&'static str, String)>, UnknownImageVariable> {
    let deployment = images
        .render_manifest(DEPLOYMENT_YAML)?
        .replace("--mode=native", &format!("--mode={}", mode.as_str()));
    let ca_bundle = base64::engine::general_purpose::STANDARD.encode(ca_pem);
    let webhook = WEBHOOK_YAML.replace("__CA_BUNDLE__", &ca_bundle);
    Ok(vec![
        (
            "manifests/injector/namespace.yaml",
            NAMESPACE_YAML.to_owned(),
        ),
        ("manifests/injector/rbac.yaml", RBAC_YAML.to_owned()),
        ("manifests/injector/service.yaml", SERVICE_YAML.to_owned()),
        ("manifests/injector/deployment.yaml", deployment),
        ("manifests/injector/webhook.yaml", webhook),
    ])
}

/// The layout the injector is configured for in a cell whose pods get `effective`: a rejected
/// cell is one where native was asked for and the API server refuses it.
pub fn injector_mode(effective: EffectiveMode) -> sidecar_injector::config::Mode {
    match effective {
        EffectiveMode::Native | EffectiveMode::Rejected => sidecar_injector::config::Mode::Native,
        EffectiveMode::Legacy => sidecar_injector::config::Mode::Legacy,
    }
}

/// Installs the injector and proves the webhook answers. `run_id` labels the namespace used for
/// the proof (deleted afterwards; `gc` finds it if the run dies first).
///
/// # Errors
/// [`InstallError`] naming the step.
pub async fn install_builtin(
    client: &kube::Client,
    images: &ImageTable,
    effective: EffectiveMode,
    run_id: &str,
) -> Result<(), InstallError> {
    let certs = ServingCertificates::for_service(INJECTOR_NAME, INJECTOR_NAMESPACE)
        .map_err(InstallError::Certs)?;
    let mode = injector_mode(effective);
    let manifests =
        rendered_manifests(images, mode, &certs.ca_pem).map_err(InstallError::Images)?;
    let (namespace, rest) = manifests.split_first().expect("five manifests");
    apply_manifest(client, namespace.0, &namespace.1, None)
        .await
        .map_err(|err| InstallError::Apply(Box::new(err)))?;
    apply_secret(client, &certs).await?;
    for (name, text) in rest {
        apply_manifest(client, name, text, Some(INJECTOR_NAMESPACE))
            .await
            .map_err(|err| InstallError::Apply(Box::new(err)))?;
    }
    await_all(
        Api::<Deployment>::namespaced(client.clone(), INJECTOR_NAMESPACE),
        watcher::Config::default().fields(&format!("metadata.name={INJECTOR_NAME}")),
        "the injector Deployment",
        1,
        READY_TIMEOUT,
        deployment_available,
        describe_deployment,
    )
    .await
    .map_err(InstallError::NotReady)?;
    prove_live(client, mode, run_id).await
}

async fn apply_secret(
    client: &kube::Client,
    certs: &ServingCertificates,
) -> Result<(), InstallError> {
    let secret: Secret = serde_json::from_value(json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "sidecar-injector-tls", "namespace": INJECTOR_NAMESPACE,
                     "labels": {"app.kubernetes.io/part-of": "sidecar-e2e"}},
        "type": "kubernetes.io/tls",
        "stringData": {"tls.crt": certs.cert_pem, "tls.key": certs.key_pem},
    }))
    .map_err(|err| InstallError::Api {
        what: "build the TLS Secret",
        source: kube::Error::SerdeError(err),
    })?;
    Api::<Secret>::namespaced(client.clone(), INJECTOR_NAMESPACE)
        .patch(
            "sidecar-injector-tls",
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(&secret),
        )
        .await
        .map_err(|source| InstallError::Api {
            what: "apply the TLS Secret",
            source,
        })
        .map(drop)
}

/// A dry-run pod in a namespace the webhook selects must come back with the proxy (or, where
/// the cell's pods are refused, be refused for the proxy's sake — not for the webhook's).
async fn prove_live(
    client: &kube::Client,
    mode: sidecar_injector::config::Mode,
    run_id: &str,
) -> Result<(), InstallError> {
    let ns_name = crate::api::namespace_name(run_id, "webhook-check");
    let mut labels = run_labels(run_id);
    labels.insert(INJECTION_LABEL.0.to_owned(), INJECTION_LABEL.1.to_owned());
    create_namespace(client, &ns_name, labels)
        .await
        .map_err(InstallError::CheckNamespace)?;
    let result = dry_run_until_answered(client, &ns_name, mode).await;
    // Best effort: gc removes it by label if this fails.
    let _ = delete_namespace(client, &ns_name).await;
    result
}

async fn dry_run_until_answered(
    client: &kube::Client,
    namespace: &str,
    mode: sidecar_injector::config::Mode,
) -> Result<(), InstallError> {
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": "webhook-check"},
        "spec": {"containers": [{"name": "app", "image": crate::cluster::PROBE_IMAGE}]},
    }))
    .map_err(|err| InstallError::Api {
        what: "build the check pod",
        source: kube::Error::SerdeError(err),
    })?;
    // Refused over the injected proxy: the webhook ran (a rejected cell's pods get exactly this).
    match dry_run_through_webhook(client, namespace, &pod, READY_TIMEOUT).await {
        Ok(DryRun::Stored(stored)) => check_injected(&stored, mode),
        Ok(DryRun::RefusedForInitContainers) => Ok(()),
        Err(source) => Err(InstallError::Api {
            what: "dry-run a pod through the webhook",
            source,
        }),
    }
}

fn check_injected(stored: &Pod, mode: sidecar_injector::config::Mode) -> Result<(), InstallError> {
    let proxy = sidecar_injector::config::PROXY_CONTAINER_NAME;
    let spec = stored.spec.clone().unwrap_or_default();
    let in_init = spec
        .init_containers
        .iter()
        .flatten()
        .any(|c| c.name == proxy);
    let in_containers = spec.containers.iter().any(|c| c.name == proxy);
    let found = match mode {
        sidecar_injector::config::Mode::Native => in_init,
        sidecar_injector::config::Mode::Legacy => in_containers,
    };
    if found {
        Ok(())
    } else {
        Err(InstallError::NotLive(format!(
            "a dry-run pod came back without {proxy} in its {} (init containers: {in_init}, containers: {in_containers})",
            match mode {
                sidecar_injector::config::Mode::Native => "init containers",
                sidecar_injector::config::Mode::Legacy => "containers",
            }
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::parse_documents;
    use sidecar_e2e_core::plan::Minors;

    fn table() -> ImageTable {
        ImageTable::upstream_for(Minors::embedded().expect("table"))
    }

    #[test]
    fn the_manifests_get_the_mode_the_images_and_the_ca() {
        let manifests = rendered_manifests(&table(), sidecar_injector::config::Mode::Legacy, "PEM")
            .expect("renders");
        let deployment = &manifests[3].1;
        assert!(deployment.contains("--mode=legacy"), "{deployment}");
        assert!(!deployment.contains("${"), "{deployment}");
        assert!(
            deployment.contains("--image=envoyproxy/envoy:"),
            "{deployment}"
        );
        let webhook = &manifests[4].1;
        assert!(
            webhook.contains("caBundle: UEVN"),
            "base64 of PEM: {webhook}"
        );
        for (name, text) in &manifests {
            parse_documents(name, text).expect("every rendered manifest parses");
        }
    }

    #[test]
    fn a_rejected_cell_runs_the_injector_in_native_mode() {
        assert_eq!(
            injector_mode(EffectiveMode::Rejected),
            sidecar_injector::config::Mode::Native
        );
        assert_eq!(
            injector_mode(EffectiveMode::Legacy),
            sidecar_injector::config::Mode::Legacy
        );
    }

    #[test]
    fn a_pod_without_the_proxy_is_not_live() {
        let pod: Pod = serde_json::from_value(json!({
            "spec": {"containers": [{"name": "app"}]}
        }))
        .expect("pod");
        let err =
            check_injected(&pod, sidecar_injector::config::Mode::Native).expect_err("no proxy");
        assert!(err.to_string().contains("without sidecar-proxy"), "{err}");
    }
}
