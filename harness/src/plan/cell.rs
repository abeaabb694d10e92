//! A cell of the matrix and what it resolves to: can the cluster boot, and what layout do pods
//! really get once injector and API server have both had their say.

use serde::{Deserialize, Serialize};

use super::injector::{InjectorChoice, InjectorSpec, ModeRequest, injector_choice};
use super::k8s::{Gate, GateOutcome, K8sVersion, gate_outcome};

/// One combination to test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Cell {
    /// Kubernetes version of the kind cluster.
    pub k8s: K8sVersion,
    /// `SidecarContainers` setting.
    pub gate: Gate,
    /// Injector installed.
    pub injector: InjectorSpec,
    /// Mode asked of the injector.
    pub mode: ModeRequest,
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
        gate_value: Option<bool>,
        /// The layout pods get.
        mode: EffectiveMode,
    },
    /// The cell cannot run; the reason says why.
    Invalid(&'static str),
}

impl Cell {
    /// Decides, once, whether the cell can run and what layout its pods get.
    pub fn resolve(&self) -> Resolution {
        let (sidecars_on, gate_value) = match gate_outcome(self.k8s, self.gate) {
            GateOutcome::Boots { sidecars_on, write } => (sidecars_on, write),
            GateOutcome::CannotBoot(reason) => return Resolution::Invalid(reason),
        };
        let mode = match injector_choice(self.injector, self.mode, self.k8s, sidecars_on) {
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
            gate_value,
            mode,
        }
    }

    /// A short name for reports and namespaces, a DNS label: `1-29-on-builtin-auto`.
    pub fn slug(&self) -> String {
        let injector = match self.injector {
            InjectorSpec::Builtin => "builtin".to_owned(),
            InjectorSpec::Istio { minor } => format!("istio1-{minor}"),
        };
        format!(
            "1-{}-{}-{injector}-{}",
            self.k8s.minor, self.gate, self.mode
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(k8s: u32, gate: Gate, injector: InjectorSpec, mode: ModeRequest) -> Cell {
        Cell {
            k8s: K8sVersion::new(k8s),
            gate,
            injector,
            mode,
        }
    }

    fn mode_of(c: Cell) -> Option<EffectiveMode> {
        match c.resolve() {
            Resolution::Valid { mode, .. } => Some(mode),
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
                InjectorSpec::Builtin,
                ModeRequest::Native
            )),
            Some(EffectiveMode::Rejected)
        );
        assert_eq!(
            mode_of(cell(
                30,
                Gate::Off,
                InjectorSpec::Istio { minor: 20 },
                ModeRequest::Native
            )),
            Some(EffectiveMode::Rejected)
        );
        assert_eq!(
            mode_of(cell(
                27,
                Gate::Default,
                InjectorSpec::Builtin,
                ModeRequest::Native
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
                mode_of(cell(k8s, gate, InjectorSpec::Builtin, ModeRequest::Auto)),
                Some(expected),
                "1.{k8s} {gate}"
            );
        }
    }

    #[test]
    fn invalid_cells_say_why() {
        match cell(33, Gate::Off, InjectorSpec::Builtin, ModeRequest::Auto).resolve() {
            Resolution::Invalid(reason) => assert!(reason.contains("locked"), "{reason}"),
            other => panic!("{other:?}"),
        }
        match cell(27, Gate::On, InjectorSpec::Builtin, ModeRequest::Auto).resolve() {
            Resolution::Invalid(reason) => {
                assert!(reason.contains("no SidecarContainers gate"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn slug_is_dns_safe() {
        let slug = cell(
            29,
            Gate::On,
            InjectorSpec::Istio { minor: 27 },
            ModeRequest::Auto,
        )
        .slug();
        assert_eq!(slug, "1-29-on-istio1-27-auto");
        assert!(
            slug.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        );
    }
}
