//! What a scenario should show in a cell, at the level `sidecar-e2e plan` prints, and the checks
//! the four proxy scenarios share. Each scenario's own rules are in its file.

use serde::Serialize;

use super::check::{Check, ProxyPlace};
use super::known_bug::KnownBug;
use super::target::Target;
use crate::plan::{EffectiveMode, Traffic};

/// What one scenario should show in one cell. `None` means "not asserted" (the behaviour
/// is unspecified there), and is printed as `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ScenarioExpectation {
    /// Whether the API server admits the pod at all.
    pub pod_created: bool,
    /// Where the proxy is, when the pod exists and the injector adds one.
    pub proxy: Option<ProxyPlace>,
    /// Whether the proxy is started before any app container starts.
    pub proxy_starts_first: Option<bool>,
    /// Whether the scenario's request (or its own healthy behaviour) succeeds.
    pub succeeds: Option<bool>,
    /// Jobs only: whether the Job completes and its pod ends `Succeeded`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completes: Option<bool>,
    /// The known bugs expected in this cell, instead of the healthy behaviour.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub known_bugs: Vec<&'static KnownBug>,
}

impl ScenarioExpectation {
    /// The known bugs of `candidates` present on `target`.
    pub fn bugs_on(candidates: &[&'static KnownBug], target: &Target) -> Vec<&'static KnownBug> {
        candidates
            .iter()
            .copied()
            .filter(|bug| bug.present_on_target(target))
            .collect()
    }

    /// `bug` when this cell expects it.
    pub fn expects(&self, bug: &'static KnownBug) -> Option<&'static KnownBug> {
        self.known_bugs.contains(&bug).then_some(bug)
    }
}

/// The expectation of a proxy scenario on `target`: where the injector's pods are refused (§2)
/// nothing runs; elsewhere the proxy where the mode puts it, with the scenario's own outcome.
pub fn proxied(
    target: &Target,
    succeeds: Option<bool>,
    completes: Option<bool>,
) -> ScenarioExpectation {
    if target.mode == EffectiveMode::Rejected {
        return refused(completes.map(|_| false));
    }
    let (proxy, proxy_starts_first) = proxy_expectation(target.mode);
    ScenarioExpectation {
        pod_created: true,
        proxy,
        proxy_starts_first,
        succeeds: succeeds.filter(|_| target.sidecar_traffic().is_ok()),
        completes,
        ..ScenarioExpectation::default()
    }
}

/// The expectation of a scenario that writes its own native sidecars to guard `bug`: it runs
/// only where the cluster honours them, and expects the bug on the patches that have it.
///
/// # Errors
/// Why it does not run on `target` (the gate is off).
pub fn guarding(
    bug: &'static KnownBug,
    target: &Target,
) -> Result<ScenarioExpectation, &'static str> {
    target.native_sidecars()?;
    let known_bugs = ScenarioExpectation::bugs_on(&[bug], target);
    Ok(ScenarioExpectation {
        pod_created: true,
        succeeds: Some(known_bugs.is_empty()),
        known_bugs,
        ..ScenarioExpectation::default()
    })
}

/// The expectation of a scenario guarding `bug` of the control plane (the scheduler, a
/// controller): the API server's version decides, not the workload's kubelet (a cell with a
/// worker of an older minor has both). The API server's patch is known only where the kubelet is
/// of its minor (the runner reports the kubelet's); elsewhere a minor whose fix came in a later
/// patch than `.0` cannot be told apart, and nothing is asserted.
///
/// # Errors
/// Why it does not run on `target` (the gate is off, or the API server's patch is unknown).
pub fn guarding_control_plane(
    bug: &'static KnownBug,
    target: &Target,
) -> Result<ScenarioExpectation, &'static str> {
    target.native_sidecars()?;
    let minor = target.api_server.minor;
    let patch = if target.api_server == target.k8s {
        target.patch
    } else if bug.fixed_in.iter().any(|f| f.minor == minor && f.patch > 0) {
        return Err(
            "the control plane's patch decides this bug, and a cell whose worker is of \
                    another minor reports only the kubelet's",
        );
    } else {
        None
    };
    let known_bugs = if bug.present_on(minor, patch) {
        vec![bug]
    } else {
        Vec::new()
    };
    Ok(ScenarioExpectation {
        pod_created: true,
        succeeds: Some(known_bugs.is_empty()),
        known_bugs,
        ..ScenarioExpectation::default()
    })
}

/// The expectation of a proxy scenario where its pods are refused (§2).
fn refused(completes: Option<bool>) -> ScenarioExpectation {
    ScenarioExpectation {
        pod_created: false,
        succeeds: Some(false),
        completes,
        ..ScenarioExpectation::default()
    }
}

/// Where the injector puts the proxy, and whether it is promised to start first: native, the
/// startup probe gates everything after it (§3); legacy, containers start in spec order without
/// waiting for one another's readiness and the proxy is appended last, so "first" is not promised.
pub fn proxy_expectation(mode: EffectiveMode) -> (Option<ProxyPlace>, Option<bool>) {
    match mode {
        EffectiveMode::Native => (Some(ProxyPlace::RestartableInitContainer), Some(true)),
        EffectiveMode::Legacy => (Some(ProxyPlace::Container), None),
        EffectiveMode::Rejected => (None, None),
    }
}

/// The checks of a proxy scenario: layout, order, its request (and, when it succeeds and
/// `logged`, that the sidecar's log holds it: a proxy's access log, a collector's record),
/// completion for Jobs, and the printer. Where pods are refused, only that nothing runs.
pub fn proxied_checks(
    expected: &ScenarioExpectation,
    target: &Target,
    step: &'static str,
    unasserted_because: &'static str,
    logged: bool,
) -> Vec<Check> {
    if !expected.pod_created {
        return vec![Check::PodNeverRuns, Check::PrinterAgrees];
    }
    let mut checks = Vec::new();
    if let Some(place) = expected.proxy {
        checks.push(Check::ProxyLayout { place });
    }
    if expected.proxy_starts_first == Some(true) {
        checks.push(Check::StartupOrder);
    }
    let unasserted_because = target.sidecar_traffic().err().unwrap_or(unasserted_because);
    checks.push(Check::Request {
        step,
        succeeds: expected.succeeds,
        unasserted_because: expected.succeeds.is_none().then_some(unasserted_because),
    });
    if logged && expected.succeeds == Some(true) {
        checks.extend(heard(target, step));
    }
    match expected.completes {
        Some(true) => checks.push(Check::JobCompletes { known_bug: None }),
        Some(false) => checks.push(Check::JobPodKeepsRunning {
            for_seconds: LEGACY_JOB_LINGER_SECONDS,
        }),
        None => {}
    }
    checks.push(Check::PrinterAgrees);
    checks
}

/// How long a legacy Job pod must be seen Running after its app exited: long enough that no
/// kubelet would still be "about to" finish it (the harness records at least this long).
pub const LEGACY_JOB_LINGER_SECONDS: u32 = 10;

/// What in the injector's sidecar log proves `step`'s request went through it: a proxy's access
/// log, a collector's record; nothing where the profile makes no traffic.
pub(super) fn heard(target: &Target, step: &'static str) -> Option<Check> {
    match target.injector.profile().traffic {
        Traffic::HttpThroughProxy => Some(Check::AccessLog),
        Traffic::OtlpToCollector { .. } => Some(Check::CollectorReceived { step }),
        Traffic::None => None,
    }
}
