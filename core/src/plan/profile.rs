//! An injector described as data: one YAML file (`core/profiles/<name>.yaml` for the injectors
//! this project ships, any path for a user's own) says everything the harness needs to know about
//! a sidecar injector — the versions it knows, the container it adds, how a namespace opts in,
//! the layout it gives per Kubernetes version, gate and requested mode, its quirks in the legacy
//! layout, how it is installed and proven ready, which images a cluster needs, how traffic
//! through its sidecar is made and recognised, and the checks of its own. docs/injector-profiles.md
//! documents every field.
//!
//! Profiles are loaded once and kept for the life of the process ([`Profiles`]), so an
//! [`super::InjectorSpec`] is a small copyable handle (a profile and a version) that every stage
//! can ask.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::{Mutex, OnceLock, PoisonError};

use serde::{Deserialize, Serialize};

use super::k8s::K8sVersion;
use crate::source_lines::{at, line_of, line_of_value, serde_failure};

/// The profiles this project ships, embedded: (file name, text).
const SHIPPED: [(&str, &str); 3] = [
    (
        "core/profiles/builtin.yaml",
        include_str!("../../profiles/builtin.yaml"),
    ),
    (
        "core/profiles/istio.yaml",
        include_str!("../../profiles/istio.yaml"),
    ),
    (
        "core/profiles/otel.yaml",
        include_str!("../../profiles/otel.yaml"),
    ),
];

/// An injector's version: `1.31` for Istio, `0.153` for the OpenTelemetry Operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InjectorVersion {
    /// `1` of `1.31`.
    pub major: u32,
    /// `31` of `1.31`.
    pub minor: u32,
}

impl fmt::Display for InjectorVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// A version that is not `<major>.<minor>` in plain digits.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error(
    "{0:?} is not an injector version: write it as <major>.<minor> without leading zeros, e.g. 1.31"
)]
pub struct BadInjectorVersion(pub String);

impl FromStr for InjectorVersion {
    type Err = BadInjectorVersion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadInjectorVersion(s.to_owned());
        let (major, minor) = s.trim().split_once('.').ok_or_else(bad)?;
        let number = |part: &str| -> Result<u32, BadInjectorVersion> {
            let plain = !part.is_empty()
                && part.bytes().all(|b| b.is_ascii_digit())
                && (part == "0" || !part.starts_with('0'));
            if !plain {
                return Err(bad());
            }
            part.parse().map_err(|_| bad())
        };
        Ok(InjectorVersion {
            major: number(major)?,
            minor: number(minor)?,
        })
    }
}

impl Serialize for InjectorVersion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for InjectorVersion {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The versions of an injector the profile knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VersionRules {
    /// What a bare name (`istio`) means: the version built offline here.
    pub default: InjectorVersion,
    /// The oldest version whose behaviour is known.
    pub oldest: InjectorVersion,
    /// The newest version whose behaviour is known.
    pub newest: InjectorVersion,
    /// The versions the offline build can make (`images/versions/<name>-<version>.env`).
    #[serde(default)]
    pub offline: Vec<InjectorVersion>,
}

impl VersionRules {
    /// Whether `version` is one the profile knows.
    pub fn knows(&self, version: InjectorVersion) -> bool {
        (self.oldest..=self.newest).contains(&version)
    }
}

/// What the sidecar the injector adds is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SidecarRole {
    /// A network proxy (Envoy): the pod's traffic goes through it.
    Proxy,
    /// A telemetry collector: the pod's apps send it records.
    Collector,
    /// An agent (secrets, configuration).
    Agent,
}

/// Where, natively, the injector puts its sidecar among the pod's init containers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Placement {
    /// Before the pod's own init containers: they run with the sidecar up.
    #[default]
    First,
    /// After them: the pod's own init containers run before the sidecar exists.
    Last,
}

/// The container the injector adds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Sidecar {
    /// Its container name (`sidecar-proxy`, `istio-proxy`, `otc-container`).
    pub container: String,
    /// What it is.
    pub role: SidecarRole,
    /// Where it goes natively.
    #[serde(default)]
    pub placement: Placement,
}

/// How a namespace (or pod) opts in to injection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OptIn {
    /// Labels set on the scenario's namespace.
    #[serde(default)]
    pub namespace_labels: BTreeMap<String, String>,
    /// Annotations set on the scenario's namespace.
    #[serde(default)]
    pub namespace_annotations: BTreeMap<String, String>,
}

/// What the injector does when a cell asks for one mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ModeRule {
    /// The layout it injects: `native`, `legacy`, or `by-version` (the `auto` rule's).
    pub injects: Injects,
    /// When it cannot be asked for this mode at all: why (the cell is then invalid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsupported: Option<String>,
    /// Injector versions before this one cannot be asked for this mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_version: Option<InjectorVersion>,
}

/// The layout a mode rule injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Injects {
    /// A restartable init container.
    Native,
    /// A regular container.
    Legacy,
    /// Native where the cluster honours native sidecars (the capability the probe sees), legacy
    /// elsewhere.
    FollowsGate,
    /// Native where the versions the [`AutoRule`] names allow it, legacy elsewhere, whatever the
    /// gate: the injector decides by versions alone.
    ByVersion,
}

/// The versions at which an injector that decides by versions (`injects: by-version`) injects
/// natively.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AutoRule {
    /// The injector's own version must be at least this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub injector_from: Option<InjectorVersion>,
    /// Every kubelet must be at least this minor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubelet_from: Option<K8sVersion>,
    /// The API server must be at least this minor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_server_from: Option<K8sVersion>,
}

/// The layout per requested mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Layout {
    /// `--mode native`.
    pub native: ModeRule,
    /// `--mode legacy`.
    pub legacy: ModeRule,
    /// `--mode auto`.
    pub auto: ModeRule,
    /// The versions `injects: by-version` reads.
    #[serde(default)]
    pub by_version: AutoRule,
}

/// What the legacy layout does besides the textbook failures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LegacyQuirks {
    /// An init container's traffic, when the sidecar is a regular container.
    #[serde(default)]
    pub init_traffic: InitTraffic,
    /// The app's traffic after SIGTERM, when the sidecar is a regular container.
    #[serde(default)]
    pub shutdown_traffic: ShutdownTraffic,
}

/// What happens to an init container's traffic in the legacy layout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InitTraffic {
    /// It fails: nothing is listening yet.
    #[default]
    Fails,
    /// It succeeds outside the sidecar (Istio's iptables are set after the pod's own init
    /// containers): the sidecar never sees it.
    BypassesSidecar,
}

/// What happens to the app's traffic after SIGTERM in the legacy layout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ShutdownTraffic {
    /// It fails: the sidecar stopped with the app.
    #[default]
    Fails,
    /// It gets through: the sidecar drains for a while after SIGTERM (Istio's pilot-agent).
    Drains,
    /// Nothing is promised (the sidecar's shutdown races the app's request).
    Unasserted,
}

/// How traffic through the sidecar is made, and recognised in the sidecar's log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Traffic {
    /// The app calls httpbin over HTTP through the proxy; the proxy's access log (Istio's
    /// default format) holds `GET /get 200` to httpbin.
    #[default]
    HttpThroughProxy,
    /// The app posts an OTLP/HTTP JSON log record to the collector in its pod; the collector's
    /// log holds the record's body.
    OtlpToCollector {
        /// The collector's OTLP/HTTP logs endpoint, as the app reaches it.
        #[serde(rename = "endpoint")]
        endpoint: String,
        /// The line in the collector's log that proves a record arrived; `${MARKER}` stands for
        /// the record's body.
        #[serde(rename = "evidence")]
        evidence: String,
    },
    /// The sidecar carries no traffic of the pod's (an agent that fetches secrets): the
    /// scenarios that are about traffic are not applicable, the others assert no request.
    None,
}

/// Why a scenario about traffic does not run for an injector whose profile names none.
pub const NO_TRAFFIC: &str =
    "the injector's profile names no traffic through its sidecar (traffic.kind: none)";

/// An image the injector's cells load into the cluster, by its key in the image map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImageKey {
    /// A workload image of the table (`injector`, `envoy`).
    Workload(String),
    /// Every image the image map's `injectors.<name>.<version>` section names (built offline).
    Injector,
}

/// A manifest to apply, by file (relative to the profile) or from the image map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ManifestSource {
    /// A file beside the profile (shipped profiles: embedded).
    File(String),
    /// A file the offline build wrote, named in the image map (`injectors.<name>.<version>.manifest`).
    Built,
}

/// A Deployment the install waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Workload {
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub deployment: String,
}

/// The webhook's serving certificate the harness makes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Certificate {
    /// The Service the API server calls.
    pub service: String,
    /// Its namespace.
    pub namespace: String,
    /// The TLS Secret (`tls.crt`, `tls.key`) to create there.
    pub secret: String,
    /// The text in the manifests the CA bundle (base64 of the CA's PEM) replaces.
    #[serde(default = "ca_placeholder")]
    pub ca_bundle_placeholder: String,
}

fn ca_placeholder() -> String {
    "__CA_BUNDLE__".to_owned()
}

/// Manifests applied server-side, with values the harness fills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ManifestInstall {
    /// In order.
    pub manifests: Vec<ManifestSource>,
    /// The webhook's certificate, when the injector serves one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<Certificate>,
    /// `${INJECTOR_MODE}` in the manifests becomes this per effective mode (`native`/`legacy`).
    #[serde(default)]
    pub mode_values: BTreeMap<String, String>,
    /// Deployments that must be available before the install counts.
    #[serde(default)]
    pub available: Vec<Workload>,
    /// Objects applied once the injector is available (its own resources, such as a collector
    /// definition), into every scenario's namespace.
    #[serde(default)]
    pub per_namespace: Vec<ManifestSource>,
}

/// `istioctl install` with these settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IstioctlInstall {
    /// `--set` values for every cell.
    pub set: Vec<String>,
    /// `--set` values per effective mode (`native`, `legacy`).
    #[serde(default)]
    pub mode_set: BTreeMap<String, Vec<String>>,
}

/// How the injector is installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Install {
    /// Manifests applied server-side.
    Manifests(ManifestInstall),
    /// `istioctl install` (the tool from `--istioctl`, the image map, or PATH).
    Istioctl(IstioctlInstall),
}

/// How the install is proven: a server-side dry-run pod through the webhook comes back with the
/// sidecar.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Proof {
    /// Labels on the dry-run pod (for injectors that select pods, not namespaces).
    #[serde(default)]
    pub pod_labels: BTreeMap<String, String>,
    /// Annotations on the dry-run pod.
    #[serde(default)]
    pub pod_annotations: BTreeMap<String, String>,
    /// Whether the dry run happens in a namespace that opted in (else in `default`).
    #[serde(default)]
    pub in_opted_in_namespace: bool,
}

/// A check of the injector's own, implemented by the harness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NamedCheck {
    /// istiod counted no xDS response its proxies refused (Istio).
    ProxyConfigAccepted,
}

/// One injector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InjectorProfile {
    /// The name cells use (`--injector <name>[@<version>]`).
    pub name: String,
    /// One line for `plan` and `--help`.
    pub summary: String,
    /// How reports name it; `{version}` stands for the cell's version.
    #[serde(default)]
    pub label: Option<String>,
    /// The versions it knows; absent for an injector with one version (this repository's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<VersionRules>,
    /// The container it adds.
    pub sidecar: Sidecar,
    /// How namespaces opt in.
    #[serde(default)]
    pub opt_in: OptIn,
    /// The layout it injects.
    pub layout: Layout,
    /// What its legacy layout does besides the textbook failures.
    #[serde(default)]
    pub legacy: LegacyQuirks,
    /// Traffic through its sidecar.
    #[serde(default)]
    pub traffic: Traffic,
    /// How it is installed.
    pub install: Install,
    /// How the install is proven.
    #[serde(default)]
    pub proof: Proof,
    /// The images a cluster needs for it.
    #[serde(default)]
    pub images: Vec<ImageKey>,
    /// Checks of its own.
    #[serde(default)]
    pub checks: Vec<NamedCheck>,
    /// Where the profile was read from (files its manifests name are relative to it).
    #[serde(skip)]
    pub source: String,
    /// The texts of the manifests beside it, by the name its `file:` entries give.
    #[serde(skip)]
    pub files: BTreeMap<String, String>,
}

/// A profile that cannot be used: its file, the line, and what is wrong.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ProfileError {
    /// The file is not a profile (serde's words: the field, and what it expected).
    #[error("{}: not an injector profile: {reason}", at(file, *line))]
    Malformed {
        /// The file.
        file: String,
        /// The line, when the parser knows it.
        line: Option<u64>,
        /// What is wrong.
        reason: String,
    },
    /// The profile says something impossible.
    #[error("{}: {field}: {reason}", at(file, *line))]
    Invalid {
        /// The file.
        file: String,
        /// The field's line, when it can be found.
        line: Option<u64>,
        /// The field, as a path (`versions.default`).
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// The file could not be read.
    #[error("cannot read the injector profile {file}: {reason}")]
    Read {
        /// The file.
        file: String,
        /// Why.
        reason: String,
    },
}

/// serde's error as [`ProfileError::Malformed`].
fn malformed(file: &str, err: &serde_saphyr::Error) -> ProfileError {
    let (line, reason) = serde_failure(err);
    ProfileError::Malformed {
        file: file.to_owned(),
        line,
        reason,
    }
}

impl InjectorProfile {
    /// A profile from its YAML text; `file` names it in errors and `files` holds the manifests
    /// its `file:` entries name (read by the caller, or embedded).
    ///
    /// # Errors
    /// [`ProfileError`] naming the file, the field and (from serde) the line.
    pub fn parse(
        file: &str,
        text: &str,
        files: BTreeMap<String, String>,
    ) -> Result<Self, ProfileError> {
        let mut profile: InjectorProfile =
            serde_saphyr::from_str(text).map_err(|err| malformed(file, &err))?;
        profile.source = file.to_owned();
        profile.files = files;
        profile
            .validate()
            .map_err(|(field, reason, written)| ProfileError::Invalid {
                file: file.to_owned(),
                // The line of the value itself where it is one of several (a file name), else
                // the field's.
                line: written
                    .and_then(|value| line_of_value(text, &value))
                    .or_else(|| line_of(text, &field)),
                field,
                reason,
            })?;
        Ok(profile)
    }

    /// Checks what serde cannot: names, versions, minors this harness knows, and files that
    /// exist. The error is the field's path, what is wrong with it, and the value as written
    /// when the field holds several.
    fn validate(&self) -> Result<(), (String, String, Option<String>)> {
        let invalid = |field: &str, reason: &str| Err((field.to_owned(), reason.to_owned(), None));
        let dns_label = |s: &str| {
            !s.is_empty()
                && s.len() <= 30
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !s.starts_with('-')
        };
        if !dns_label(&self.name) {
            return invalid(
                "name",
                "must be lowercase letters, digits and '-', at most 30 (it is part of cluster and namespace names)",
            );
        }
        let container = &self.sidecar.container;
        let container_ok = !container.is_empty()
            && container.len() <= 63
            && container
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !container.starts_with('-')
            && !container.ends_with('-');
        if !container_ok {
            return invalid(
                "sidecar.container",
                "must be a container name: lowercase letters, digits and '-', at most 63",
            );
        }
        if let Some(versions) = &self.versions {
            if versions.oldest > versions.newest {
                return invalid("versions", "oldest is newer than newest");
            }
            if !versions.knows(versions.default) {
                return invalid(
                    "versions.default",
                    &format!(
                        "{} is outside {}..{}",
                        versions.default, versions.oldest, versions.newest
                    ),
                );
            }
        }
        for (field, rule) in [
            ("layout.native", &self.layout.native),
            ("layout.legacy", &self.layout.legacy),
            ("layout.auto", &self.layout.auto),
        ] {
            if rule.from_version.is_some() && self.versions.is_none() {
                return invalid(
                    &format!("{field}.fromVersion"),
                    "the profile lists no versions",
                );
            }
        }
        let uses_by_version = [&self.layout.native, &self.layout.legacy, &self.layout.auto]
            .iter()
            .any(|r| r.injects == Injects::ByVersion);
        let rule = &self.layout.by_version;
        if uses_by_version
            && rule.injector_from.is_none()
            && rule.kubelet_from.is_none()
            && rule.api_server_from.is_none()
        {
            return invalid(
                "layout.byVersion",
                "a mode injects by-version, but no version is named (injectorFrom, kubeletFrom or apiServerFrom)",
            );
        }
        // A rule must name a minor this harness knows, or its cells could never be planned.
        if let Ok(minors) = super::Minors::embedded() {
            let known = minors.versions();
            for (field, minor) in [
                ("layout.byVersion.kubeletFrom", rule.kubelet_from),
                ("layout.byVersion.apiServerFrom", rule.api_server_from),
            ] {
                if let Some(minor) = minor
                    && !known.contains(&minor)
                {
                    return invalid(
                        field,
                        &format!(
                            "{minor} is not a Kubernetes minor this harness knows ({}–{}); a rule that holds for every minor is `injects: native`",
                            known.first().map(ToString::to_string).unwrap_or_default(),
                            known.last().map(ToString::to_string).unwrap_or_default(),
                        ),
                    );
                }
            }
        }
        if let Install::Manifests(install) = &self.install {
            for source in install.manifests.iter().chain(&install.per_namespace) {
                if let ManifestSource::File(name) = source
                    && !self.files.contains_key(name)
                {
                    return Err((
                        "install.manifests".to_owned(),
                        format!("{name} does not exist beside the profile"),
                        Some(name.clone()),
                    ));
                }
            }
        }
        Ok(())
    }

    /// How reports name a cell's injector: the label with its version, else `name@version`.
    pub fn label_for(&self, version: Option<InjectorVersion>) -> String {
        let version_text = version.map(|v| v.to_string()).unwrap_or_default();
        match &self.label {
            Some(label) => label.replace("{version}", &version_text),
            None => match version {
                Some(v) => format!("{}@{v}", self.name),
                None => self.name.clone(),
            },
        }
    }

    /// The text of a manifest this profile names.
    pub fn file(&self, name: &str) -> Option<&str> {
        self.files.get(name).map(String::as_str)
    }
}

/// Every profile this process knows: the shipped ones, and any a user named by path. Each is
/// loaded once and kept for good, so a handle to one is a plain index.
pub struct Profiles;

/// The loaded profiles; shipped ones first, in [`SHIPPED`] order.
static LOADED: OnceLock<Mutex<Vec<&'static InjectorProfile>>> = OnceLock::new();

/// The shipped profiles, parsed once (a broken shipped profile is a build of this project that
/// a test refuses to ship).
fn loaded() -> &'static Mutex<Vec<&'static InjectorProfile>> {
    LOADED.get_or_init(|| {
        let shipped = SHIPPED
            .iter()
            .filter_map(|(file, text)| InjectorProfile::parse(file, text, shipped_files(file)).ok())
            .map(|profile| &*Box::leak(Box::new(profile)))
            .collect();
        Mutex::new(shipped)
    })
}

/// The manifests the shipped profiles name, embedded.
fn shipped_files(file: &str) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    if file.ends_with("builtin.yaml") {
        for (name, text) in [
            (
                "injector/namespace.yaml",
                include_str!("../../profiles/injector/namespace.yaml"),
            ),
            (
                "injector/rbac.yaml",
                include_str!("../../profiles/injector/rbac.yaml"),
            ),
            (
                "injector/service.yaml",
                include_str!("../../profiles/injector/service.yaml"),
            ),
            (
                "injector/deployment.yaml",
                include_str!("../../profiles/injector/deployment.yaml"),
            ),
            (
                "injector/webhook.yaml",
                include_str!("../../profiles/injector/webhook.yaml"),
            ),
        ] {
            files.insert(name.to_owned(), text.to_owned());
        }
    }
    if file.ends_with("otel.yaml") {
        files.insert(
            "otel/collector.yaml".to_owned(),
            include_str!("../../profiles/otel/collector.yaml").to_owned(),
        );
    }
    files
}

/// A handle to a loaded profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProfileId(u16);

impl ProfileId {
    /// The profile.
    pub fn get(self) -> &'static InjectorProfile {
        let all = loaded().lock().unwrap_or_else(PoisonError::into_inner);
        all[usize::from(self.0)]
    }
}

impl Profiles {
    /// The shipped profiles' errors, if any (a test holds them to none).
    pub fn shipped_errors() -> Vec<ProfileError> {
        SHIPPED
            .iter()
            .filter_map(|(file, text)| {
                InjectorProfile::parse(file, text, shipped_files(file)).err()
            })
            .collect()
    }

    /// The profile named `name` (shipped, or loaded earlier from a file).
    pub fn named(name: &str) -> Option<ProfileId> {
        let all = loaded().lock().unwrap_or_else(PoisonError::into_inner);
        all.iter()
            .position(|p| p.name == name)
            .and_then(|i| u16::try_from(i).ok())
            .map(ProfileId)
    }

    /// Every loaded profile's name, for messages.
    pub fn names() -> Vec<String> {
        let all = loaded().lock().unwrap_or_else(PoisonError::into_inner);
        all.iter().map(|p| p.name.clone()).collect()
    }

    /// Loads a user's profile from `text` (read from `path`; `files` are the manifests beside
    /// it that it names) and keeps it. A profile with a shipped name replaces nothing: its name
    /// must be new, or the same file again.
    ///
    /// # Errors
    /// [`ProfileError`] naming the file and what is wrong.
    pub fn load(
        path: &Path,
        text: &str,
        files: BTreeMap<String, String>,
    ) -> Result<ProfileId, ProfileError> {
        let file = path.display().to_string();
        let profile = InjectorProfile::parse(&file, text, files)?;
        let mut all = loaded().lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(i) = all.iter().position(|p| p.name == profile.name) {
            if all[i].source == profile.source && *all[i] == profile {
                return u16::try_from(i).map(ProfileId).map_err(|_| too_many(&file));
            }
            return Err(ProfileError::Invalid {
                line: line_of(text, "name"),
                file,
                field: "name".to_owned(),
                reason: format!(
                    "{:?} is already the name of {}: give your profile a name of its own",
                    profile.name, all[i].source
                ),
            });
        }
        let id = u16::try_from(all.len()).map_err(|_| too_many(&file))?;
        all.push(Box::leak(Box::new(profile)));
        Ok(ProfileId(id))
    }
}

fn too_many(file: &str) -> ProfileError {
    ProfileError::Invalid {
        file: file.to_owned(),
        line: None,
        field: "name".to_owned(),
        reason: "too many profiles in one process".to_owned(),
    }
}

/// The files a profile at `path` names (`file:` entries), read from beside it.
///
/// # Errors
/// [`ProfileError::Read`] for a file that cannot be read. The caller bounds the reads.
pub fn files_beside(
    path: &Path,
    text: &str,
    read: impl Fn(&Path) -> Result<String, String>,
) -> Result<BTreeMap<String, String>, ProfileError> {
    // The names come from the profile itself; a malformed profile is reported by `parse`.
    let names: Vec<String> = serde_saphyr::from_str::<serde_json::Value>(text)
        .ok()
        .map(|value| manifest_names(&value))
        .unwrap_or_default();
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut files = BTreeMap::new();
    for name in names {
        let file = dir.join(&name);
        // One that is not there is the profile's mistake, which `parse` names with its line.
        if !file.exists() {
            continue;
        }
        let text = read(&file).map_err(|reason| ProfileError::Read {
            file: file.display().to_string(),
            reason,
        })?;
        files.insert(name, text);
    }
    Ok(files)
}

/// Every `file:` value under `install.manifests*` of a profile's YAML.
fn manifest_names(value: &serde_json::Value) -> Vec<String> {
    let install = value
        .get("install")
        .and_then(|i| i.get("manifests"))
        .cloned()
        .unwrap_or_default();
    ["manifests", "perNamespace"]
        .iter()
        .filter_map(|key| install.get(key).and_then(|v| v.as_array()).cloned())
        .flatten()
        .filter_map(|entry| {
            entry
                .get("file")
                .and_then(|f| f.as_str())
                .map(str::to_owned)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_profile_parses() {
        assert_eq!(Profiles::shipped_errors(), Vec::new());
        for name in ["builtin", "istio", "otel"] {
            assert!(Profiles::named(name).is_some(), "{name}");
        }
    }

    #[test]
    fn versions_are_written_plainly() {
        assert_eq!(
            "1.31".parse::<InjectorVersion>(),
            Ok(InjectorVersion {
                major: 1,
                minor: 31
            })
        );
        assert_eq!(
            "0.153".parse::<InjectorVersion>().map(|v| v.to_string()),
            Ok("0.153".to_owned())
        );
        for bad in ["1.019", "01.31", "1", "1.x", "1.31.2", ""] {
            assert!(bad.parse::<InjectorVersion>().is_err(), "{bad}");
        }
    }

    fn profile(extra: &str) -> Result<InjectorProfile, ProfileError> {
        let text = format!(
            "name: mine\nsummary: a test\nsidecar: {{container: my-agent, role: agent}}\n\
             layout:\n  native: {{injects: native}}\n  legacy: {{injects: legacy}}\n  auto: {{injects: follows-gate}}\n\
             install:\n  istioctl: {{set: []}}\n{extra}"
        );
        InjectorProfile::parse("mine.yaml", &text, BTreeMap::new())
    }

    #[test]
    fn a_minimal_profile_parses_and_a_mistake_names_its_file_line_and_field() {
        let mine = profile("").expect("parses");
        assert_eq!(mine.sidecar.container, "my-agent");
        let err = profile("colour: blue\n").expect_err("unknown field");
        let text = err.to_string();
        assert!(
            text.starts_with("mine.yaml:10: not an injector profile: unknown field `colour`"),
            "{text}"
        );
        assert!(!text.contains('\n'), "one line: {text}");
        let err = profile("versions: {default: \"1.40\", oldest: \"1.19\", newest: \"1.31\"}\n")
            .expect_err("default outside");
        assert_eq!(
            err.to_string(),
            "mine.yaml:10: versions.default: 1.40 is outside 1.19..1.31"
        );
    }

    #[test]
    fn a_rule_for_a_minor_that_does_not_exist_is_refused_at_its_line() {
        let text = "name: mine\nsummary: a test\nsidecar: {container: my-agent, role: agent}\n\
                    layout:\n  native: {injects: native}\n  legacy: {injects: legacy}\n  auto: {injects: by-version}\n\
                    \x20 byVersion:\n    kubeletFrom: \"1.99\"\n\
                    install:\n  istioctl: {set: []}\n";
        let err = InjectorProfile::parse("mine.yaml", text, BTreeMap::new()).expect_err("1.99");
        let text = err.to_string();
        assert!(
            text.starts_with("mine.yaml:9: layout.byVersion.kubeletFrom: 1.99 is not a Kubernetes minor this harness knows (1.28–"),
            "{text}"
        );
    }

    #[test]
    fn a_field_is_found_in_block_and_flow_style_and_not_in_comments() {
        let text = "a:\n  # b: not here\n  c: {b: 1}\nb: 2\n";
        assert_eq!(line_of(text, "a.b"), Some(3));
        assert_eq!(line_of(text, "b"), Some(3), "the first key anywhere");
        assert_eq!(line_of(text, "a.z"), None);
        assert_eq!(line_of("name: x\nrename: y\n", "rename"), Some(2));
        assert_eq!(line_of("rename: y\nname: x\n", "name"), Some(2));
    }

    #[test]
    fn a_manifest_that_is_not_beside_the_profile_is_named() {
        let text = "name: mine\nsummary: a test\nsidecar: {container: my-agent, role: agent}\n\
                    layout:\n  native: {injects: native}\n  legacy: {injects: legacy}\n  auto: {injects: follows-gate}\n\
                    install:\n  manifests:\n    manifests: [{file: webhook.yaml}]\n";
        let err = InjectorProfile::parse("mine.yaml", text, BTreeMap::new()).expect_err("missing");
        assert_eq!(
            err.to_string(),
            "mine.yaml:10: install.manifests: webhook.yaml does not exist beside the profile"
        );
    }
}
