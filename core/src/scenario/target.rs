//! What a scenario's expectations depend on: the cell's Kubernetes minor and the patch its node
//! image runs (known bugs are fixed in patches), whether the cluster honours native sidecars, and
//! the layout the injector's pods get.

use crate::plan::{EffectiveMode, InjectorSpec, K8sVersion, NO_TRAFFIC, PlannedCell, Traffic};
use crate::pod::PodRoles;

/// One valid cell, as the scenarios see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// The Kubernetes minor of the kubelet the workload runs on (the worker's, in a cell with
    /// one; else the cluster's).
    pub k8s: K8sVersion,
    /// The patch of that kubelet's node image (`13` of `v1.32.13`); `None` when unknown.
    pub patch: Option<u32>,
    /// The API server's minor: the control plane's (it prints the pod rows and keeps or drops
    /// `restartPolicy`).
    pub api_server: K8sVersion,
    /// Whether the API server and kubelet honour `restartPolicy: Always` on init containers.
    pub sidecars_on: bool,
    /// The layout the injector's pods get.
    pub mode: EffectiveMode,
    /// Which injector adds the proxy.
    pub injector: InjectorSpec,
}

impl Target {
    /// The target of a planned cell; `None` for a cell that cannot run.
    pub fn of(planned: &PlannedCell) -> Option<Target> {
        Some(Target {
            k8s: planned.cell.kubelet(),
            api_server: planned.cell.k8s,
            patch: planned
                .cluster
                .as_ref()
                .and_then(|c| patch_of_image(c.workload_node_image())),
            sidecars_on: planned.sidecars_enabled?,
            mode: planned.effective_mode?,
            injector: planned.cell.injector,
        })
    }

    /// A single-node cell of `1.<minor>.<patch>` where native sidecars are on and the built-in
    /// injector gives pods the native layout: the cell most known-bug scenarios are about, and
    /// the one their tests hold them to.
    pub fn native(minor: u32, patch: Option<u32>) -> Target {
        Target {
            k8s: K8sVersion::new(minor),
            patch,
            sidecars_on: true,
            mode: EffectiveMode::Native,
            injector: InjectorSpec::builtin(),
            api_server: K8sVersion::new(minor),
        }
    }

    /// The target with the patch a live cluster reported (`v1.33.13`, a kubelet's or the API
    /// server's version), when it is of the target's minor: known bugs live in the kubelet, and a
    /// cluster from this project's offline images runs a newer patch than the table's upstream
    /// node image.
    #[must_use]
    pub fn on_reported_version(self, version: &str) -> Target {
        let mut parts = version.trim_start_matches('v').split(['.', '-', '+']);
        let (major, minor, patch) = (parts.next(), parts.next(), parts.next());
        match (
            major,
            minor.and_then(|m| m.parse::<u32>().ok()),
            patch.and_then(|p| p.parse().ok()),
        ) {
            (Some("1"), Some(minor), Some(patch)) if minor == self.k8s.minor => Target {
                patch: Some(patch),
                ..self
            },
            _ => self,
        }
    }

    /// Whether `version` (`v1.32.13`, as a node reports it) is of the workload's kubelet minor.
    pub fn is_of_minor(&self, version: &str) -> bool {
        let mut parts = version.trim_start_matches('v').split('.');
        parts.next() == Some("1")
            && parts.next().and_then(|m| m.parse::<u32>().ok()) == Some(self.k8s.minor)
    }

    /// Which containers of the cell's pods are sidecars.
    pub fn roles(&self) -> PodRoles {
        PodRoles::proxy(proxy_name(self.injector))
    }

    /// The known-bug scenarios write their own native sidecars: they run only where the cluster
    /// honours them.
    ///
    /// # Errors
    /// Why not, where the gate is off.
    pub fn native_sidecars(&self) -> Result<(), &'static str> {
        if self.sidecars_on {
            Ok(())
        } else {
            Err("needs native sidecars: the gate is off here")
        }
    }

    /// The scenarios about traffic through the sidecar run only where the injector's profile
    /// says how to make it.
    ///
    /// # Errors
    /// Why not, where the profile names no traffic (`traffic.kind: none`).
    pub fn sidecar_traffic(&self) -> Result<(), &'static str> {
        if self.injector.profile().traffic == Traffic::None {
            Err(NO_TRAFFIC)
        } else {
            Ok(())
        }
    }

    /// `1.32.13`, or `1.32` when the patch is unknown.
    pub fn version(&self) -> String {
        match self.patch {
            Some(patch) => format!("{}.{patch}", self.k8s),
            None => self.k8s.to_string(),
        }
    }
}

/// The container an injector adds (its profile's `sidecar.container`).
pub fn proxy_name(injector: InjectorSpec) -> &'static str {
    injector.sidecar_container()
}

/// The patch number in a node image reference: `…:v1.32.13@sha256:…` → 13.
pub fn patch_of_image(image: &str) -> Option<u32> {
    let tag = image.rsplit_once(":v")?.1;
    let tag = tag.split('@').next()?;
    tag.split('.').nth(2)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reported_version_of_the_same_minor_sets_the_patch() {
        let target = Target {
            k8s: K8sVersion::new(33),
            patch: Some(4),
            sidecars_on: true,
            mode: EffectiveMode::Native,
            injector: InjectorSpec::builtin(),
            api_server: K8sVersion::new(33),
        };
        assert_eq!(target.on_reported_version("v1.33.13").patch, Some(13));
        assert_eq!(
            target.on_reported_version("v1.34.1").patch,
            Some(4),
            "another minor"
        );
        assert_eq!(target.on_reported_version("garbage").patch, Some(4));
    }

    #[test]
    fn reads_the_patch_from_a_pinned_reference() {
        assert_eq!(patch_of_image("kindest/node:v1.32.13@sha256:abc"), Some(13));
        assert_eq!(
            patch_of_image("sidecar-e2e.local/kind-node:v1.28.15"),
            Some(15)
        );
        assert_eq!(patch_of_image("kindest/node:latest"), None);
    }
}
