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
        let effective_mode =
            match injector_choice(self.injector, self.requested_mode, self.k8s, sidecars_on) {
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

    /// A short name for reports and namespaces, a DNS label: `1-29-on-builtin-auto`.
    pub fn slug(&self) -> String {
        format!(
            "1-{}-{}-{}-{}",
            self.k8s.minor,
            self.gate,
            self.injector.slug(),
            self.requested_mode
        )
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
}
