//! Installing Istio with `istioctl`: `install -y` with the minimal profile, native sidecars on or
//! off per cell (`values.pilot.env.ENABLE_NATIVE_SIDECARS`), and access logs on stdout in Istio's
//! default format — the format the builtin proxy writes too, so one parser reads both.
//!
//! Istio's images come from a registry (docker.io/istio); they cannot be built offline, so where
//! no registry answers the install fails, and the error says so.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::cluster::ClusterAccess;
use crate::process::{ToolCommand, ToolError};

/// The namespace label that turns Istio's injection on.
pub const ISTIO_INJECTION_LABEL: (&str, &str) = ("istio-injection", "enabled");

/// `istioctl install` failed.
#[derive(Debug, thiserror::Error)]
#[error("istioctl could not install Istio{}", hint.map(|h| format!(" (hint: {h})")).unwrap_or_default())]
pub struct IstioError {
    /// What to do about it, when recognised.
    pub hint: Option<&'static str>,
    /// The command's failure.
    #[source]
    pub source: ToolError,
}

/// The `istioctl` binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Istioctl {
    /// The binary.
    pub bin: PathBuf,
}

/// `istioctl install …` for a cluster, with native sidecars on or off.
pub fn istio_install_args(access: &ClusterAccess, native: bool) -> Vec<OsString> {
    let mut argv: Vec<OsString> = vec!["install".into(), "-y".into()];
    argv.push("--kubeconfig".into());
    argv.push(access.kubeconfig.clone().into_os_string());
    if let Some(context) = &access.context {
        argv.push("--context".into());
        argv.push(context.into());
    }
    for setting in [
        "profile=minimal".to_owned(),
        format!("values.pilot.env.ENABLE_NATIVE_SIDECARS={native}"),
        "meshConfig.accessLogFile=/dev/stdout".to_owned(),
    ] {
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
            "Istio's images come from docker.io/istio and cannot be built offline; where no image \
             registry answers, test Istio on GitHub Actions or a laptop (README: what runs where)",
        )
    } else if stderr.contains("context deadline exceeded") || stderr.contains("timed out") {
        Some(
            "istiod did not become ready; if its pod is in ImagePullBackOff, no registry answers \
             for docker.io/istio (Istio cannot run offline)",
        )
    } else {
        None
    }
}

impl Istioctl {
    /// Installs Istio into the cluster at `access`.
    ///
    /// # Errors
    /// [`IstioError`] with istioctl's output and, where recognised, why.
    pub async fn install(&self, access: &ClusterAccess, native: bool) -> Result<(), IstioError> {
        ToolCommand::new(&self.bin, istio_install_args(access, native))
            .run()
            .await
            .map(drop)
            .map_err(|source| IstioError {
                hint: istio_failure_hint(source.stderr()),
                source,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::words;

    #[test]
    fn installs_minimal_istio_with_the_cells_native_setting_and_access_logs() {
        let access = ClusterAccess {
            kubeconfig: PathBuf::from("/run/kubeconfig"),
            context: Some("kind-a".to_owned()),
        };
        assert_eq!(
            words(&istio_install_args(&access, true)),
            [
                "install",
                "-y",
                "--kubeconfig",
                "/run/kubeconfig",
                "--context",
                "kind-a",
                "--set",
                "profile=minimal",
                "--set",
                "values.pilot.env.ENABLE_NATIVE_SIDECARS=true",
                "--set",
                "meshConfig.accessLogFile=/dev/stdout",
            ]
        );
        let legacy = words(&istio_install_args(
            &ClusterAccess {
                kubeconfig: PathBuf::from("k"),
                context: None,
            },
            false,
        ));
        assert!(legacy.contains(&"values.pilot.env.ENABLE_NATIVE_SIDECARS=false".to_owned()));
        assert!(!legacy.contains(&"--context".to_owned()));
    }

    #[test]
    fn an_image_pull_failure_says_istio_needs_a_registry() {
        let hint = istio_failure_hint("istiod: ImagePullBackOff").expect("recognised");
        assert!(hint.contains("cannot be built offline"), "{hint}");
        assert_eq!(istio_failure_hint("some other failure"), None);
    }
}
