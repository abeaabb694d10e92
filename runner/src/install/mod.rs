//! Installing a cell's injector, as its profile says: manifests applied server-side with the
//! harness's certificates (`manifests.rs`: this repository's injector, the OpenTelemetry
//! Operator), or `istioctl install` (`istio.rs`). Either way the webhook is proven live by a
//! dry-run pod before any scenario starts, and each scenario's namespace is made ready for the
//! injector (its opt-in, the objects it needs there).

pub mod certs;
pub mod istio;
pub mod manifests;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Pod;
use sidecar_e2e_core::plan::{EffectiveMode, ImageTable, InjectorSpec, Install};

use crate::api::{
    DryRun, NamespaceError, apply_manifest, create_namespace_with, delete_namespace,
    dry_run_through_webhook, run_labels,
};
use crate::cluster::ClusterAccess;

pub use certs::{CertError, ServingCertificates, service_dns_names};
pub use istio::{IstioError, IstioSettings, Istioctl, istio_failure_hint, istio_install_args};
pub use manifests::{InstallError, install_manifests, mode_word};

/// How long the injector may take to inject after its install: a webhook that ignores its own
/// failures (the OpenTelemetry Operator's) admits pods unchanged until its cache has seen its
/// objects, so the proof asks again until the sidecar appears.
const INJECTS_WITHIN: Duration = Duration::from_secs(120);

/// How long an injector's own webhook may stay unreachable after its install when the harness
/// applies its per-namespace objects.
const WEBHOOK_REACHABLE_WITHIN: Duration = Duration::from_secs(60);

/// An injector could not be installed.
#[derive(Debug, thiserror::Error)]
pub enum InjectorInstallError {
    /// By its manifests.
    #[error(transparent)]
    Manifests(#[from] InstallError),
    /// By istioctl.
    #[error(transparent)]
    Istio(#[from] IstioError),
    /// The profile installs with istioctl, and none was found.
    #[error("{injector} installs with istioctl, and none was found (pass --istioctl)")]
    NoIstioctl {
        /// The injector.
        injector: String,
    },
}

/// Installs the cell's injector as its profile says, and proves it live.
///
/// # Errors
/// [`InjectorInstallError`] naming the step.
pub async fn install_injector(
    client: &kube::Client,
    access: &ClusterAccess,
    injector: InjectorSpec,
    images: &ImageTable,
    effective: EffectiveMode,
    istioctl: Option<&Istioctl>,
    run_id: &str,
) -> Result<(), InjectorInstallError> {
    match &injector.profile().install {
        Install::Manifests(install) => {
            install_manifests(client, injector, install, images, effective, run_id).await?;
        }
        Install::Istioctl(install) => {
            let istioctl = istioctl.ok_or_else(|| InjectorInstallError::NoIstioctl {
                injector: injector.to_string(),
            })?;
            let settings = IstioSettings::for_cell(images, injector, install, effective);
            istioctl.install_with(access, &settings).await?;
        }
    }
    Ok(())
}

/// The webhook does not inject as the cell needs.
#[derive(Debug, thiserror::Error)]
pub enum Proven {
    /// The namespace the proof runs in could not be made.
    #[error("cannot make the namespace that proves the webhook")]
    Namespace(#[source] NamespaceError),
    /// The objects the injector needs in a namespace could not be applied.
    #[error("cannot apply what {injector} needs in namespace {namespace}")]
    NamespaceObjects {
        /// The injector.
        injector: String,
        /// The namespace.
        namespace: String,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The dry run could not be sent.
    #[error("cannot dry-run a pod through the webhook")]
    Api(#[source] kube::Error),
    /// The webhook answered without the sidecar where the layout puts it.
    #[error("the webhook is installed but does not inject: {0}")]
    NotLive(String),
}

/// A namespace that opted in must make a dry-run pod come back with the sidecar where the cell's
/// layout puts it (or, where the cell's pods are refused, be refused for the sidecar's sake).
/// The proof runs in a namespace of its own (the profile's `proof.inOptedInNamespace`), made
/// ready as a scenario's is and deleted afterwards, or in `default`.
///
/// # Errors
/// [`Proven`] naming what is wrong.
pub async fn prove_live(
    client: &kube::Client,
    injector: InjectorSpec,
    images: &ImageTable,
    effective: EffectiveMode,
    run_id: &str,
) -> Result<(), Proven> {
    let proof = &injector.profile().proof;
    if !proof.in_opted_in_namespace {
        return injects_in(client, injector, "default", effective).await;
    }
    let namespace = crate::api::namespace_name(run_id, "webhook-check");
    prepare_namespace(client, injector, images, &namespace, run_labels(run_id)).await?;
    let result = injects_in(client, injector, &namespace, effective).await;
    // Best effort: gc removes it by label if this fails.
    let _ = delete_namespace(client, &namespace).await;
    result
}

/// Creates `namespace` opted in to `injector` (its profile's labels and annotations, with
/// `labels`), and applies the objects the injector needs there (a collector's definition).
///
/// # Errors
/// [`Proven`] when the namespace or its objects cannot be made.
pub async fn prepare_namespace(
    client: &kube::Client,
    injector: InjectorSpec,
    images: &ImageTable,
    namespace: &str,
    mut labels: BTreeMap<String, String>,
) -> Result<(), Proven> {
    let profile = injector.profile();
    labels.extend(profile.opt_in.namespace_labels.clone());
    create_namespace_with(
        client,
        namespace,
        labels,
        profile.opt_in.namespace_annotations.clone(),
    )
    .await
    .map_err(Proven::Namespace)?;
    let Install::Manifests(install) = &profile.install else {
        return Ok(());
    };
    let objects_error =
        |source: Box<dyn std::error::Error + Send + Sync>| Proven::NamespaceObjects {
            injector: injector.to_string(),
            namespace: namespace.to_owned(),
            source,
        };
    let values = manifests::variables(images, injector, None);
    for source in &install.per_namespace {
        let sidecar_e2e_core::plan::ManifestSource::File(name) = source else {
            continue;
        };
        let text = profile.file(name).unwrap_or_default();
        let text = manifests::fill(name, text, images, &values)
            .map_err(|err| objects_error(Box::new(err)))?;
        let started = Instant::now();
        loop {
            match apply_manifest(client, name, &text, Some(namespace)).await {
                Ok(_) => break,
                // The injector's own webhooks (the collector's defaulting) are Services that
                // may not be reachable yet just after the install; anything else is final.
                Err(err)
                    if err.webhook_unreachable()
                        && started.elapsed() < WEBHOOK_REACHABLE_WITHIN =>
                {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(err) => return Err(objects_error(Box::new(err))),
            }
        }
    }
    Ok(())
}

/// Dry-runs a check pod in `namespace` until the injector adds its sidecar (at most
/// [`INJECTS_WITHIN`]) and checks where it put it.
async fn injects_in(
    client: &kube::Client,
    injector: InjectorSpec,
    namespace: &str,
    effective: EffectiveMode,
) -> Result<(), Proven> {
    let proof = &injector.profile().proof;
    let pod =
        manifests::check_pod(&proof.pod_labels, &proof.pod_annotations).map_err(Proven::Api)?;
    let started = Instant::now();
    let mut pause = Duration::from_millis(500);
    loop {
        let answer = dry_run_through_webhook(client, namespace, &pod, INJECTS_WITHIN)
            .await
            .map_err(Proven::Api)?;
        let stored = match answer {
            // Refused over the injected native sidecar (the gate is off): the injector ran; the
            // rejected cell's pods get exactly this.
            DryRun::RefusedForInitContainers => return Ok(()),
            DryRun::Stored(stored) => stored,
        };
        match placed(&stored, injector.sidecar_container(), effective) {
            Placed::Where(true) => return Ok(()),
            Placed::Where(false) => {
                return Err(Proven::NotLive(describe(&stored, injector, effective)));
            }
            Placed::Absent if started.elapsed() >= INJECTS_WITHIN => {
                return Err(Proven::NotLive(describe(&stored, injector, effective)));
            }
            Placed::Absent => {
                tracing::debug!(%injector, "the injector has not injected yet; asking again");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(4));
            }
        }
    }
}

/// Where a dry-run pod has the sidecar.
enum Placed {
    /// Not at all (yet).
    Absent,
    /// Somewhere: `true` where the cell's layout puts it.
    Where(bool),
}

fn placed(stored: &Pod, sidecar: &str, effective: EffectiveMode) -> Placed {
    let spec = stored.spec.clone().unwrap_or_default();
    let init = spec
        .init_containers
        .iter()
        .flatten()
        .find(|c| c.name == sidecar);
    let regular = spec.containers.iter().any(|c| c.name == sidecar);
    match (init, regular) {
        (None, false) => Placed::Absent,
        (Some(init), _) => Placed::Where(
            effective != EffectiveMode::Legacy && init.restart_policy.as_deref() == Some("Always"),
        ),
        (None, true) => Placed::Where(effective == EffectiveMode::Legacy),
    }
}

fn describe(stored: &Pod, injector: InjectorSpec, effective: EffectiveMode) -> String {
    let spec = stored.spec.clone().unwrap_or_default();
    let inits: Vec<&str> = spec
        .init_containers
        .iter()
        .flatten()
        .map(|c| c.name.as_str())
        .collect();
    let containers: Vec<&str> = spec.containers.iter().map(|c| c.name.as_str()).collect();
    let place = match effective {
        EffectiveMode::Legacy => "a regular container",
        EffectiveMode::Native | EffectiveMode::Rejected => {
            "an init container with restartPolicy: Always"
        }
    };
    format!(
        "a dry-run pod came back without {} as {place} within {}s (init containers: {inits:?}, containers: {containers:?})",
        injector.sidecar_container(),
        INJECTS_WITHIN.as_secs()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(value: serde_json::Value) -> Pod {
        serde_json::from_value(value).expect("pod")
    }

    #[test]
    fn the_sidecar_must_be_where_the_layout_puts_it() {
        let native = pod(serde_json::json!({"spec": {
            "initContainers": [{"name": "sidecar-proxy", "restartPolicy": "Always"}],
            "containers": [{"name": "app"}]}}));
        assert!(matches!(
            placed(&native, "sidecar-proxy", EffectiveMode::Native),
            Placed::Where(true)
        ));
        assert!(matches!(
            placed(&native, "sidecar-proxy", EffectiveMode::Legacy),
            Placed::Where(false)
        ));
        let legacy = pod(serde_json::json!({"spec": {
            "containers": [{"name": "app"}, {"name": "sidecar-proxy"}]}}));
        assert!(matches!(
            placed(&legacy, "sidecar-proxy", EffectiveMode::Legacy),
            Placed::Where(true)
        ));
        let none = pod(serde_json::json!({"spec": {"containers": [{"name": "app"}]}}));
        assert!(matches!(
            placed(&none, "otc-container", EffectiveMode::Native),
            Placed::Absent
        ));
        let text = describe(&none, InjectorSpec::builtin(), EffectiveMode::Native);
        assert!(
            text.contains("without sidecar-proxy as an init container with restartPolicy: Always"),
            "{text}"
        );
    }
}
