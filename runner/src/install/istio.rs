//! Installing Istio with `istioctl`: `install -y` with the minimal profile, the image table's hub
//! and tag, native sidecars on or off per cell (`values.pilot.env.ENABLE_NATIVE_SIDECARS`, always
//! written), access logs on stdout in Istio's default format — the format the builtin proxy
//! writes too, so one parser reads both — and then the injector proven live by a dry-run pod, as
//! the builtin install does, before any scenario starts.
//!
//! The images can be Istio's own (docker.io/istio) or the offline build's (`images build
//! --injector istio@1.31`: istiod and pilot-agent from the Go module, the sidecar running
//! upstream Envoy from PyPI). Upstream Envoy lacks the four Istio extensions Envoy keeps in
//! `contrib/istio`, so every install switches off what would emit them
//! (the Istio profile's `install.istioctl.set`); the harness needs none of them (docs/istio.md).

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use serde_json::json;
use sidecar_injector::config::Mode;

use crate::api::{DryRun, dry_run_through_webhook};
use crate::cluster::{ClusterAccess, ConnectError};
use crate::process::{ToolCommand, ToolError};
use sidecar_e2e_core::plan::{EffectiveMode, ImageTable, InjectorSpec, IstioctlInstall};

/// The pod label Istio's `object.sidecar-injector.istio.io` webhook selects in a namespace
/// without an injection label: how the dry-run proof reaches the injector without a namespace
/// of its own (the Istio profile's `proof.podLabels`).
pub const ISTIO_POD_INJECT_LABEL: (&str, &str) = ("sidecar.istio.io/inject", "true");

/// The namespace the dry-run pod is (not) created in: every cluster has it, and a dry run
/// leaves nothing behind.
const PROOF_NAMESPACE: &str = "default";

/// How long istiod's webhook may take to answer after `istioctl install` returned (istiod
/// patches its own CA into the webhook configuration once it runs).
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(120);

/// Istio could not be installed, or its injector does not work.
#[derive(Debug, thiserror::Error)]
pub enum IstioError {
    /// `istioctl install` failed.
    #[error("istioctl could not install Istio{}", hint.map(|h| format!(" (hint: {h})")).unwrap_or_default())]
    InstallFailed {
        /// What to do about it, when recognised.
        hint: Option<&'static str>,
        /// The command's failure.
        #[source]
        source: ToolError,
    },
    /// No client for the cluster, to prove the injector.
    #[error("cannot reach the cluster to prove Istio's injector")]
    Connect(#[source] ConnectError),
    /// The dry-run pod could not be sent.
    #[error("cannot dry-run a pod through Istio's injector")]
    Api(#[source] kube::Error),
    /// The injector answered, but not as the cell needs.
    #[error("Istio is installed but does not inject as asked: {0}")]
    NotLive(String),
}

/// The `istioctl` binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Istioctl {
    /// The binary.
    pub bin: PathBuf,
}

/// What one cell asks of `istioctl install`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IstioSettings {
    /// Native sidecars or the legacy layout. Always written (the profile's `modeSet`:
    /// `ENABLE_NATIVE_SIDECARS=true` or `false`): from 1.28 the default is `auto`, native only on
    /// kubelets from 1.33, and a cell must not depend on that.
    pub layout: Mode,
    /// `hub` and `tag` for istioctl (`{hub}/pilot:{tag}`, `{hub}/proxyv2:{tag}`), from the image
    /// table. `None`: istioctl's own (docker.io/istio and its version, for a release; the
    /// offline build's istioctl names the offline images).
    pub hub_tag: Option<(String, String)>,
    /// The profile's `--set` values for every cell, and per layout.
    pub install: IstioctlInstall,
}

impl IstioSettings {
    /// The settings for Istio `injector` with the layout `effective` needs, the profile's values,
    /// and the table's images for it when it names them.
    pub fn for_cell(
        images: &ImageTable,
        injector: InjectorSpec,
        install: &IstioctlInstall,
        effective: EffectiveMode,
    ) -> Self {
        let minor = injector.version.map(|v| v.minor).unwrap_or_default();
        IstioSettings {
            layout: match effective {
                EffectiveMode::Legacy => Mode::Legacy,
                EffectiveMode::Native | EffectiveMode::Rejected => Mode::Native,
            },
            hub_tag: images
                .istio_for(minor)
                .map(|i| (i.hub.clone(), i.tag.clone())),
            install: install.clone(),
        }
    }

    /// The proxy image pods must get, when the settings name one.
    pub fn proxy_image(&self) -> Option<String> {
        self.hub_tag
            .as_ref()
            .map(|(hub, tag)| format!("{hub}/proxyv2:{tag}"))
    }

    /// Every `--set` value, in order: the image table's hub and tag, the profile's values, and
    /// the profile's values for the layout.
    pub fn values(&self) -> Vec<String> {
        let mut values = Vec::new();
        if let Some((hub, tag)) = &self.hub_tag {
            values.push(format!("hub={hub}"));
            values.push(format!("tag={tag}"));
        }
        values.extend(self.install.set.iter().cloned());
        let layout = match self.layout {
            Mode::Native => "native",
            Mode::Legacy => "legacy",
        };
        values.extend(
            self.install
                .mode_set
                .get(layout)
                .cloned()
                .unwrap_or_default(),
        );
        values
    }
}

/// `istioctl install …` for a cluster with `settings`.
pub fn istio_install_args(access: &ClusterAccess, settings: &IstioSettings) -> Vec<OsString> {
    let mut argv: Vec<OsString> = vec!["install".into(), "-y".into()];
    argv.push("--kubeconfig".into());
    argv.push(access.kubeconfig.clone().into_os_string());
    if let Some(context) = &access.context {
        argv.push("--context".into());
        argv.push(context.into());
    }
    for setting in settings.values() {
        argv.push("--set".into());
        argv.push(setting.into());
    }
    argv
}

/// What a failed install's output says to do.
pub fn istio_failure_hint(stderr: &str) -> Option<&'static str> {
    let pull = [
        "ImagePullBackOff",
        "ErrImagePull",
        "pull access denied",
        "i/o timeout",
    ];
    if pull.iter().any(|needle| stderr.contains(needle)) {
        Some(
            "a node could not pull Istio's images; where no image registry answers, build them \
             offline (`sidecar-e2e images build --k8s <minor> --injector istio@1.31`) and pass the \
             image map it writes: the run loads {hub}/pilot and {hub}/proxyv2 into kind",
        )
    } else if stderr.contains("context deadline exceeded") || stderr.contains("timed out") {
        Some(
            "istiod did not become ready; look at its pod (kubectl -n istio-system describe pod \
             -l app=istiod): ImagePullBackOff means its images are not in the cluster",
        )
    } else {
        None
    }
}

/// Checks a dry-run pod the injector answered: istio-init and istio-proxy where `layout` puts
/// them, running the proxy image the settings named.
fn check_injected(stored: &Pod, settings: &IstioSettings) -> Result<(), IstioError> {
    let spec = stored.spec.clone().unwrap_or_default();
    let inits: Vec<_> = spec.init_containers.unwrap_or_default();
    let init_names: Vec<&str> = inits.iter().map(|c| c.name.as_str()).collect();
    let names: Vec<&str> = spec.containers.iter().map(|c| c.name.as_str()).collect();
    let not_live = |what: String| {
        IstioError::NotLive(format!(
            "{what} (init containers: {init_names:?}, containers: {names:?})"
        ))
    };
    let proxy = match settings.layout {
        // Native: istio-init, then istio-proxy restartable, before any other init container.
        Mode::Native => {
            if init_names.get(..2) != Some(&["istio-init", "istio-proxy"][..]) {
                return Err(not_live(
                    "a dry-run pod did not get istio-init then istio-proxy as its first init containers".to_owned(),
                ));
            }
            let proxy = &inits[1];
            if proxy.restart_policy.as_deref() != Some("Always") {
                return Err(not_live(format!(
                    "istio-proxy is an init container without restartPolicy: Always ({:?})",
                    proxy.restart_policy
                )));
            }
            proxy
        }
        Mode::Legacy => {
            if !init_names.contains(&"istio-init") {
                return Err(not_live("a dry-run pod did not get istio-init".to_owned()));
            }
            match spec.containers.iter().find(|c| c.name == "istio-proxy") {
                Some(proxy) if !init_names.contains(&"istio-proxy") => proxy,
                _ => {
                    return Err(not_live(
                        "a dry-run pod did not get istio-proxy as a regular container".to_owned(),
                    ));
                }
            }
        }
    };
    if let Some(expected) = settings.proxy_image()
        && proxy.image.as_deref() != Some(expected.as_str())
    {
        return Err(not_live(format!(
            "istio-proxy runs {:?}, not the image table's {expected}",
            proxy.image
        )));
    }
    Ok(())
}

impl Istioctl {
    /// Installs Istio into the cluster at `access` with `layout`, with istioctl's own hub and
    /// tag, and proves the injector live. [`Istioctl::install_with`] takes the image table's.
    ///
    /// # Errors
    /// [`IstioError`] naming the step.
    pub async fn install(
        &self,
        access: &ClusterAccess,
        install: &IstioctlInstall,
        native: bool,
    ) -> Result<(), IstioError> {
        let layout = if native { Mode::Native } else { Mode::Legacy };
        let settings = IstioSettings {
            layout,
            hub_tag: None,
            install: install.clone(),
        };
        self.install_with(access, &settings).await
    }

    /// Installs Istio with `settings` (`istioctl install` waits for istiod), then sends a
    /// dry-run pod through the injector and checks it came back injected as the cell needs.
    ///
    /// # Errors
    /// [`IstioError`]: istioctl's failure with a hint where recognised, or an injector that
    /// does not answer or injects something else.
    pub async fn install_with(
        &self,
        access: &ClusterAccess,
        settings: &IstioSettings,
    ) -> Result<(), IstioError> {
        ToolCommand::new(&self.bin, istio_install_args(access, settings))
            .run()
            .await
            .map_err(|source| IstioError::InstallFailed {
                hint: istio_failure_hint(source.stderr()),
                source,
            })?;
        let client = access.client().await.map_err(IstioError::Connect)?;
        prove_live(&client, settings).await
    }
}

/// A dry-run pod labelled for injection must come back with Istio's containers where the
/// layout puts them (or, where the cell's pods are refused, be refused for the proxy's sake).
async fn prove_live(client: &kube::Client, settings: &IstioSettings) -> Result<(), IstioError> {
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {
            "name": "istio-injector-check",
            "labels": {ISTIO_POD_INJECT_LABEL.0: ISTIO_POD_INJECT_LABEL.1},
        },
        "spec": {"containers": [{"name": "app", "image": crate::cluster::PROBE_IMAGE}]},
    }))
    .map_err(|err| IstioError::Api(kube::Error::SerdeError(err)))?;
    // Refused over the injected native proxy (the gate is off): the injector ran; the rejected
    // cell's pods get exactly this.
    match dry_run_through_webhook(client, PROOF_NAMESPACE, &pod, WEBHOOK_TIMEOUT).await {
        Ok(DryRun::Stored(stored)) => check_injected(&stored, settings),
        Ok(DryRun::RefusedForInitContainers) => Ok(()),
        Err(source) => Err(IstioError::Api(source)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::words;

    fn profile_install() -> IstioctlInstall {
        match &InjectorSpec::istio(31).profile().install {
            sidecar_e2e_core::plan::Install::Istioctl(install) => install.clone(),
            sidecar_e2e_core::plan::Install::Manifests(_) => panic!("Istio installs by istioctl"),
        }
    }

    fn offline(layout: Mode) -> IstioSettings {
        IstioSettings {
            layout,
            hub_tag: Some(("sidecar-e2e.local/istio".to_owned(), "1.31-dev".to_owned())),
            install: profile_install(),
        }
    }

    #[test]
    fn installs_minimal_istio_with_the_tables_images_the_cells_layout_and_upstream_envoy() {
        let access = ClusterAccess {
            kubeconfig: PathBuf::from("/run/kubeconfig"),
            context: Some("kind-a".to_owned()),
        };
        assert_eq!(
            words(&istio_install_args(&access, &offline(Mode::Native))),
            [
                "install",
                "-y",
                "--kubeconfig",
                "/run/kubeconfig",
                "--context",
                "kind-a",
                "--set",
                "hub=sidecar-e2e.local/istio",
                "--set",
                "tag=1.31-dev",
                "--set",
                "profile=minimal",
                "--set",
                "values.global.imagePullPolicy=IfNotPresent",
                "--set",
                "values.pilot.env.PILOT_ENABLE_METADATA_EXCHANGE=false",
                "--set",
                "values.pilot.env.PILOT_ENABLE_ALPN_FILTER=false",
                "--set",
                "values.telemetry.enabled=false",
                "--set",
                "values.pilot.resources.requests.cpu=50m",
                "--set",
                "values.pilot.resources.requests.memory=256Mi",
                "--set",
                "values.global.proxy.resources.requests.cpu=10m",
                "--set",
                "values.global.proxy.resources.requests.memory=64Mi",
                "--set",
                "meshConfig.accessLogFile=/dev/stdout",
                "--set",
                "values.pilot.env.ENABLE_NATIVE_SIDECARS=true",
            ]
        );
    }

    #[test]
    fn legacy_writes_native_sidecars_false_and_no_table_entry_keeps_istioctls_images() {
        let access = ClusterAccess {
            kubeconfig: PathBuf::from("k"),
            context: None,
        };
        let settings = IstioSettings {
            layout: Mode::Legacy,
            hub_tag: None,
            install: profile_install(),
        };
        let argv = words(&istio_install_args(&access, &settings));
        assert!(argv.contains(&"values.pilot.env.ENABLE_NATIVE_SIDECARS=false".to_owned()));
        assert!(!argv.contains(&"--context".to_owned()));
        assert!(
            !argv
                .iter()
                .any(|a| a.starts_with("hub=") || a.starts_with("tag=")),
            "{argv:?}"
        );
        // What upstream Envoy needs switched off, from the profile (docs/istio.md).
        for setting in [
            "values.pilot.env.PILOT_ENABLE_METADATA_EXCHANGE=false",
            "values.pilot.env.PILOT_ENABLE_ALPN_FILTER=false",
            "values.telemetry.enabled=false",
        ] {
            assert!(argv.contains(&setting.to_owned()), "{setting}");
        }
    }

    #[test]
    fn the_cell_takes_hub_and_tag_from_the_image_table() {
        let mut map = sidecar_e2e_core::plan::ImageMap::default();
        map.insert_istio("1.31", "sidecar-e2e.local/istio", "1.31-dev");
        let table = ImageTable::upstream([]).overridden_by(map);
        let install = profile_install();
        assert_eq!(
            IstioSettings::for_cell(
                &table,
                InjectorSpec::istio(31),
                &install,
                EffectiveMode::Native
            ),
            offline(Mode::Native)
        );
        assert_eq!(
            IstioSettings::for_cell(
                &table,
                InjectorSpec::istio(28),
                &install,
                EffectiveMode::Legacy
            )
            .hub_tag,
            None
        );
    }

    #[test]
    fn an_image_pull_failure_says_how_to_build_istio_offline() {
        let hint = istio_failure_hint("istiod: ImagePullBackOff").expect("recognised");
        assert!(hint.contains("--injector istio@1.31"), "{hint}");
        assert_eq!(istio_failure_hint("some other failure"), None);
    }

    fn pod(value: serde_json::Value) -> Pod {
        serde_json::from_value(value).expect("pod")
    }

    const PROXY: &str = "sidecar-e2e.local/istio/proxyv2:1.31-dev";

    #[test]
    fn a_native_injection_is_istio_init_then_a_restartable_istio_proxy() {
        let native = pod(json!({"spec": {
            "initContainers": [
                {"name": "istio-init", "image": PROXY},
                {"name": "istio-proxy", "image": PROXY, "restartPolicy": "Always"},
            ],
            "containers": [{"name": "app"}],
        }}));
        check_injected(&native, &offline(Mode::Native)).expect("native");
        let err = check_injected(&native, &offline(Mode::Legacy)).expect_err("not legacy");
        assert!(err.to_string().contains("regular container"), "{err}");
        let other_image = IstioSettings {
            hub_tag: Some(("docker.io/istio".to_owned(), "1.31.0".to_owned())),
            ..offline(Mode::Native)
        };
        let err = check_injected(&native, &other_image).expect_err("wrong image");
        assert!(
            err.to_string().contains("docker.io/istio/proxyv2:1.31.0"),
            "{err}"
        );
        let dropped = pod(json!({"spec": {
            "initContainers": [
                {"name": "istio-init", "image": PROXY},
                {"name": "istio-proxy", "image": PROXY},
            ],
            "containers": [{"name": "app"}],
        }}));
        let err = check_injected(&dropped, &offline(Mode::Native)).expect_err("no restartPolicy");
        assert!(err.to_string().contains("restartPolicy"), "{err}");
    }

    #[test]
    fn a_legacy_injection_appends_istio_proxy_and_an_uninjected_pod_is_not_live() {
        let legacy = pod(json!({"spec": {
            "initContainers": [{"name": "istio-init", "image": PROXY}],
            "containers": [{"name": "app"}, {"name": "istio-proxy", "image": PROXY}],
        }}));
        check_injected(&legacy, &offline(Mode::Legacy)).expect("legacy");
        let err = check_injected(&legacy, &offline(Mode::Native)).expect_err("not native");
        assert!(
            err.to_string().contains("istio-init then istio-proxy"),
            "{err}"
        );
        let bare = pod(json!({"spec": {"containers": [{"name": "app"}]}}));
        for layout in [Mode::Native, Mode::Legacy] {
            assert!(matches!(
                check_injected(&bare, &offline(layout)),
                Err(IstioError::NotLive(_))
            ));
        }
    }
}
