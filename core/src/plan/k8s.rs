//! Kubernetes versions and the `SidecarContainers` feature gate (sidecar-semantics.md §1.1).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A Kubernetes minor version, `1.<minor>`. Only minors with a kind node image in
/// `core/data/minors.yaml` exist for the harness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct K8sVersion {
    /// The minor number: 29 for 1.29.
    pub minor: u32,
}

impl K8sVersion {
    /// `1.<minor>`.
    pub const fn new(minor: u32) -> Self {
        K8sVersion { minor }
    }
}

impl fmt::Display for K8sVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "1.{}", self.minor)
    }
}

/// A version string that is not `1.<minor>`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BadVersion {
    /// Not a minor version at all.
    #[error("{input:?} is not a Kubernetes minor version: write it as 1.29 (or v1.29)")]
    NotAMinor {
        /// What was given.
        input: String,
    },
    /// A minor written with leading zeros (`1.028`, `01.28`): refused rather than read as 1.28,
    /// since nobody writes a version that way on purpose.
    #[error(
        "{input:?} is not a Kubernetes minor version: write it without leading zeros: {written}"
    )]
    LeadingZeros {
        /// What was given.
        input: String,
        /// How to write it.
        written: K8sVersion,
    },
}

impl FromStr for K8sVersion {
    type Err = BadVersion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadVersion::NotAMinor {
            input: s.to_owned(),
        };
        let trimmed = s.trim().strip_prefix('v').unwrap_or(s.trim());
        let (major, minor) = trimmed.split_once('.').ok_or_else(bad)?;
        let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        if !digits(major) || !digits(minor) || major.trim_start_matches('0') != "1" {
            return Err(bad());
        }
        let version = K8sVersion::new(minor.parse().map_err(|_| bad())?);
        let padded = |part: &str| part.len() > 1 && part.starts_with('0');
        if padded(major) || padded(minor) {
            return Err(BadVersion::LeadingZeros {
                input: s.to_owned(),
                written: version,
            });
        }
        Ok(version)
    }
}

impl Serialize for K8sVersion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for K8sVersion {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// How a version treats the `SidecarContainers` gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateSupport {
    /// ≤ 1.27: no such gate; naming it stops the components (`unrecognized feature gate`).
    Absent,
    /// 1.28–1.32: alpha (off) in 1.28, beta (on) from 1.29; either value can be set.
    Settable {
        /// The default.
        default_on: bool,
    },
    /// 1.33–1.36: GA and locked on; `false` stops the components, so the plan never writes it.
    LockedOn,
    /// ≥ 1.37: the gate is gone and native sidecars are always on; naming it at all, `true` or
    /// `false`, stops the components (`unrecognized feature gate: SidecarContainers`).
    Removed,
}

/// The gate setting a cell asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gate {
    /// `SidecarContainers: true`.
    On,
    /// `SidecarContainers: false`.
    Off,
    /// Leave the gate out: the version's default.
    Default,
}

impl Gate {
    /// The word used in flags and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Gate::On => "on",
            Gate::Off => "off",
            Gate::Default => "default",
        }
    }
}

impl fmt::Display for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A gate word that is not on, off or default.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown gate setting {0:?}: expected on, off or default")]
pub struct BadGate(pub String);

impl FromStr for Gate {
    type Err = BadGate;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "on" | "true" => Ok(Gate::On),
            "off" | "false" => Ok(Gate::Off),
            "default" => Ok(Gate::Default),
            other => Err(BadGate(other.to_owned())),
        }
    }
}

/// What the cluster does with a gate setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateEffect {
    /// The cluster boots; native sidecars are on or off; `feature_gate` says what goes in the kind
    /// config's `featureGates` (`None`: leave the gate out).
    Boots {
        /// Whether restartable init containers are honoured.
        sidecars_on: bool,
        /// The value to write, if any.
        feature_gate: Option<bool>,
    },
    /// The cluster cannot boot with this setting; the reason names the rule.
    CannotBoot(&'static str),
}

/// Decides what a gate setting does on a version (§1.1; rule for generated kind configs: from
/// 1.33 never write the gate).
pub fn gate_effect(version: K8sVersion, gate: Gate) -> GateEffect {
    match (version.gate_support(), gate) {
        (GateSupport::Absent, Gate::Default) => GateEffect::Boots {
            sidecars_on: false,
            feature_gate: None,
        },
        (GateSupport::Absent, Gate::On | Gate::Off) => GateEffect::CannotBoot(
            "this version has no SidecarContainers gate: naming it stops the control plane \
             (unrecognized feature gate: SidecarContainers); use --gate default",
        ),
        (GateSupport::Settable { default_on }, Gate::Default) => GateEffect::Boots {
            sidecars_on: default_on,
            feature_gate: None,
        },
        (GateSupport::Settable { .. }, Gate::On) => GateEffect::Boots {
            sidecars_on: true,
            feature_gate: Some(true),
        },
        (GateSupport::Settable { .. }, Gate::Off) => GateEffect::Boots {
            sidecars_on: false,
            feature_gate: Some(false),
        },
        // Locked on: `true` would be accepted, but leaving it out boots the same cluster and
        // keeps one config for `on` and `default`. Removed: it must not be named at all.
        (GateSupport::LockedOn | GateSupport::Removed, Gate::On | Gate::Default) => {
            GateEffect::Boots {
                sidecars_on: true,
                feature_gate: None,
            }
        }
        // Both messages are what a kubelet built from the 1.33 and 1.37 sources printed.
        (GateSupport::LockedOn, Gate::Off) => GateEffect::CannotBoot(
            "SidecarContainers is GA and locked on from 1.33: the kubelet and API server refuse \
             to start (cannot set feature gate SidecarContainers to false, feature is locked to \
             true)",
        ),
        (GateSupport::Removed, Gate::Off) => GateEffect::CannotBoot(
            "the SidecarContainers gate was removed in 1.37 and native sidecars are always on: \
             naming it makes the kubelet and API server refuse to start (unrecognized feature \
             gate: SidecarContainers); use --gate on or default",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(minor: u32) -> K8sVersion {
        K8sVersion::new(minor)
    }

    #[test]
    fn parses_minor_versions_and_rejects_the_rest() {
        assert_eq!("1.29".parse(), Ok(v(29)));
        assert_eq!("v1.33".parse(), Ok(v(33)));
        for bad in [
            "1", "2.1", "1.x", "1.29.3", "", "1.", "1.-2", "+1.29", "0.29",
        ] {
            assert!(
                matches!(bad.parse::<K8sVersion>(), Err(BadVersion::NotAMinor { .. })),
                "{bad}"
            );
        }
    }

    // `1.028` is not 1.28 written oddly: a typo or a tool's padding, refused with how to write it.
    #[test]
    fn refuses_leading_zeros_saying_how_to_write_the_version() {
        for padded in ["1.028", "01.28", "v1.028", "001.0028"] {
            let err = padded.parse::<K8sVersion>().expect_err("padded");
            assert_eq!(
                err,
                BadVersion::LeadingZeros {
                    input: padded.to_owned(),
                    written: v(28)
                }
            );
            assert!(
                err.to_string()
                    .ends_with("write it without leading zeros: 1.28"),
                "{err}"
            );
        }
        assert_eq!("1.0".parse(), Ok(v(0)), "a lone zero is not padding");
    }

    // §1.1: ≤1.27 the gate does not exist; naming it breaks the cluster.
    #[test]
    fn gate_absent_before_1_28() {
        assert_eq!(
            gate_effect(v(27), Gate::Default),
            GateEffect::Boots {
                sidecars_on: false,
                feature_gate: None
            }
        );
        assert!(matches!(
            gate_effect(v(27), Gate::On),
            GateEffect::CannotBoot(_)
        ));
        assert!(matches!(
            gate_effect(v(27), Gate::Off),
            GateEffect::CannotBoot(_)
        ));
    }

    // §1.1: 1.28 alpha, default false; 1.29–1.32 beta, default true; both settable.
    #[test]
    fn gate_settable_from_1_28_to_1_32() {
        assert_eq!(
            gate_effect(v(28), Gate::Default),
            GateEffect::Boots {
                sidecars_on: false,
                feature_gate: None
            }
        );
        assert_eq!(
            gate_effect(v(28), Gate::On),
            GateEffect::Boots {
                sidecars_on: true,
                feature_gate: Some(true)
            }
        );
        for minor in 29..=32 {
            assert_eq!(
                gate_effect(v(minor), Gate::Default),
                GateEffect::Boots {
                    sidecars_on: true,
                    feature_gate: None
                }
            );
            assert_eq!(
                gate_effect(v(minor), Gate::Off),
                GateEffect::Boots {
                    sidecars_on: false,
                    feature_gate: Some(false)
                }
            );
        }
    }

    // §1.1: 1.33–1.36 locked on; `off` cannot boot, with the kubelet's own words; `on` is never
    // written.
    #[test]
    fn gate_locked_from_1_33_to_1_36() {
        for minor in 33..=36 {
            assert_eq!(v(minor).gate_support(), GateSupport::LockedOn, "1.{minor}");
            assert_eq!(
                gate_effect(v(minor), Gate::On),
                GateEffect::Boots {
                    sidecars_on: true,
                    feature_gate: None
                }
            );
            match gate_effect(v(minor), Gate::Off) {
                GateEffect::CannotBoot(reason) => assert!(
                    reason.contains(
                        "cannot set feature gate SidecarContainers to false, feature is locked \
                         to true"
                    ),
                    "{reason}"
                ),
                other => panic!("1.{minor} off: {other:?}"),
            }
        }
    }

    // §1.1: removed in 1.37; `on` and `default` boot the same cluster without naming the gate,
    // `off` cannot boot.
    #[test]
    fn gate_removed_from_1_37() {
        let removed: Vec<u32> = (28..=60)
            .filter(|&minor| v(minor).gate_support() == GateSupport::Removed)
            .collect();
        assert!(removed.contains(&37), "{removed:?}");
        assert!(removed.iter().all(|&minor| minor >= 37), "{removed:?}");
        for minor in removed {
            assert_eq!(v(minor).gate_support(), GateSupport::Removed, "1.{minor}");
            for gate in [Gate::On, Gate::Default] {
                assert_eq!(
                    gate_effect(v(minor), gate),
                    GateEffect::Boots {
                        sidecars_on: true,
                        feature_gate: None
                    },
                    "1.{minor} {gate}"
                );
            }
            match gate_effect(v(minor), Gate::Off) {
                GateEffect::CannotBoot(reason) => assert!(
                    reason.contains("unrecognized feature gate: SidecarContainers"),
                    "{reason}"
                ),
                other => panic!("1.{minor} off: {other:?}"),
            }
        }
    }

    // KEP-5573: failCgroupV1 defaults to true from 1.35.
    #[test]
    fn kubelet_refuses_cgroup_v1_from_1_35() {
        assert!(!v(28).kubelet_refuses_cgroup_v1());
        assert!(!v(34).kubelet_refuses_cgroup_v1());
        assert!(v(35).kubelet_refuses_cgroup_v1());
        assert!(v(37).kubelet_refuses_cgroup_v1());
    }

    // §1.1: reverse-order termination from 1.29.
    #[test]
    fn termination_ordered_from_1_29() {
        assert!(!v(28).orders_sidecar_termination());
        assert!(v(29).orders_sidecar_termination());
    }
}
