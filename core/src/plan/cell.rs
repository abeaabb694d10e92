//! A cell of the matrix and what it resolves to: can the cluster boot, and what layout do pods
//! really get once injector and API server have both had their say.

use serde::{Deserialize, Serialize};

use super::injector::{InjectorChoice, InjectorSpec, RequestedMode, injector_choice};
use super::k8s::{Gate, GateEffect, K8sVersion, gate_effect};

/// One combination to test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Cell {
    /// Kubernetes version of the kind cluster.
    pub k8s: K8sVersion,
    /// `SidecarContainers` setting.
    pub gate: Gate,
    /// Injector installed.
    pub injector: InjectorSpec,
    /// Mode asked of the injector (the effective mode is what [`Cell::resolve`] decides).
    #[serde(rename = "requestedMode")]
    pub requested_mode: RequestedMode,
    /// A worker node of this minor beside the control plane (whose minor is `k8s`): the
    /// workload then runs on the worker's kubelet, which may be older than the API server (kind
    /// keeps the control plane's `NoSchedule` taint once a cluster has workers). `None`: one
    /// node, the control plane, runs everything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<K8sVersion>,
}

/// The layout pods end up with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EffectiveMode {
    /// Native sidecar: restartable init container, kept by the API server.
    Native,
    /// Proxy as a regular container.
    Legacy,
    /// The injector adds a restartable init container, the API server (gate off) drops
    /// `restartPolicy` and then refuses the probes (§2): pods are never created.
    Rejected,
}

impl std::fmt::Display for EffectiveMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EffectiveMode::Native => "native",
            EffectiveMode::Legacy => "legacy",
            EffectiveMode::Rejected => "rejected",
        })
    }
}

/// What a cell resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The cell can run.
    Valid {
        /// Whether the cluster honours restartable init containers.
        sidecars_on: bool,
        /// What goes in the kind config's `featureGates` (`None`: nothing).
        feature_gate: Option<bool>,
        /// The layout pods get.
        effective_mode: EffectiveMode,
    },
    /// The cell cannot run; the reason says why.
    Invalid(&'static str),
}

impl Cell {
    /// Decides, once, whether the cell can run and what layout its pods get.
    pub fn resolve(&self) -> Resolution {
        let (sidecars_on, feature_gate) = match gate_effect(self.k8s, self.gate) {
            GateEffect::Boots {
                sidecars_on,
                feature_gate,
            } => (sidecars_on, feature_gate),
            GateEffect::CannotBoot(reason) => return Resolution::Invalid(reason),
        };
        if let Some(worker) = self.worker
            && let Err(reason) =
                worker_agrees(self.k8s, worker, self.gate, feature_gate, sidecars_on)
        {
            return Resolution::Invalid(reason);
        }
        let effective_mode = match injector_choice(
            self.injector,
            self.requested_mode,
            self.k8s,
            self.kubelet(),
            sidecars_on,
        ) {
            InjectorChoice::Unsupported(reason) => return Resolution::Invalid(reason),
            InjectorChoice::Legacy => EffectiveMode::Legacy,
            // §2: with the gate off (or on 1.27, where the field is unknown) `restartPolicy` is
            // dropped and an init container with probes is refused: both injectors' proxies
            // carry probes.
            InjectorChoice::Native if !sidecars_on => EffectiveMode::Rejected,
            InjectorChoice::Native => EffectiveMode::Native,
        };
        Resolution::Valid {
            sidecars_on,
            feature_gate,
            effective_mode,
        }
    }

    /// A short name for reports and namespaces, a DNS label: `1-29-on-builtin-auto`, and
    /// `1-33-on-istio1-31-auto-w1-32` with a 1.32 worker.
    pub fn slug(&self) -> String {
        let worker = self
            .worker
            .map(|w| format!("-w1-{}", w.minor))
            .unwrap_or_default();
        format!(
            "1-{}-{}-{}-{}{worker}",
            self.k8s.minor,
            self.gate,
            self.injector.slug(),
            self.requested_mode
        )
    }

    /// The minor of the kubelet the workload runs on: the worker's, else the control plane's.
    pub fn kubelet(&self) -> K8sVersion {
        self.worker.unwrap_or(self.k8s)
    }
}

/// Whether a worker of minor `worker` can join a control plane of minor `api_server` whose kind
/// config writes `feature_gate` (what `gate` asked), and honours native sidecars as the control
/// plane does (`sidecars_on`): the API server keeps or drops `restartPolicy`, the kubelet runs the
/// pod, and a cluster where the two disagree tests neither.
fn worker_agrees(
    api_server: K8sVersion,
    worker: K8sVersion,
    gate: Gate,
    feature_gate: Option<bool>,
    sidecars_on: bool,
) -> Result<(), &'static str> {
    // The version skew policy: a kubelet never newer than the API server, at most three minors
    // older.
    if worker > api_server || api_server.minor - worker.minor > 3 {
        return Err(
            "a worker's kubelet may be at most three minors older than the API server and never \
             newer (the Kubernetes version skew policy)",
        );
    }
    // The kind config's featureGates reach every node; where nothing is written, the worker's
    // kubelet runs its own default.
    let asked = if feature_gate.is_some() {
        gate
    } else {
        Gate::Default
    };
    match gate_effect(worker, asked) {
        GateEffect::CannotBoot(reason) => Err(reason),
        GateEffect::Boots {
            sidecars_on: worker_on,
            ..
        } if worker_on != sidecars_on => Err(
            "the API server and the worker's kubelet would disagree on native sidecars (the \
             gate's default differs between their minors): name the gate, --gate on or off",
        ),
        GateEffect::Boots { .. } => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(k8s: u32, gate: Gate, injector: InjectorSpec, requested_mode: RequestedMode) -> Cell {
        Cell {
            k8s: K8sVersion::new(k8s),
            gate,
            injector,
            requested_mode,
            worker: None,
        }
    }

    fn mode_of(c: Cell) -> Option<EffectiveMode> {
        match c.resolve() {
            Resolution::Valid { effective_mode, .. } => Some(effective_mode),
            Resolution::Invalid(_) => None,
        }
    }

    // §2: forcing native where the gate is off is rejected by the API server.
    #[test]
    fn forced_native_on_gate_off_is_rejected() {
        assert_eq!(
            mode_of(cell(
                28,
                Gate::Default,
                InjectorSpec::builtin(),
                RequestedMode::Native
            )),
            Some(EffectiveMode::Rejected)
        );
        assert_eq!(
            mode_of(cell(
                30,
                Gate::Off,
                InjectorSpec::istio(20),
                RequestedMode::Native
            )),
            Some(EffectiveMode::Rejected)
        );
        assert_eq!(
            mode_of(cell(
                27,
                Gate::Default,
                InjectorSpec::builtin(),
                RequestedMode::Native
            )),
            Some(EffectiveMode::Rejected)
        );
    }

    #[test]
    fn builtin_auto_is_native_exactly_where_the_gate_is_effectively_on() {
        for (k8s, gate, native) in [
            (27, Gate::Default, false),
            (28, Gate::Default, false),
            (28, Gate::On, true),
            (29, Gate::Default, true),
            (29, Gate::Off, false),
            (33, Gate::Default, true),
        ] {
            let expected = if native {
                EffectiveMode::Native
            } else {
                EffectiveMode::Legacy
            };
            assert_eq!(
                mode_of(cell(
                    k8s,
                    gate,
                    InjectorSpec::builtin(),
                    RequestedMode::Auto
                )),
                Some(expected),
                "1.{k8s} {gate}"
            );
        }
    }

    #[test]
    fn invalid_cells_say_why() {
        match cell(33, Gate::Off, InjectorSpec::builtin(), RequestedMode::Auto).resolve() {
            Resolution::Invalid(reason) => assert!(reason.contains("locked"), "{reason}"),
            other => panic!("{other:?}"),
        }
        match cell(27, Gate::On, InjectorSpec::builtin(), RequestedMode::Auto).resolve() {
            Resolution::Invalid(reason) => {
                assert!(reason.contains("no SidecarContainers gate"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn slug_is_dns_safe() {
        let slug = cell(29, Gate::On, InjectorSpec::istio(27), RequestedMode::Auto).slug();
        assert_eq!(slug, "1-29-on-istio1-27-auto");
        assert!(
            slug.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        );
    }

    fn with_worker(k8s: u32, worker: u32, gate: Gate, injector: InjectorSpec) -> Cell {
        Cell {
            worker: Some(K8sVersion::new(worker)),
            ..cell(k8s, gate, injector, RequestedMode::Auto)
        }
    }

    #[test]
    fn a_worker_follows_the_skew_policy_and_agrees_on_native_sidecars() {
        let builtin = InjectorSpec::builtin();
        for (k8s, worker, gate, valid) in [
            (33, 33, Gate::Default, true),
            (33, 32, Gate::Default, true),
            (33, 30, Gate::On, true),
            (33, 29, Gate::Default, false), // four minors older
            (32, 33, Gate::Default, false), // newer than the API server
            // 1.33 writes no gate: a 1.28 kubelet keeps its default (off) while the API server
            // keeps restartPolicy.
            (31, 28, Gate::Default, false),
            (31, 28, Gate::On, true),
            (31, 28, Gate::Off, true),
            (37, 34, Gate::Default, true),
        ] {
            let c = with_worker(k8s, worker, gate, builtin);
            assert_eq!(
                matches!(c.resolve(), Resolution::Valid { .. }),
                valid,
                "1.{k8s} + 1.{worker} {gate}: {:?}",
                c.resolve()
            );
        }
    }

    // Istio's auto asks every kubelet (DetectNativeSidecar): one below 1.33 makes it legacy.
    #[test]
    fn istio_auto_injects_legacy_where_a_worker_is_older_than_1_33() {
        let istio = InjectorSpec::istio(31);
        assert_eq!(
            mode_of(with_worker(33, 32, Gate::Default, istio)),
            Some(EffectiveMode::Legacy)
        );
        assert_eq!(
            mode_of(with_worker(33, 33, Gate::Default, istio)),
            Some(EffectiveMode::Native)
        );
        assert_eq!(
            mode_of(with_worker(33, 32, Gate::Default, InjectorSpec::builtin())),
            Some(EffectiveMode::Native),
            "the builtin injector follows the gate"
        );
    }

    #[test]
    fn a_worker_is_in_the_slug_and_runs_the_workload() {
        let c = with_worker(33, 32, Gate::On, InjectorSpec::istio(31));
        assert_eq!(c.slug(), "1-33-on-istio1-31-auto-w1-32");
        assert_eq!(c.kubelet(), K8sVersion::new(32));
        assert_eq!(
            cell(33, Gate::On, InjectorSpec::builtin(), RequestedMode::Auto).kubelet(),
            K8sVersion::new(33)
        );
    }
}
