//! Installing an injector whose profile says `install: manifests`: certificates for its webhook's
//! Service, the TLS Secret, the manifests by server-side apply with the values the harness fills
//! (images, the mode, the CA bundle), its Deployments awaited — and then the webhook proven live by
//! a dry-run pod before any scenario starts, so a broken install never shows up as a scenario
//! failure. This repository's injector and the OpenTelemetry Operator install this way.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Pod, Secret};
use kube::Api;
use kube::api::{Patch, PatchParams};
use kube::runtime::watcher;
use serde_json::json;
use sidecar_e2e_core::plan::{
    Certificate, EffectiveMode, ImageTable, InjectorSpec, ManifestInstall, ManifestSource,
};

use super::certs::{CertError, ServingCertificates};
use super::{Proven, prove_live};
use crate::api::{
    ApplyError, FIELD_MANAGER, WaitError, apply_manifest, await_all, deployment_available,
    describe_deployment,
};
use crate::bounded_read::read_at_most;

/// How long an injector's Deployments may take to become available.
const READY_TIMEOUT: Duration = Duration::from_secs(180);

/// A manifest install that failed.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// Certificates could not be made.
    #[error("cannot make the webhook's certificates")]
    Certs(#[source] CertError),
    /// A manifest could not be filled in (an image it names, a file the offline build did not
    /// write).
    #[error("cannot fill in {manifest}: {reason}")]
    Render {
        /// Which manifest.
        manifest: String,
        /// Why.
        reason: String,
    },
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
    /// A Deployment never became available.
    #[error("{deployment} did not become available")]
    NotReady {
        /// `namespace/name`.
        deployment: String,
        /// Why.
        #[source]
        source: WaitError,
    },
    /// The webhook does not do its job.
    #[error(transparent)]
    NotLive(#[from] Proven),
}

/// The values the harness fills into an injector's manifests: every image of the table
/// (`${INJECTOR_IMAGE}`, `${ENVOY_IMAGE}`, …, and the injector's own built images as
/// `${<KEY>_IMAGE}`), and `${INJECTOR_MODE}`.
pub fn variables(
    images: &ImageTable,
    injector: InjectorSpec,
    mode: Option<&str>,
) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    for (key, image) in images.injector_images(injector) {
        values.insert(format!("{}_IMAGE", key.to_uppercase()), image);
    }
    if let Some(mode) = mode {
        values.insert("INJECTOR_MODE".to_owned(), mode.to_owned());
    }
    values
}

/// `text` with `${NAME}` of `values` filled, then the table's images; `${…}` that name neither
/// are left for a shell (workloads' scripts use their own).
///
/// # Errors
/// [`InstallError::Render`] when an `${…_IMAGE}` is neither a value nor in the table.
pub fn fill(
    name: &str,
    text: &str,
    images: &ImageTable,
    values: &BTreeMap<String, String>,
) -> Result<String, InstallError> {
    let mut filled = text.to_owned();
    for (key, value) in values {
        filled = filled.replace(&format!("${{{key}}}"), value);
    }
    images
        .render_manifest(&filled)
        .map_err(|err| InstallError::Render {
            manifest: name.to_owned(),
            reason: err.to_string(),
        })
}

/// The text of one of a profile's manifests: a file beside it, or the one the offline build
/// wrote (named in the image map).
fn source_text(
    injector: InjectorSpec,
    images: &ImageTable,
    source: &ManifestSource,
) -> Result<(String, String), InstallError> {
    match source {
        ManifestSource::File(name) => injector
            .profile()
            .file(name)
            .map(|text| (name.clone(), text.to_owned()))
            .ok_or_else(|| InstallError::Render {
                manifest: name.clone(),
                reason: format!("{} names no such file", injector.profile().source),
            }),
        ManifestSource::Built => {
            let path = images
                .injector_manifest(injector)
                .ok_or_else(|| InstallError::Render {
                    manifest: format!("{injector}'s built manifest"),
                    reason: format!(
                        "the image map names none: build it offline with `sidecar-e2e images build --injector {injector}`"
                    ),
                })?;
            let text = read_manifest(&path).map_err(|reason| InstallError::Render {
                manifest: path.clone(),
                reason,
            })?;
            Ok((path, text))
        }
    }
}

/// The largest built manifest read: the image map names the file, so a wrong path (a device,
/// a huge file) must fail fast. The OpenTelemetry Operator's, CRDs included, is 0.72 MiB.
const MANIFEST_LIMIT: u64 = 16 * 1024 * 1024;

/// A built manifest's text: whole, UTF-8, at most [`MANIFEST_LIMIT`].
fn read_manifest(path: &str) -> Result<String, String> {
    let file = std::fs::File::open(path).map_err(|err| err.to_string())?;
    let hint = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bytes = read_at_most(file, MANIFEST_LIMIT, hint).map_err(|err| err.to_string())?;
    if bytes.len() as u64 > MANIFEST_LIMIT {
        return Err(format!(
            "larger than {} MiB: not an install manifest",
            MANIFEST_LIMIT / 1024 / 1024
        ));
    }
    String::from_utf8(bytes).map_err(|err| format!("not UTF-8 text ({err})"))
}

/// Every manifest of `install`, filled in for `effective`, the CA bundle placed.
///
/// # Errors
/// [`InstallError::Render`].
pub fn rendered(
    injector: InjectorSpec,
    install: &ManifestInstall,
    images: &ImageTable,
    effective: EffectiveMode,
    ca_pem: Option<&str>,
) -> Result<Vec<(String, String)>, InstallError> {
    let mode = install
        .mode_values
        .get(mode_word(effective))
        .map(String::as_str);
    let values = variables(images, injector, mode);
    let mut rendered = Vec::new();
    for source in &install.manifests {
        let (name, text) = source_text(injector, images, source)?;
        let mut text = fill(&name, &text, images, &values)?;
        if let (Some(certificate), Some(ca)) = (&install.certificate, ca_pem) {
            let bundle = base64::engine::general_purpose::STANDARD.encode(ca);
            text = text.replace(&certificate.ca_bundle_placeholder, &bundle);
        }
        rendered.push((name, text));
    }
    Ok(rendered)
}

/// The word a profile's `modeValues` and `modeSet` are keyed by.
pub fn mode_word(effective: EffectiveMode) -> &'static str {
    match effective {
        // A rejected cell is one where native was asked for and the API server refuses it.
        EffectiveMode::Native | EffectiveMode::Rejected => "native",
        EffectiveMode::Legacy => "legacy",
    }
}

/// Installs `injector` by its manifests and proves the webhook answers. `run_id` labels the
/// namespace the proof runs in (deleted afterwards; `gc` finds it if the run dies first).
///
/// # Errors
/// [`InstallError`] naming the step.
pub async fn install_manifests(
    client: &kube::Client,
    injector: InjectorSpec,
    install: &ManifestInstall,
    images: &ImageTable,
    effective: EffectiveMode,
    run_id: &str,
) -> Result<(), InstallError> {
    let certs = match &install.certificate {
        Some(certificate) => Some((
            certificate,
            ServingCertificates::for_service(&certificate.service, &certificate.namespace)
                .map_err(InstallError::Certs)?,
        )),
        None => None,
    };
    let manifests = rendered(
        injector,
        install,
        images,
        effective,
        certs.as_ref().map(|(_, c)| c.ca_pem.as_str()),
    )?;
    // Namespaces first: the Secret needs its own, and the rest may name it.
    for (name, text) in &manifests {
        apply_manifest(client, name, text, None)
            .await
            .map_err(|err| InstallError::Apply(Box::new(err)))?;
        if let Some((certificate, certs)) = &certs {
            apply_secret(client, certificate, certs).await?;
        }
    }
    for workload in &install.available {
        await_all(
            Api::<Deployment>::namespaced(client.clone(), &workload.namespace),
            watcher::Config::default().fields(&format!("metadata.name={}", workload.deployment)),
            &format!("the {} Deployment", workload.deployment),
            1,
            READY_TIMEOUT,
            deployment_available,
            describe_deployment,
        )
        .await
        .map_err(|source| InstallError::NotReady {
            deployment: format!("{}/{}", workload.namespace, workload.deployment),
            source,
        })?;
    }
    prove_live(client, injector, images, effective, run_id).await?;
    Ok(())
}

/// The TLS Secret (`tls.crt`, `tls.key`) the webhook serves with. Applied after each manifest
/// until its namespace exists (the first that creates it); a namespace not there yet is no error.
async fn apply_secret(
    client: &kube::Client,
    certificate: &Certificate,
    certs: &ServingCertificates,
) -> Result<(), InstallError> {
    let secret: Secret = serde_json::from_value(json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": certificate.secret, "namespace": certificate.namespace,
                     "labels": {"app.kubernetes.io/part-of": "sidecar-e2e"}},
        "type": "kubernetes.io/tls",
        "stringData": {"tls.crt": certs.cert_pem, "tls.key": certs.key_pem},
    }))
    .map_err(|err| InstallError::Api {
        what: "build the TLS Secret",
        source: kube::Error::SerdeError(err),
    })?;
    let applied = Api::<Secret>::namespaced(client.clone(), &certificate.namespace)
        .patch(
            &certificate.secret,
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(&secret),
        )
        .await;
    match applied {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        Err(source) => Err(InstallError::Api {
            what: "apply the TLS Secret",
            source,
        }),
    }
}

/// A pod with one app container, as a check sends it.
pub(super) fn check_pod(
    labels: &BTreeMap<String, String>,
    annotations: &BTreeMap<String, String>,
) -> Result<Pod, kube::Error> {
    serde_json::from_value(json!({
        "metadata": {"name": "webhook-check", "labels": labels, "annotations": annotations},
        "spec": {"containers": [{"name": "app", "image": crate::cluster::PROBE_IMAGE}]},
    }))
    .map_err(kube::Error::SerdeError)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::parse_documents;
    use sidecar_e2e_core::plan::{Install, Minors};

    fn table() -> ImageTable {
        ImageTable::upstream_for(Minors::embedded().expect("table"))
    }

    fn builtin_install() -> ManifestInstall {
        match &InjectorSpec::builtin().profile().install {
            Install::Manifests(install) => install.clone(),
            Install::Istioctl(_) => panic!("the builtin profile installs by manifests"),
        }
    }

    #[test]
    fn a_built_manifest_that_is_not_one_fails_fast() {
        let err = read_manifest("/dev/zero").expect_err("endless");
        assert!(err.contains("larger than 16 MiB"), "{err}");
        let dir = tempfile::tempdir().expect("tempdir");
        let binary = dir.path().join("install.yaml");
        std::fs::write(&binary, [0xff, 0xfe]).expect("write");
        let err = read_manifest(&binary.display().to_string()).expect_err("not text");
        assert!(err.contains("not UTF-8"), "{err}");
    }

    #[test]
    fn the_builtin_manifests_get_the_mode_the_images_and_the_ca() {
        let manifests = rendered(
            InjectorSpec::builtin(),
            &builtin_install(),
            &table(),
            EffectiveMode::Legacy,
            Some("PEM"),
        )
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
        assert_eq!(mode_word(EffectiveMode::Rejected), "native");
        assert_eq!(mode_word(EffectiveMode::Legacy), "legacy");
    }

    #[test]
    fn a_built_manifest_the_image_map_lacks_is_named() {
        let otel: InjectorSpec = "otel".parse().expect("shipped");
        let Install::Manifests(install) = &otel.profile().install else {
            panic!("manifests");
        };
        let err = rendered(otel, install, &table(), EffectiveMode::Native, Some("PEM"))
            .expect_err("no offline build in the upstream table");
        assert!(
            err.to_string()
                .contains("build it offline with `sidecar-e2e images build --injector otel@0.153`"),
            "{err}"
        );
    }
}
