//! The sample workloads, each in `manifests/workloads/<name>.yaml`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A sample workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// A long-running Deployment that sends a request through its proxy (like Istio's sleep).
    Sleep,
    /// An init container that fetches `/get` from httpbin: it needs the proxy to exist already.
    InitTraffic,
    /// A batch/v1 Job whose app exits after a second: the pod must complete.
    Job,
    /// An app that sends a request after it receives SIGTERM: the proxy must still be there.
    ShutdownTraffic,
}

impl Scenario {
    /// Every scenario, in report order.
    pub const ALL: [Scenario; 4] = [
        Scenario::Sleep,
        Scenario::InitTraffic,
        Scenario::Job,
        Scenario::ShutdownTraffic,
    ];

    /// The name used in flags, reports and file names.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Sleep => "sleep",
            Scenario::InitTraffic => "init-traffic",
            Scenario::Job => "job",
            Scenario::ShutdownTraffic => "shutdown-traffic",
        }
    }
}

/// The upstream every scenario calls (`manifests/workloads/httpbin.yaml`).
pub const HTTPBIN_MANIFEST: &str = include_str!("../../manifests/workloads/httpbin.yaml");

impl Scenario {
    /// The workload's manifest (`manifests/workloads/<name>.yaml`), embedded at build time.
    pub fn manifest(self) -> &'static str {
        match self {
            Scenario::Sleep => include_str!("../../manifests/workloads/sleep.yaml"),
            Scenario::InitTraffic => include_str!("../../manifests/workloads/init-traffic.yaml"),
            Scenario::Job => include_str!("../../manifests/workloads/job.yaml"),
            Scenario::ShutdownTraffic => {
                include_str!("../../manifests/workloads/shutdown-traffic.yaml")
            }
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A scenario name that does not exist.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown scenario {0:?}: expected sleep, init-traffic, job or shutdown-traffic")]
pub struct BadScenario(pub String);

impl FromStr for Scenario {
    type Err = BadScenario;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scenario::ALL
            .into_iter()
            .find(|scenario| scenario.name() == s.trim())
            .ok_or_else(|| BadScenario(s.to_owned()))
    }
}
