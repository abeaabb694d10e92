//! What an injection is configured with: the layout mode, the proxy image and the proxy's ports.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Name of the container the injector adds to every pod it mutates.
pub const PROXY_CONTAINER_NAME: &str = "sidecar-proxy";
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

/// Everything one injection needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InjectorConfig {
    /// Layout used when the pod has no `sidecar-e2e/mode` annotation.
    pub mode: Mode,
    /// Proxy image. Default [`DEFAULT_PROXY_IMAGE`].
    pub image: String,
    /// Proxy ports. Default [`ProxyPorts::default`].
    pub ports: ProxyPorts,
}

impl InjectorConfig {
    /// A configuration with the default image and ports.
    pub fn new(mode: Mode) -> Self {
        InjectorConfig {
            mode,
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
}
