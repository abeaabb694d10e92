//! Which injector a cell installs, and how each decides between native and legacy (§6.1).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::k8s::{BadVersion, K8sVersion};

/// An injector: ours, or Istio at a minor version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InjectorSpec {
    /// `sidecar-injector` from this repository.
    Builtin,
    /// Istio `1.<minor>`, installed with istioctl.
    Istio {
        /// The minor number: 27 for 1.27.
        minor: u32,
    },
}

impl fmt::Display for InjectorSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InjectorSpec::Builtin => f.write_str("builtin"),
            InjectorSpec::Istio { minor } => write!(f, "istio@1.{minor}"),
        }
    }
}

/// The Istio minors whose native-sidecar behaviour is known: from 1.19, the first with
/// `ENABLE_NATIVE_SIDECARS`, to 1.28 as §6.1 documents them; 1.30 and 1.31 as read in their
/// release branches' sources (the Go module proxy serves both: `ENABLE_NATIVE_SIDECARS` defaults
/// to `auto` in `pilot/pkg/features/pilot.go`, and `auto` is native only when every kubelet is
/// 1.33 or newer, `minVersion := 33` in `pkg/kube/inject/webhook.go`, as in 1.28), and 1.29,
/// between two releases with that same code. 1.31 is the one built offline (docs/istio.md).
/// Anything else would be planned on a guess, so `plan` rejects it; add a version here once its
/// behaviour is read.
pub const KNOWN_ISTIO_MINORS: std::ops::RangeInclusive<u32> = 19..=31;

/// The Istio minor a bare `istio` names: the one `images build` can make offline, pinned in
/// `images/versions/istio-1.<minor>.env` (a test checks that file exists).
pub const OFFLINE_ISTIO_MINOR: u32 = 31;

impl InjectorSpec {
    /// Whether the plan knows how this injector behaves (every builtin does; Istio within
    /// [`KNOWN_ISTIO_MINORS`]).
    pub fn is_known(self) -> bool {
        match self {
            InjectorSpec::Builtin => true,
            InjectorSpec::Istio { minor } => KNOWN_ISTIO_MINORS.contains(&minor),
        }
    }
}

/// [`KNOWN_ISTIO_MINORS`] as `1.19, 1.20, …`, for error messages.
pub fn known_istio_versions() -> String {
    KNOWN_ISTIO_MINORS
        .map(|minor| format!("1.{minor}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An injector string that is neither `builtin`, `istio` nor `istio@1.<minor>`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BadInjector {
    /// Not an injector at all.
    #[error(
        "unknown injector {0:?}: expected builtin, istio (the Istio built offline, 1.{OFFLINE_ISTIO_MINOR}) or istio@<version>, e.g. istio@1.{OFFLINE_ISTIO_MINOR}"
    )]
    Unknown(String),
    /// An Istio version written with leading zeros (`istio@1.019`).
    #[error("{input:?} is not an injector: write it without leading zeros: istio@1.{minor}")]
    LeadingZeros {
        /// What was given.
        input: String,
        /// The Istio minor meant.
        minor: u32,
    },
}

impl FromStr for InjectorSpec {
    type Err = BadInjector;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadInjector::Unknown(s.to_owned());
        match s.trim() {
            "builtin" => Ok(InjectorSpec::Builtin),
            // Cells and reports always name the minor (`istio@1.31`), so a recording says
            // which Istio it ran even after this default moves on.
            "istio" => Ok(InjectorSpec::Istio {
                minor: OFFLINE_ISTIO_MINOR,
            }),
            other => {
                let version = other.strip_prefix("istio@").ok_or_else(bad)?;
                let version: K8sVersion = version.parse().map_err(|err| match err {
                    BadVersion::LeadingZeros { written, .. } => BadInjector::LeadingZeros {
                        input: s.to_owned(),
                        minor: written.minor,
                    },
                    BadVersion::NotAMinor { .. } => bad(),
                })?;
                Ok(InjectorSpec::Istio {
                    minor: version.minor,
                })
            }
        }
    }
}

impl Serialize for InjectorSpec {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for InjectorSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// The injection mode a cell asks the injector for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RequestedMode {
    /// Let the injector decide: builtin looks at the cluster, Istio follows its version's default.
    Auto,
    /// Force native sidecars (Istio: `ENABLE_NATIVE_SIDECARS=true`).
    Native,
    /// Force the legacy layout (Istio: `ENABLE_NATIVE_SIDECARS=false`).
    Legacy,
}

impl fmt::Display for RequestedMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RequestedMode::Auto => "auto",
            RequestedMode::Native => "native",
            RequestedMode::Legacy => "legacy",
        })
    }
}

/// A mode word that is not auto, native or legacy.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown mode {0:?}: expected auto, native or legacy")]
pub struct BadMode(pub String);

impl FromStr for RequestedMode {
    type Err = BadMode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "auto" => Ok(RequestedMode::Auto),
            "native" => Ok(RequestedMode::Native),
            "legacy" => Ok(RequestedMode::Legacy),
            other => Err(BadMode(other.to_owned())),
        }
    }
}

/// The layout an injector chooses, before the API server has its say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InjectorChoice {
    /// The proxy goes in `initContainers` with `restartPolicy: Always`.
    Native,
    /// The proxy goes in `containers`.
    Legacy,
    /// The injector cannot be asked for this mode.
    Unsupported(&'static str),
}

/// Decides what the injector injects for a request on a cluster.
///
/// `sidecars_on` is whether the cluster honours restartable init containers. The builtin
/// injector's `auto` follows the capability probe, which sees exactly that. Istio looks only at
/// versions (§6.1): it never checks the gate.
pub fn injector_choice(
    injector: InjectorSpec,
    request: RequestedMode,
    k8s: K8sVersion,
    sidecars_on: bool,
) -> InjectorChoice {
    match (injector, request) {
        (_, RequestedMode::Legacy) => InjectorChoice::Legacy,
        (InjectorSpec::Builtin, RequestedMode::Native) => InjectorChoice::Native,
        (InjectorSpec::Builtin, RequestedMode::Auto) => {
            if sidecars_on {
                InjectorChoice::Native
            } else {
                InjectorChoice::Legacy
            }
        }
        // §6.1: ENABLE_NATIVE_SIDECARS appears in Istio 1.19.
        (InjectorSpec::Istio { minor }, RequestedMode::Native) if minor < 19 => {
            InjectorChoice::Unsupported("Istio before 1.19 has no ENABLE_NATIVE_SIDECARS")
        }
        (InjectorSpec::Istio { .. }, RequestedMode::Native) => InjectorChoice::Native,
        // §6.1: default false up to 1.26; `auto` from 1.27 = native iff every kubelet is ≥ 1.33.
        (InjectorSpec::Istio { minor }, RequestedMode::Auto) => {
            if minor >= 27 && k8s.minor >= 33 {
                InjectorChoice::Native
            } else {
                InjectorChoice::Legacy
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn istio(minor: u32) -> InjectorSpec {
        InjectorSpec::Istio { minor }
    }

    #[test]
    fn parses_injectors() {
        assert_eq!("builtin".parse(), Ok(InjectorSpec::Builtin));
        assert_eq!("istio@1.27".parse(), Ok(istio(27)));
        assert_eq!("istio".parse(), Ok(istio(OFFLINE_ISTIO_MINOR)));
        for bad in ["istio@", "istio@latest", "linkerd@2.14", "Builtin"] {
            assert!(bad.parse::<InjectorSpec>().is_err(), "{bad}");
        }
        let padded = "istio@1.019".parse::<InjectorSpec>().expect_err("padded");
        assert!(
            padded
                .to_string()
                .ends_with("write it without leading zeros: istio@1.19"),
            "{padded}"
        );
        assert_eq!(istio(27).to_string(), "istio@1.27");
    }

    // A bare `istio` must name an Istio the offline build can make, and one the plan knows.
    #[test]
    fn bare_istio_is_the_pinned_offline_build() {
        let pin = format!(
            "{}/../images/versions/istio-1.{OFFLINE_ISTIO_MINOR}.env",
            env!("CARGO_MANIFEST_DIR")
        );
        assert!(std::path::Path::new(&pin).is_file(), "{pin} is missing");
        assert!(istio(OFFLINE_ISTIO_MINOR).is_known());
    }

    // Builtin `auto` is native exactly where the cluster honours sidecars.
    #[test]
    fn builtin_auto_follows_the_cluster() {
        let k = K8sVersion::new(29);
        assert_eq!(
            injector_choice(InjectorSpec::Builtin, RequestedMode::Auto, k, true),
            InjectorChoice::Native
        );
        assert_eq!(
            injector_choice(InjectorSpec::Builtin, RequestedMode::Auto, k, false),
            InjectorChoice::Legacy
        );
    }

    // §6.1: Istio ≤ 1.26 defaults to legacy everywhere.
    #[test]
    fn istio_before_1_27_defaults_to_legacy() {
        for k in [29, 33, 34] {
            assert_eq!(
                injector_choice(istio(26), RequestedMode::Auto, K8sVersion::new(k), true),
                InjectorChoice::Legacy
            );
        }
    }

    // 1.31, the offline build, is planned; 1.32 is not read yet.
    #[test]
    fn istio_1_31_is_known_and_1_32_is_not() {
        assert!(istio(31).is_known());
        assert!(istio(19).is_known());
        assert!(!istio(32).is_known());
        assert!(!istio(18).is_known());
        assert!(known_istio_versions().ends_with("1.30, 1.31"));
        // Its `auto` on the project's 1.32 clusters is legacy: native cells must force it.
        assert_eq!(
            injector_choice(istio(31), RequestedMode::Auto, K8sVersion::new(32), true),
            InjectorChoice::Legacy
        );
    }

    // §6.1: Istio ≥ 1.27 `auto` needs every kubelet ≥ 1.33; the gate is not consulted.
    #[test]
    fn istio_auto_from_1_27_needs_kubelet_1_33() {
        assert_eq!(
            injector_choice(istio(27), RequestedMode::Auto, K8sVersion::new(32), true),
            InjectorChoice::Legacy
        );
        assert_eq!(
            injector_choice(istio(27), RequestedMode::Auto, K8sVersion::new(33), true),
            InjectorChoice::Native
        );
    }

    // §6.1: forcing native needs 1.19+, and Istio never checks the gate.
    #[test]
    fn istio_forced_native() {
        assert!(matches!(
            injector_choice(istio(18), RequestedMode::Native, K8sVersion::new(29), true),
            InjectorChoice::Unsupported(_)
        ));
        assert_eq!(
            injector_choice(istio(20), RequestedMode::Native, K8sVersion::new(29), false),
            InjectorChoice::Native
        );
    }
}
