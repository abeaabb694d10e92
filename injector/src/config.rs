//! What an injection is configured with: the layout mode, the proxy's container name and image,
//! and the proxy's ports.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Default name of the container the injector adds to every pod it mutates (see
/// [`InjectorConfig::container_name`]).
pub const DEFAULT_PROXY_CONTAINER_NAME: &str = "sidecar-proxy";
/// Pod annotation that opts a pod out of injection when set to `"false"`.
pub const ANNOTATION_INJECT: &str = "sidecar-e2e/inject";
/// Pod annotation that overrides the layout mode for one pod (`native` or `legacy`).
pub const ANNOTATION_MODE: &str = "sidecar-e2e/mode";
/// Pod annotation the injector writes: what it injected (like Istio's `sidecar.istio.io/status`).
pub const ANNOTATION_STATUS: &str = "sidecar-e2e/status";
/// Namespace label that selects namespaces for the webhook.
pub const NAMESPACE_LABEL: &str = "sidecar-e2e/injection";
/// The Envoy image the proxy runs by default (the version our Envoy tests run from PyPI).
pub const DEFAULT_PROXY_IMAGE: &str = "envoyproxy/envoy:v1.40.0";

/// Where the proxy goes in the pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// `initContainers[0]` with `restartPolicy: Always` (KEP-753 native sidecar).
    Native,
    /// Appended to `containers`, the way meshes injected before native sidecars.
    Legacy,
}

impl Mode {
    /// The mode's name as written in flags and annotations.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Native => "native",
            Mode::Legacy => "legacy",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A mode string that is neither `native` nor `legacy`.
#[derive(Debug, thiserror::Error)]
#[error("unknown injection mode {0:?}: expected \"native\" or \"legacy\"")]
pub struct UnknownMode(pub String);

impl FromStr for Mode {
    type Err = UnknownMode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "native" => Ok(Mode::Native),
            "legacy" => Ok(Mode::Legacy),
            other => Err(UnknownMode(other.to_owned())),
        }
    }
}

/// The ports the proxy listens on. Pods use the defaults; tests remap them to free loopback ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyPorts {
    /// Explicit HTTP forward proxy, on loopback only (default 15001, like Istio's outbound port).
    pub outbound: u16,
    /// `/healthz/ready` for the startup and readiness probes (default 15021, like Istio).
    pub health: u16,
    /// Envoy admin, on loopback only (default 15000): `/quitquitquit` for the legacy Job workaround.
    pub admin: u16,
}

impl Default for ProxyPorts {
    fn default() -> Self {
        ProxyPorts {
            outbound: 15001,
            health: 15021,
            admin: 15000,
        }
    }
}

impl ProxyPorts {
    /// The value injected as `HTTP_PROXY` into user containers.
    pub fn http_proxy_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.outbound)
    }
}

/// The longest container name Kubernetes accepts (a DNS-1123 label).
pub const MAX_CONTAINER_NAME_LEN: usize = 63;

/// A container name Kubernetes would refuse: not a DNS-1123 label.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{name:?} is not a valid container name: {problem}; a container name is at most \
     {MAX_CONTAINER_NAME_LEN} lower-case letters, digits and '-', starting and ending with a \
     letter or digit (a DNS-1123 label)"
)]
pub struct InvalidContainerName {
    /// The name refused.
    pub name: String,
    /// What is wrong with it.
    pub problem: &'static str,
}

/// Checks that `name` is a valid Kubernetes container name, a DNS-1123 label: 1 to 63 characters
/// among `a-z`, `0-9` and `-`, starting and ending with a letter or digit.
///
/// # Errors
/// [`InvalidContainerName`] saying what is wrong.
pub fn validate_container_name(name: &str) -> Result<(), InvalidContainerName> {
    let alphanumeric = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let problem = if name.is_empty() {
        Some("it is empty")
    } else if name.len() > MAX_CONTAINER_NAME_LEN {
        Some("it is longer than 63 characters")
    } else if !name.bytes().all(|b| alphanumeric(b) || b == b'-') {
        Some("it has a character other than a-z, 0-9 and '-'")
    } else if !name.bytes().next().is_some_and(alphanumeric) {
        Some("it starts with '-'")
    } else if !name.bytes().last().is_some_and(alphanumeric) {
        Some("it ends with '-'")
    } else {
        None
    };
    match problem {
        None => Ok(()),
        Some(problem) => Err(InvalidContainerName {
            name: name.to_owned(),
            problem,
        }),
    }
}

/// Everything one injection needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InjectorConfig {
    /// Layout used when the pod has no `sidecar-e2e/mode` annotation.
    pub mode: Mode,
    /// Name of the proxy container, which no user container may have. Default
    /// [`DEFAULT_PROXY_CONTAINER_NAME`]; check another with [`validate_container_name`].
    pub container_name: String,
    /// Proxy image. Default [`DEFAULT_PROXY_IMAGE`].
    pub image: String,
    /// Proxy ports. Default [`ProxyPorts::default`].
    pub ports: ProxyPorts,
}

impl InjectorConfig {
    /// A configuration with the default container name, image and ports.
    pub fn new(mode: Mode) -> Self {
        InjectorConfig {
            mode,
            container_name: DEFAULT_PROXY_CONTAINER_NAME.to_owned(),
            image: DEFAULT_PROXY_IMAGE.to_owned(),
            ports: ProxyPorts::default(),
        }
    }

    /// Use another proxy image.
    #[must_use]
    pub fn with_image(mut self, image: impl Into<String>) -> Self {
        self.image = image.into();
        self
    }

    /// Name the proxy container `name` instead of [`DEFAULT_PROXY_CONTAINER_NAME`]. Like the
    /// image, the name is taken as given: check one that comes from a user with
    /// [`validate_container_name`] first (the CLI does), or the API server refuses every pod.
    #[must_use]
    pub fn with_container_name(mut self, name: impl Into<String>) -> Self {
        self.container_name = name.into();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_container_name_is_sidecar_proxy() {
        assert_eq!(DEFAULT_PROXY_CONTAINER_NAME, "sidecar-proxy");
        for mode in [Mode::Native, Mode::Legacy] {
            assert_eq!(InjectorConfig::new(mode).container_name, "sidecar-proxy");
        }
        assert_eq!(
            validate_container_name(DEFAULT_PROXY_CONTAINER_NAME),
            Ok(())
        );
    }

    #[test]
    fn with_container_name_sets_only_the_name() {
        let config = InjectorConfig::new(Mode::Legacy).with_container_name("istio-proxy");
        assert_eq!(config.container_name, "istio-proxy");
        assert_eq!(
            config,
            InjectorConfig {
                container_name: "istio-proxy".to_owned(),
                ..InjectorConfig::new(Mode::Legacy)
            }
        );
    }

    #[test]
    fn accepts_dns_1123_labels() {
        let longest = "a".repeat(63);
        for name in [
            "p",
            "0",
            "istio-proxy",
            "envoy2",
            "a-b-c",
            "9-lives",
            &longest,
        ] {
            assert_eq!(validate_container_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_dns_1123_label_saying_why() {
        let too_long = "a".repeat(64);
        for (name, problem) in [
            ("", "empty"),
            (too_long.as_str(), "longer than 63"),
            ("Sidecar-Proxy", "other than a-z"),
            ("sidecar_proxy", "other than a-z"),
            ("sidecar.proxy", "other than a-z"),
            ("sidecar proxy", "other than a-z"),
            ("prox\u{e9}", "other than a-z"),
            ("-proxy", "starts with '-'"),
            ("proxy-", "ends with '-'"),
            ("-", "starts with '-'"),
        ] {
            let err = validate_container_name(name).expect_err(name);
            assert_eq!(err.name, name);
            let message = err.to_string();
            assert!(
                message.contains(problem) && message.contains(&format!("{name:?}")),
                "{name}: {message}"
            );
        }
    }
}
