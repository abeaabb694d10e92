//! The capability probe: does this cluster honour native sidecars? Asked by a server-side dry-run
//! create of [`probe_pod`] — an init container with `restartPolicy: Always` — and answered by
//! whether the stored object keeps the field (§2: with the gate off the API server drops it
//! silently). Never guessed from versions: a gate that did not take effect must show.
//!
//! Running the dry-run is the caller's (the suites today, the cluster stage later); this module
//! builds the pod, reads the answer and compares it with the plan.

use serde_json::{Value, json};

use crate::plan::{ClusterSpec, Gate, K8sVersion};

/// Name of the probe pod (a dry-run never creates it).
pub const PROBE_POD_NAME: &str = "sidecar-e2e-capability-probe";

/// The answer of a dry-run could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProbeError {
    /// The answer is not the probe pod.
    #[error("the dry-run answer is not the probe pod (kind {kind:?}, name {name:?})")]
    NotTheProbe {
        /// `kind` of the answer.
        kind: Option<String>,
        /// `metadata.name` of the answer.
        name: Option<String>,
    },
    /// The stored pod has no init container at all (something removed it).
    #[error("the dry-run answer has no init container")]
    NoInitContainer,
}

/// The probe said one thing, the plan another: the cluster is not the cell it claims to be.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "the capability probe found native sidecars {found} on Kubernetes {k8s} with --gate {gate}, \
     but the plan expects them {expected}: the SidecarContainers setting did not take effect",
    found = on_off(*found), expected = on_off(*expected)
)]
pub struct ProbeContradiction {
    /// The cell's version.
    pub k8s: K8sVersion,
    /// The cell's gate setting.
    pub gate: Gate,
    /// What the plan expects.
    pub expected: bool,
    /// What the probe found.
    pub found: bool,
}

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

/// The pod to dry-run in `namespace`. No probes or lifecycle hooks: with the gate off the API
/// server must accept it (and drop the field), not refuse it for a different reason.
pub fn probe_pod(namespace: &str, image: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": PROBE_POD_NAME, "namespace": namespace},
        "spec": {
            "initContainers": [{
                "name": "probe-sidecar",
                "image": image,
                "restartPolicy": "Always",
            }],
            "containers": [{"name": "probe-app", "image": image}],
        },
    })
}

/// Whether the stored probe pod kept `restartPolicy: Always` on its init container.
///
/// # Errors
/// [`ProbeError`] when the answer is not the probe pod or lost its init container.
pub fn native_sidecars_kept(stored: &Value) -> Result<bool, ProbeError> {
    let text = |v: &Value| v.as_str().map(str::to_owned);
    if stored["kind"] != "Pod" || stored["metadata"]["name"] != PROBE_POD_NAME {
        return Err(ProbeError::NotTheProbe {
            kind: text(&stored["kind"]),
            name: text(&stored["metadata"]["name"]),
        });
    }
    let init = stored["spec"]["initContainers"]
        .get(0)
        .ok_or(ProbeError::NoInitContainer)?;
    Ok(init["restartPolicy"] == "Always")
}

/// Compares the probe with what the plan expects for `spec`'s version and gate.
///
/// # Errors
/// [`ProbeContradiction`] when they differ. (A spec whose gate cannot boot has no cluster to
/// probe; it is accepted as is.)
pub fn check_probe(spec: &ClusterSpec, found: bool) -> Result<(), ProbeContradiction> {
    if spec.sidecars_on == found {
        return Ok(());
    }
    Err(ProbeContradiction {
        k8s: spec.k8s,
        gate: spec.gate,
        expected: spec.sidecars_on,
        found,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::cluster_spec;

    fn stored(mut pod: Value, keep: bool) -> Value {
        if !keep {
            pod["spec"]["initContainers"][0]
                .as_object_mut()
                .expect("an object")
                .remove("restartPolicy");
        }
        pod
    }

    fn spec(minor: u32, gate: Gate) -> ClusterSpec {
        cluster_spec(K8sVersion::new(minor), gate).expect("a bootable cell")
    }

    #[test]
    fn reads_whether_the_field_survived() {
        let pod = probe_pod("default", "registry.k8s.io/pause:3.10");
        assert_eq!(native_sidecars_kept(&stored(pod.clone(), true)), Ok(true));
        assert_eq!(native_sidecars_kept(&stored(pod, false)), Ok(false));
    }

    #[test]
    fn refuses_an_answer_that_is_not_the_probe() {
        let mut other = probe_pod("default", "x:1");
        other["metadata"]["name"] = json!("app");
        assert!(matches!(
            native_sidecars_kept(&other),
            Err(ProbeError::NotTheProbe { .. })
        ));
        let mut empty = probe_pod("default", "x:1");
        empty["spec"]["initContainers"] = json!([]);
        assert_eq!(
            native_sidecars_kept(&empty),
            Err(ProbeError::NoInitContainer)
        );
    }

    #[test]
    fn a_gate_that_did_not_take_effect_is_a_contradiction() {
        assert_eq!(check_probe(&spec(32, Gate::On), true), Ok(()));
        assert_eq!(check_probe(&spec(32, Gate::Off), false), Ok(()));
        assert_eq!(check_probe(&spec(28, Gate::Default), false), Ok(()));
        let err = check_probe(&spec(32, Gate::Off), true).expect_err("gate off but kept");
        assert_eq!((err.expected, err.found), (false, true));
        assert!(err.to_string().contains("did not take effect"), "{err}");
        assert!(
            check_probe(&spec(29, Gate::Default), false).is_err(),
            "1.29 defaults on"
        );
    }
}
