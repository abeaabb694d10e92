//! Which injector a cell installs, and how it decides between native and legacy. Every injector
//! is a profile ([`super::profile`]): this repository's (`builtin`), Istio's (`istio@1.N`), the
//! OpenTelemetry Operator's (`otel@0.N`) and any a user describes in a file. The rules read here
//! are the profile's; none is written in code.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::k8s::K8sVersion;
use super::profile::{
    InjectorProfile, InjectorVersion, Injects, ModeRule, ProfileId, Profiles, SidecarRole,
};

/// An injector a cell runs: a profile, and the version of it where the profile knows versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InjectorSpec {
    /// The profile.
    pub profile: ProfileId,
    /// Its version (`1.31` of `istio@1.31`); `None` for a profile without versions.
    pub version: Option<InjectorVersion>,
}

impl InjectorSpec {
    /// This repository's injector.
    ///
    /// # Panics
    /// Never in a build whose tests pass: the builtin profile ships with it (a test holds every
    /// shipped profile to parsing).
    pub fn builtin() -> Self {
        Self::shipped("builtin", None)
    }

    /// Istio `1.<minor>`.
    ///
    /// # Panics
    /// As [`InjectorSpec::builtin`].
    pub fn istio(minor: u32) -> Self {
        Self::shipped("istio", Some(InjectorVersion { major: 1, minor }))
    }

    /// A loaded profile at its default version (a bare name's meaning).
    pub fn of_profile(profile: ProfileId) -> Self {
        let version = profile.get().versions.as_ref().map(|rules| rules.default);
        InjectorSpec { profile, version }
    }

    fn shipped(name: &str, version: Option<InjectorVersion>) -> Self {
        let profile = Profiles::named(name).expect("a shipped profile");
        InjectorSpec { profile, version }
    }

    /// Its profile.
    pub fn profile(self) -> &'static InjectorProfile {
        self.profile.get()
    }

    /// Its name (`istio`).
    pub fn name(self) -> &'static str {
        &self.profile().name
    }

    /// Whether this is the profile named `name`.
    pub fn is(self, name: &str) -> bool {
        self.name() == name
    }

    /// Whether the plan knows how this injector behaves: a profile without versions always; a
    /// version within the profile's known ones.
    pub fn is_known(self) -> bool {
        match (&self.profile().versions, self.version) {
            (None, None) => true,
            (Some(rules), Some(version)) => rules.knows(version),
            _ => false,
        }
    }

    /// The versions the profile knows, `1.19 to 1.31`, for messages.
    pub fn known_versions(self) -> String {
        match &self.profile().versions {
            Some(rules) => format!("{} to {}", rules.oldest, rules.newest),
            None => "none (it has no versions)".to_owned(),
        }
    }

    /// How reports name it (`Istio 1.31`, `builtin injector`).
    pub fn label(self) -> String {
        self.profile().label_for(self.version)
    }

    /// A short name for slugs: `builtin`, `istio1-31`.
    pub fn slug(self) -> String {
        match self.version {
            Some(v) => format!("{}{}-{}", self.name(), v.major, v.minor),
            None => self.name().to_owned(),
        }
    }

    /// The container it adds.
    pub fn sidecar_container(self) -> &'static str {
        &self.profile().sidecar.container
    }

    /// Whether its sidecar is a network proxy.
    pub fn adds_a_proxy(self) -> bool {
        self.profile().sidecar.role == SidecarRole::Proxy
    }
}

impl fmt::Display for InjectorSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.version {
            Some(version) => write!(f, "{}@{version}", self.name()),
            None => f.write_str(self.name()),
        }
    }
}

/// An injector string that names no loaded profile, or a version it cannot have.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum BadInjector {
    /// No profile of that name.
    #[error(
        "unknown injector {given:?}: expected one of {known} (each optionally @<version>), or the path of a profile file (`verify` loads one with --profile FILE)"
    )]
    Unknown {
        /// What was given.
        given: String,
        /// The profiles' names.
        known: String,
    },
    /// A version that is not `<major>.<minor>` in plain digits (`istio@1.019`).
    #[error(
        "{input:?} is not an injector: write its version as <major>.<minor> without leading zeros, e.g. {example}"
    )]
    BadVersion {
        /// What was given.
        input: String,
        /// A well-written example.
        example: String,
    },
    /// A version on a profile that has none.
    #[error("{input:?}: the {name} injector has no versions; write {name}")]
    Unversioned {
        /// What was given.
        input: String,
        /// The profile.
        name: String,
    },
}

impl FromStr for InjectorSpec {
    type Err = BadInjector;

    /// `name` or `name@<major>.<minor>` of a loaded profile. A bare name of a profile with
    /// versions means its default (the one built offline), and cells and reports always name the
    /// version, so a recording says which it ran even after the default moves on.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        let (name, version) = match text.split_once('@') {
            Some((name, version)) => (name, Some(version)),
            None => (text, None),
        };
        let profile = Profiles::named(name).ok_or_else(|| BadInjector::Unknown {
            given: s.to_owned(),
            known: Profiles::names().join(", "),
        })?;
        let rules = &profile.get().versions;
        let version = match (version, rules) {
            (None, None) => None,
            (None, Some(rules)) => Some(rules.default),
            (Some(_), None) => {
                return Err(BadInjector::Unversioned {
                    input: s.to_owned(),
                    name: name.to_owned(),
                });
            }
            (Some(version), Some(rules)) => {
                Some(version.parse().map_err(|_| BadInjector::BadVersion {
                    input: s.to_owned(),
                    // `1.019` meant 1.19: say so; anything else gets the default as example.
                    example: plain(version).map_or_else(
                        || format!("{name}@{}", rules.default),
                        |v| format!("{name}@{v}"),
                    ),
                })?)
            }
        };
        Ok(InjectorSpec { profile, version })
    }
}

/// `version` with its leading zeros taken off, when that makes it a version (`1.019` → `1.19`).
fn plain(version: &str) -> Option<InjectorVersion> {
    let (major, minor) = version.split_once('.')?;
    let trim = |part: &str| {
        let trimmed = part.trim_start_matches('0');
        if trimmed.is_empty() {
            "0".to_owned()
        } else {
            trimmed.to_owned()
        }
    };
    format!("{}.{}", trim(major), trim(minor)).parse().ok()
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
    /// Let the injector decide (its profile's `layout.auto`).
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
    /// The sidecar goes in `initContainers` with `restartPolicy: Always`.
    Native,
    /// The sidecar goes in `containers`.
    Legacy,
    /// The injector cannot be asked for this mode.
    Unsupported(&'static str),
}

/// Decides what the injector injects for a request on a cluster, by its profile's rules.
///
/// `sidecars_on` is whether the cluster honours restartable init containers (what the
/// capability probe sees); `k8s` is the API server's minor and `kubelet` the oldest minor of the
/// kubelets (a worker's, where the cell has one; else the same).
pub fn injector_choice(
    injector: InjectorSpec,
    request: RequestedMode,
    k8s: K8sVersion,
    kubelet: K8sVersion,
    sidecars_on: bool,
) -> InjectorChoice {
    let profile = injector.profile();
    let rule: &'static ModeRule = match request {
        RequestedMode::Native => &profile.layout.native,
        RequestedMode::Legacy => &profile.layout.legacy,
        RequestedMode::Auto => &profile.layout.auto,
    };
    if let Some(reason) = &rule.unsupported {
        return InjectorChoice::Unsupported(reason);
    }
    if let (Some(from), Some(version)) = (rule.from_version, injector.version)
        && version < from
    {
        return InjectorChoice::Unsupported(match request {
            RequestedMode::Native => {
                "this version of the injector cannot be asked for native sidecars"
            }
            RequestedMode::Legacy => {
                "this version of the injector cannot be asked for the legacy layout"
            }
            RequestedMode::Auto => "this version of the injector has no automatic mode",
        });
    }
    let native = match rule.injects {
        Injects::Native => true,
        Injects::Legacy => false,
        Injects::FollowsGate => sidecars_on,
        Injects::ByVersion => {
            let by = &profile.layout.by_version;
            by.injector_from
                .is_none_or(|from| injector.version.is_some_and(|v| v >= from))
                && by.kubelet_from.is_none_or(|from| kubelet >= from)
                && by.api_server_from.is_none_or(|from| k8s >= from)
        }
    };
    if native {
        InjectorChoice::Native
    } else {
        InjectorChoice::Legacy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn istio(minor: u32) -> InjectorSpec {
        InjectorSpec::istio(minor)
    }

    fn otel() -> InjectorSpec {
        "otel".parse().expect("the shipped OpenTelemetry profile")
    }

    #[test]
    fn parses_injectors() {
        assert_eq!("builtin".parse(), Ok(InjectorSpec::builtin()));
        assert_eq!("istio@1.27".parse(), Ok(istio(27)));
        assert_eq!(
            "istio".parse(),
            Ok(istio(31)),
            "a bare istio is the offline build's"
        );
        assert_eq!(otel().to_string(), "otel@0.153");
        for bad in [
            "istio@",
            "istio@latest",
            "linkerd@2.14",
            "Builtin",
            "builtin@1.0",
        ] {
            assert!(bad.parse::<InjectorSpec>().is_err(), "{bad}");
        }
        let padded = "istio@1.019".parse::<InjectorSpec>().expect_err("padded");
        assert!(
            padded
                .to_string()
                .contains("without leading zeros, e.g. istio@1.19"),
            "{padded}"
        );
        let unknown = "linkerd".parse::<InjectorSpec>().expect_err("unknown");
        assert!(
            unknown.to_string().contains("builtin, istio, otel"),
            "{unknown}"
        );
        assert_eq!(istio(27).to_string(), "istio@1.27");
        assert_eq!(istio(31).slug(), "istio1-31");
        assert_eq!(InjectorSpec::builtin().slug(), "builtin");
    }

    // A bare `istio` must name an Istio the offline build can make, and one the plan knows.
    #[test]
    fn bare_istio_is_the_pinned_offline_build() {
        let pin = format!(
            "{}/../images/versions/istio-1.31.env",
            env!("CARGO_MANIFEST_DIR")
        );
        assert!(std::path::Path::new(&pin).is_file(), "{pin} is missing");
        assert!(istio(31).is_known());
        let rules = istio(31).profile().versions.clone().expect("versions");
        assert!(rules.offline.contains(&rules.default));
    }

    // Builtin `auto` is native exactly where the cluster honours sidecars.
    #[test]
    fn builtin_auto_follows_the_cluster() {
        let k = K8sVersion::new(29);
        let builtin = InjectorSpec::builtin();
        assert_eq!(
            injector_choice(builtin, RequestedMode::Auto, k, k, true),
            InjectorChoice::Native
        );
        assert_eq!(
            injector_choice(builtin, RequestedMode::Auto, k, k, false),
            InjectorChoice::Legacy
        );
    }

    // §6.1: Istio ≤ 1.26 defaults to legacy everywhere.
    #[test]
    fn istio_before_1_27_defaults_to_legacy() {
        for k in [29, 33, 34] {
            assert_eq!(
                injector_choice(
                    istio(26),
                    RequestedMode::Auto,
                    K8sVersion::new(k),
                    K8sVersion::new(k),
                    true
                ),
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
        assert_eq!(istio(31).known_versions(), "1.19 to 1.31");
        // Its `auto` on the project's 1.32 clusters is legacy: native cells must force it.
        assert_eq!(
            injector_choice(
                istio(31),
                RequestedMode::Auto,
                K8sVersion::new(32),
                K8sVersion::new(32),
                true
            ),
            InjectorChoice::Legacy
        );
    }

    // §6.1: Istio ≥ 1.27 `auto` needs every kubelet ≥ 1.33; the gate is not consulted.
    #[test]
    fn istio_auto_from_1_27_needs_kubelet_1_33() {
        assert_eq!(
            injector_choice(
                istio(27),
                RequestedMode::Auto,
                K8sVersion::new(32),
                K8sVersion::new(32),
                true
            ),
            InjectorChoice::Legacy
        );
        assert_eq!(
            injector_choice(
                istio(27),
                RequestedMode::Auto,
                K8sVersion::new(33),
                K8sVersion::new(33),
                true
            ),
            InjectorChoice::Native
        );
        assert_eq!(
            injector_choice(
                istio(27),
                RequestedMode::Auto,
                K8sVersion::new(33),
                K8sVersion::new(33),
                false
            ),
            InjectorChoice::Native
        );
    }

    // §6.1: forcing native needs 1.19+, and Istio never checks the gate.
    #[test]
    fn istio_forced_native() {
        assert!(matches!(
            injector_choice(
                istio(18),
                RequestedMode::Native,
                K8sVersion::new(29),
                K8sVersion::new(29),
                true
            ),
            InjectorChoice::Unsupported(_)
        ));
        assert_eq!(
            injector_choice(
                istio(20),
                RequestedMode::Native,
                K8sVersion::new(29),
                K8sVersion::new(29),
                false
            ),
            InjectorChoice::Native
        );
    }

    // The operator decides by the API server's version alone: native from 1.29, whatever the
    // gate, and it cannot be asked for either layout.
    #[test]
    fn otel_decides_by_the_api_servers_version_alone() {
        for (k8s, gate_on, expected) in [
            (28, true, InjectorChoice::Legacy),
            (29, false, InjectorChoice::Native),
            (32, false, InjectorChoice::Native),
            (37, true, InjectorChoice::Native),
        ] {
            assert_eq!(
                injector_choice(
                    otel(),
                    RequestedMode::Auto,
                    K8sVersion::new(k8s),
                    K8sVersion::new(k8s),
                    gate_on
                ),
                expected,
                "1.{k8s} gate on {gate_on}"
            );
        }
        for mode in [RequestedMode::Native, RequestedMode::Legacy] {
            assert!(matches!(
                injector_choice(otel(), mode, K8sVersion::new(32), K8sVersion::new(32), true),
                InjectorChoice::Unsupported(reason) if reason.contains("has no switch")
            ));
        }
    }
}
