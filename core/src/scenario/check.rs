//! The checks a recording can be held to. Each is data; [`crate::verdict`] decides it. A scenario
//! lists its own from its expectation (`<scenario>.rs`).

use serde::Serialize;

use super::known_bug::KnownBug;
use super::restart_all_containers::RulesAnswer;

/// Where the proxy sits in the pod spec the API server stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ProxyPlace {
    /// An init container with `restartPolicy: Always`.
    RestartableInitContainer,
    /// A regular container.
    Container,
}

/// One thing to check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "check")]
pub enum Check {
    /// The stored pod spec has the proxy where the mode puts it (§7: `restartPolicy` kept or
    /// dropped shows the gate's state).
    ProxyLayout {
        /// Where it must be.
        place: ProxyPlace,
    },
    /// No app container starts before the proxy has started (§3, §7).
    StartupOrder,
    /// The scenario's request succeeded (`true`) or failed (`false`), by its evidence line;
    /// `None`: not asserted in this cell, with the reason.
    Request {
        /// The evidence step.
        step: &'static str,
        /// What should happen.
        succeeds: Option<bool>,
        /// Why nothing is asserted, when `succeeds` is `None`.
        #[serde(skip_serializing_if = "Option::is_none")]
        unasserted_because: Option<&'static str>,
    },
    /// The proxy's access log holds the request: GET /get, 200, to httpbin.
    AccessLog,
    /// The collector's log holds the record the workload sent for `step` (its profile's
    /// evidence line with the step's marker).
    CollectorReceived {
        /// The evidence step whose record it must hold.
        step: &'static str,
    },
    /// The Job's pod ends `Succeeded` (§3: sidecar exit codes do not matter).
    JobCompletes {
        /// Expected instead: the Job fails on this bug.
        #[serde(skip_serializing_if = "Option::is_none")]
        known_bug: Option<&'static KnownBug>,
    },
    /// The legacy failure: the Job's pod is still Running well after its app exited (§6.2).
    JobPodKeepsRunning {
        /// How long after the app's exit the pod must still be seen Running.
        for_seconds: u32,
    },
    /// The rejected cell: no app container ever runs (§2: the API server refuses the pod, or
    /// it never initialises).
    PodNeverRuns,
    /// The oracle checks itself: for every recorded pod version, the harness's READY / STATUS /
    /// RESTARTS equal the row the API server printed for it (server-side printing).
    PrinterAgrees,
    /// On deletion, containers receive SIGTERM in this order, each after the one before has
    /// exited (§3: the app first, then sidecars in reverse start order). By the `step=sigterm`
    /// lines each container prints.
    TerminationOrder {
        /// Container names, first stopped first.
        order: &'static [&'static str],
    },
    /// Some app container has run: the sidecars before it let it start.
    AppStarts {
        /// Expected instead: the app never starts, because of this bug.
        #[serde(skip_serializing_if = "Option::is_none")]
        known_bug: Option<&'static KnownBug>,
    },
    /// The deleted pod is gone within `seconds` of the delete request, well inside its grace
    /// period.
    DeletedWithin {
        /// The most it may take.
        seconds: u32,
        /// The pod's `terminationGracePeriodSeconds`, which a stuck deletion takes instead.
        grace_seconds: u32,
        /// Expected instead: the deletion waits out the grace period, because of this bug.
        #[serde(skip_serializing_if = "Option::is_none")]
        known_bug: Option<&'static KnownBug>,
    },
    /// The sidecar that exited while the app ran was restarted: its `restartCount` went up and
    /// it runs again, while the app ran on without a restart.
    SidecarRestarted {
        /// The sidecar.
        sidecar: &'static str,
        /// Expected instead: the status stays frozen, because of this bug.
        #[serde(skip_serializing_if = "Option::is_none")]
        known_bug: Option<&'static KnownBug>,
    },
    /// The sidecar's last instance exited with `code` (the scenario's premise, checked).
    SidecarExitCode {
        /// The sidecar.
        sidecar: &'static str,
        /// Its exit code.
        code: i32,
    },
    /// A sidecar restarted after a liveness failure is a new container: its liveness and
    /// readiness probes wait until its own startup probe has passed. By the lines its probes
    /// print (`step=liveness|readiness run=<n> ready-file=<yes|no>`): no probe of a later run
    /// ran while the file its startup probe tests was missing, and the new run did start.
    ProbesWaitForStartup {
        /// The sidecar.
        sidecar: &'static str,
        /// Expected instead: the new container inherits `started` and its probes run at once,
        /// because of this bug.
        #[serde(skip_serializing_if = "Option::is_none")]
        known_bug: Option<&'static KnownBug>,
    },
    /// Once the recorder has deleted the pod and its app stops serving, the sidecar's readiness
    /// probe still runs: the sidecar is seen unready, while it still runs, within `seconds` of
    /// the delete.
    UnreadyDuringShutdown {
        /// The sidecar.
        sidecar: &'static str,
        /// The most the unready status may take after the delete.
        seconds: u32,
        /// Expected instead: the sidecar stays ready until the app exits, because of this bug.
        #[serde(skip_serializing_if = "Option::is_none")]
        known_bug: Option<&'static KnownBug>,
    },
    /// Of two pods whose sidecars want the same host port, one runs and the other is refused
    /// (unschedulable, or rejected by the kubelet for its ports) and stays refused for
    /// `hold_seconds` after the first one runs.
    HostPortHonoured {
        /// How long the refused pod must stay out.
        hold_seconds: u32,
        /// Expected instead: both pods run on one node, because of this bug.
        #[serde(skip_serializing_if = "Option::is_none")]
        known_bug: Option<&'static KnownBug>,
    },
    /// A Service whose named `targetPort` exists only on a native sidecar answers, by the
    /// client's `step=named` lines; its twin that numbers the port (`step=numeric`) proves the
    /// network works.
    NamedPortServed {
        /// How long the named Service must stay silent, while the numbered one answers, for the
        /// silence to be the bug's.
        silent_seconds: u32,
        /// Expected instead: the named Service never answers, because of this bug.
        #[serde(skip_serializing_if = "Option::is_none")]
        known_bug: Option<&'static KnownBug>,
    },
    /// The pod whose sidecar wrote past its `ephemeral-storage` limit is evicted.
    Evicted {
        /// The pod.
        pod: &'static str,
        /// The pod whose eviction proves the cluster enforces limits: "not evicted" is judged
        /// from its eviction on (`None`: this pod is that proof, judged from its start).
        #[serde(skip_serializing_if = "Option::is_none")]
        after: Option<&'static str>,
        /// How long it must be watched, not evicted, from there for that to be a finding.
        patience_seconds: u32,
        /// Expected instead: the pod runs on, because of this bug.
        #[serde(skip_serializing_if = "Option::is_none")]
        known_bug: Option<&'static KnownBug>,
    },
    /// What the API server did with a sidecar's `restartPolicyRules` (KEP-5532), by the apply's
    /// error or the stored pod, is what its version answers.
    RestartRulesAnswer {
        /// The sidecar that carries them.
        sidecar: &'static str,
        /// What the API server's version should do.
        answer: RulesAnswer,
    },
    /// The sidecar's exit, which its rule maps to `RestartAllContainers`, re-ran the init
    /// container and restarted the app (the app's line says `init-runs=2`).
    AllContainersRestarted {
        /// The sidecar that carries the rule.
        sidecar: &'static str,
    },
    /// After the node's reboot, the later init container ran again before the app: the app's
    /// line for the new boot says `init2-ran=yes`.
    InitRerunAfterReboot {
        /// The init container that must run again (it comes after the sidecar).
        init: &'static str,
        /// Expected instead: it is skipped, because of this bug.
        #[serde(skip_serializing_if = "Option::is_none")]
        known_bug: Option<&'static KnownBug>,
    },
    /// The control plane's config was accepted: istiod counted no xDS response refused by a
    /// proxy of the scenario's (Istio cells: the offline proxy is upstream Envoy, which refuses
    /// the filters of Istio's own build, docs/istio.md).
    ProxyConfigAccepted,
    /// The app container that exited with an error was restarted (its `restartCount` went up).
    AppRestarted {
        /// Expected instead: it is never restarted, because of this bug.
        #[serde(skip_serializing_if = "Option::is_none")]
        known_bug: Option<&'static KnownBug>,
    },
}

impl Check {
    /// A stable short name, for reports and JUnit.
    pub fn name(&self) -> &'static str {
        match self {
            Check::ProxyLayout { .. } => "proxy-layout",
            Check::StartupOrder => "startup-order",
            Check::Request { .. } => "request",
            Check::AccessLog => "access-log",
            Check::CollectorReceived { .. } => "collector-received",
            Check::JobCompletes { .. } => "job-completes",
            Check::JobPodKeepsRunning { .. } => "job-pod-keeps-running",
            Check::PodNeverRuns => "pod-never-runs",
            Check::PrinterAgrees => "printer-agrees",
            Check::TerminationOrder { .. } => "termination-order",
            Check::AppStarts { .. } => "app-starts",
            Check::DeletedWithin { .. } => "deleted-within",
            Check::SidecarRestarted { .. } => "sidecar-restarted",
            Check::SidecarExitCode { .. } => "sidecar-exit-code",
            Check::AppRestarted { .. } => "app-restarted",
            Check::ProbesWaitForStartup { .. } => "probes-wait-for-startup",
            Check::UnreadyDuringShutdown { .. } => "unready-during-shutdown",
            Check::ProxyConfigAccepted => "proxy-config-accepted",
            Check::HostPortHonoured { .. } => "host-port-honoured",
            Check::NamedPortServed { .. } => "named-port-served",
            Check::Evicted { .. } => "evicted",
            Check::InitRerunAfterReboot { .. } => "init-rerun-after-reboot",
            Check::RestartRulesAnswer { .. } => "restart-rules-answer",
            Check::AllContainersRestarted { .. } => "all-containers-restarted",
        }
    }

    /// Whether it reads container logs (evidence lines, access-log lines, SIGTERM lines): a log
    /// the harness could not read then leaves it undecided rather than failed.
    pub fn reads_logs(&self) -> bool {
        matches!(
            self,
            Check::Request { .. }
                | Check::AccessLog
                | Check::CollectorReceived { .. }
                | Check::TerminationOrder { .. }
                | Check::SidecarRestarted { .. }
                | Check::ProbesWaitForStartup { .. }
                | Check::NamedPortServed { .. }
                | Check::AllContainersRestarted { .. }
                | Check::InitRerunAfterReboot { .. }
        )
    }

    /// Whether an unreadable log, of a previous instance when `previous`, could change this
    /// check's outcome. The checks of a node action or an in-place restart read the line the
    /// current instance printed after it; the previous instances are the ones the action
    /// removed or never started, whose logs the kubelet no longer has.
    pub fn reads_log(&self, previous: bool) -> bool {
        match self {
            Check::InitRerunAfterReboot { .. } | Check::AllContainersRestarted { .. } => !previous,
            _ => self.reads_logs(),
        }
    }

    /// The known bug this check expects to see in its cell, if any: the check then passes as
    /// a known bug when the bug shows, and fails when it does not.
    pub fn known_bug(&self) -> Option<&'static KnownBug> {
        match self {
            Check::JobCompletes { known_bug }
            | Check::AppStarts { known_bug }
            | Check::DeletedWithin { known_bug, .. }
            | Check::SidecarRestarted { known_bug, .. }
            | Check::AppRestarted { known_bug }
            | Check::ProbesWaitForStartup { known_bug, .. }
            | Check::UnreadyDuringShutdown { known_bug, .. }
            | Check::HostPortHonoured { known_bug, .. }
            | Check::NamedPortServed { known_bug, .. }
            | Check::Evicted { known_bug, .. }
            | Check::InitRerunAfterReboot { known_bug, .. } => *known_bug,
            _ => None,
        }
    }

    /// What the check expects, in words (the healthy behaviour; a known bug is named beside it).
    pub fn describe(&self) -> String {
        let healthy = match self {
            Check::ProxyLayout {
                place: ProxyPlace::RestartableInitContainer,
            } => "proxy is an init container with restartPolicy: Always".to_owned(),
            Check::ProxyLayout {
                place: ProxyPlace::Container,
            } => "proxy is a regular container".to_owned(),
            Check::StartupOrder => {
                "no app container starts before the proxy has started".to_owned()
            }
            Check::Request {
                step,
                succeeds: Some(true),
                ..
            } => format!("{step} succeeds (200)"),
            Check::Request {
                step,
                succeeds: Some(false),
                ..
            } => format!("{step} fails"),
            Check::Request {
                step,
                succeeds: None,
                ..
            } => format!("{step}: not asserted"),
            Check::AccessLog => "proxy access log has GET /get 200 to httpbin".to_owned(),
            Check::CollectorReceived { step } => {
                format!("the collector's log holds the record of {step}")
            }
            Check::JobCompletes { .. } => "Job pod ends Succeeded".to_owned(),
            Check::JobPodKeepsRunning { for_seconds } => {
                format!("Job pod still Running {for_seconds}s after its app exited")
            }
            Check::PodNeverRuns => "pod is refused or never initialises".to_owned(),
            Check::PrinterAgrees => {
                "the harness prints every pod row as the API server does".to_owned()
            }
            Check::TerminationOrder { order } => {
                format!("on delete, SIGTERM reaches {}", order.join(" → "))
            }
            Check::AppStarts { .. } => "the app of every pod starts".to_owned(),
            Check::DeletedWithin {
                seconds,
                grace_seconds,
                ..
            } => format!("deleted pod is gone within {seconds}s (grace period {grace_seconds}s)"),
            Check::SidecarRestarted { sidecar, .. } => {
                format!("{sidecar} is restarted after it exits; the app runs on")
            }
            Check::SidecarExitCode { sidecar, code } => format!("{sidecar} exits with {code}"),
            Check::AppRestarted { .. } => "the crashed app container is restarted".to_owned(),
            Check::ProbesWaitForStartup { sidecar, .. } => format!(
                "{sidecar}, restarted by its liveness probe, runs no liveness or readiness probe \
                 before its own startup probe passes"
            ),
            Check::UnreadyDuringShutdown {
                sidecar, seconds, ..
            } => format!(
                "once the pod is deleted and the app stops serving, {sidecar}'s readiness probe \
                 fails: unready within {seconds}s, while it still runs"
            ),
            Check::ProxyConfigAccepted => {
                "istiod counts no xDS response refused by the scenario's proxies".to_owned()
            }
            Check::HostPortHonoured { hold_seconds, .. } => format!(
                "of two pods whose sidecars want host port 18080, one runs and the other stays \
                 refused for {hold_seconds}s"
            ),
            Check::NamedPortServed { .. } => {
                "a Service whose named targetPort is only on a sidecar answers 200".to_owned()
            }
            Check::Evicted { pod, .. } => {
                format!("{pod}, whose sidecar writes past its ephemeral-storage limit, is evicted")
            }
            Check::RestartRulesAnswer { sidecar, answer } => {
                format!("{sidecar}'s restartPolicyRules: {}", answer.describe())
            }
            Check::InitRerunAfterReboot { init, .. } => {
                format!("after the node's reboot, {init} runs again before the app starts")
            }
            Check::AllContainersRestarted { sidecar } => {
                format!("{sidecar}'s exit 42 re-runs the init container, then the app")
            }
        };
        match self.known_bug() {
            Some(bug) if bug.is_open_upstream() => format!(
                "{healthy}; expected here: {} {} (open upstream: no released patch has the fix)",
                bug.id, bug.title
            ),
            Some(bug) => format!("{healthy}; expected here: {} {}", bug.id, bug.title),
            None => healthy,
        }
    }
}
