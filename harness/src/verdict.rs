//! Verdicts: each [`Check`] decided against a recording — pass, fail or not applicable — with the
//! evidence (snapshot, event or log line) a reader needs to believe it.

use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use k8s_openapi::jiff::Timestamp;
use serde::Serialize;

use crate::expect::{Check, checks_for, proxy_name};
use crate::plan::{Cell, EffectiveMode, ProxyPlace, Resolution};
use crate::recording::{PodSnapshot, Recording, ScenarioRecording};
use crate::scenario::Scenario;
use crate::views::access_log::parse_log;
use crate::views::evidence::parse_evidence;
use crate::views::kubectl::{pod_columns, render_sequence, watch_sequence};
use crate::views::timeline::{container_timeline, render_timeline};

/// A recording that cannot be judged.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerdictError {
    /// The recording's cell is one that cannot run.
    #[error("the recording's cell ({cell}) is not a valid cell: {reason}")]
    InvalidCell {
        /// The cell's slug.
        cell: String,
        /// Why.
        reason: &'static str,
    },
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// As expected.
    Pass,
    /// Not as expected.
    Fail,
    /// Nothing is asserted in this cell.
    NotApplicable,
}

/// One decided check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckResult {
    /// What was checked.
    pub check: Check,
    /// How it came out.
    pub outcome: Outcome,
    /// Why: snapshots, events, log lines.
    pub evidence: Vec<String>,
}

/// The verdict on one scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScenarioVerdict {
    /// Which scenario.
    pub scenario: Scenario,
    /// Its checks.
    pub results: Vec<CheckResult>,
    /// What `kubectl get pods -w` would have shown, one line per pod.
    pub watch: Vec<String>,
    /// Each container's state changes, in watch order.
    pub timeline: Vec<String>,
}

impl ScenarioVerdict {
    /// Whether no check failed.
    pub fn passed(&self) -> bool {
        self.results.iter().all(|r| r.outcome != Outcome::Fail)
    }
}

/// The verdict on a recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    /// The cell.
    pub cell: Cell,
    /// The layout its pods were expected to get.
    pub mode: EffectiveMode,
    /// Per scenario.
    pub scenarios: Vec<ScenarioVerdict>,
}

impl Verdict {
    /// Whether no check failed anywhere.
    pub fn passed(&self) -> bool {
        self.scenarios.iter().all(ScenarioVerdict::passed)
    }
}

/// Judges every scenario of a recording.
///
/// # Errors
/// [`VerdictError`] when the recording's cell is not a valid one.
pub fn judge(recording: &Recording) -> Result<Verdict, VerdictError> {
    let mode = match recording.cell.resolve() {
        Resolution::Valid { mode, .. } => mode,
        Resolution::Invalid(reason) => {
            return Err(VerdictError::InvalidCell {
                cell: recording.cell.slug(),
                reason,
            });
        }
    };
    let scenarios = recording
        .scenarios
        .iter()
        .map(|scenario| judge_scenario(scenario, &recording.cell, mode))
        .collect();
    Ok(Verdict {
        cell: recording.cell,
        mode,
        scenarios,
    })
}

/// Judges one scenario's recording in `cell` where pods get `mode`.
pub fn judge_scenario(
    recorded: &ScenarioRecording,
    cell: &Cell,
    mode: EffectiveMode,
) -> ScenarioVerdict {
    let ctx = Context::new(recorded, proxy_name(cell.injector));
    let results = checks_for(recorded.scenario, cell, mode)
        .into_iter()
        .map(|check| {
            let (outcome, evidence) = ctx.decide(&check);
            CheckResult {
                check,
                outcome,
                evidence,
            }
        })
        .collect();
    let lines = watch_sequence(&ctx.snapshots);
    // One line per pod, in order of first appearance; a pod's lines may interleave with others'.
    let mut pods: Vec<&str> = Vec::new();
    for line in &lines {
        if !pods.contains(&line.pod.as_str()) {
            pods.push(&line.pod);
        }
    }
    let watch = pods
        .into_iter()
        .map(|pod| {
            let own: Vec<_> = lines.iter().filter(|l| l.pod == pod).cloned().collect();
            format!("{pod}: {}", render_sequence(&own))
        })
        .collect();
    ScenarioVerdict {
        scenario: recorded.scenario,
        results,
        watch,
        timeline: render_timeline(&container_timeline(&ctx.snapshots)),
    }
}

/// What the checks look at: the scenario's own pods (label `app=<scenario>`), in watch order.
struct Context<'a> {
    recorded: &'a ScenarioRecording,
    proxy: &'static str,
    snapshots: Vec<&'a PodSnapshot>,
}

fn describe_snapshot(s: &PodSnapshot) -> String {
    let columns = pod_columns(&s.pod);
    format!(
        "snapshot seq {} (pod {}, resourceVersion {}): {} {}",
        s.seq,
        s.pod.metadata.name.as_deref().unwrap_or("?"),
        s.pod.metadata.resource_version.as_deref().unwrap_or("?"),
        columns.ready,
        columns.status
    )
}

fn has_started(status: &ContainerStatus) -> bool {
    let state = status.state.as_ref();
    state.is_some_and(|s| s.running.is_some() || s.terminated.is_some())
}

fn started_at(status: &ContainerStatus) -> Option<Timestamp> {
    let state = status.state.as_ref()?;
    state
        .running
        .as_ref()
        .and_then(|r| r.started_at.as_ref())
        .or_else(|| {
            state
                .terminated
                .as_ref()
                .and_then(|t| t.started_at.as_ref())
        })
        .map(|t| t.0)
}

fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

impl<'a> Context<'a> {
    fn new(recorded: &'a ScenarioRecording, proxy: &'static str) -> Self {
        let name = recorded.scenario.name();
        let mut snapshots: Vec<&PodSnapshot> = recorded
            .snapshots
            .iter()
            .filter(|s| {
                s.pod
                    .metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get("app"))
                    .is_some_and(|app| app == name)
            })
            .collect();
        snapshots.sort_by_key(|s| s.seq);
        Context {
            recorded,
            proxy,
            snapshots,
        }
    }

    fn decide(&self, check: &Check) -> (Outcome, Vec<String>) {
        match check {
            Check::ProxyLayout { place } => self.proxy_layout(*place),
            Check::StartupOrder => self.startup_order(),
            Check::Request {
                step,
                succeeds,
                unasserted_because,
            } => match succeeds {
                None => (
                    Outcome::NotApplicable,
                    vec![
                        unasserted_because
                            .unwrap_or("not asserted in this cell")
                            .to_owned(),
                    ],
                ),
                Some(expected) => self.request(step, *expected),
            },
            Check::AccessLog => self.access_log(),
            Check::JobCompletes => self.job_completes(),
            Check::JobPodKeepsRunning { for_seconds } => self.job_keeps_running(*for_seconds),
            Check::PodNeverRuns => self.pod_never_runs(),
        }
    }

    fn no_pod(&self) -> (Outcome, Vec<String>) {
        let mut evidence = vec![format!(
            "no pod labelled app={} was recorded",
            self.recorded.scenario.name()
        )];
        evidence.extend(
            self.recorded
                .apply_errors
                .iter()
                .map(|e| format!("apply error: {e}")),
        );
        (Outcome::Fail, evidence)
    }

    fn proxy_layout(&self, place: ProxyPlace) -> (Outcome, Vec<String>) {
        let Some(first) = self.snapshots.first() else {
            return self.no_pod();
        };
        let Some(spec) = first.pod.spec.as_ref() else {
            return (
                Outcome::Fail,
                vec![format!("{} has no spec", describe_snapshot(first))],
            );
        };
        let init = spec.init_containers.as_deref().unwrap_or(&[]);
        let in_init = init.iter().position(|c| c.name == self.proxy);
        let in_containers = spec.containers.iter().position(|c| c.name == self.proxy);
        let found = match (in_init, in_containers) {
            (Some(i), _) => format!(
                "spec.initContainers[{i}] is {} with restartPolicy {}",
                self.proxy,
                init[i]
                    .restart_policy
                    .as_deref()
                    .unwrap_or("unset (dropped by the API server?)")
            ),
            (None, Some(i)) => format!("spec.containers[{i}] is {}", self.proxy),
            (None, None) => format!("no container named {}", self.proxy),
        };
        let ok = match place {
            ProxyPlace::RestartableInitContainer => {
                in_init.is_some_and(|i| init[i].restart_policy.as_deref() == Some("Always"))
            }
            ProxyPlace::Container => in_containers.is_some(),
        };
        let evidence = vec![format!("{found} ({})", describe_snapshot(first))];
        (if ok { Outcome::Pass } else { Outcome::Fail }, evidence)
    }

    fn proxy_status<'p>(&self, pod: &'p Pod) -> Option<&'p ContainerStatus> {
        let status = pod.status.as_ref()?;
        status
            .init_container_statuses
            .iter()
            .flatten()
            .chain(status.container_statuses.iter().flatten())
            .find(|c| c.name == self.proxy)
    }

    fn app_statuses<'p>(&self, pod: &'p Pod) -> Vec<&'p ContainerStatus> {
        pod.status
            .as_ref()
            .and_then(|s| s.container_statuses.as_ref())
            .map(|all| all.iter().filter(|c| c.name != self.proxy).collect())
            .unwrap_or_default()
    }

    /// Watch order first (timestamps have one-second resolution), then timestamps, ties allowed.
    fn startup_order(&self) -> (Outcome, Vec<String>) {
        if self.snapshots.is_empty() {
            return self.no_pod();
        }
        let mut evidence = Vec::new();
        let mut proxy_started: Option<&PodSnapshot> = None;
        for snapshot in &self.snapshots {
            if proxy_started.is_none()
                && self
                    .proxy_status(&snapshot.pod)
                    .is_some_and(|p| p.started == Some(true))
            {
                proxy_started = Some(snapshot);
                evidence.push(format!("proxy started: {}", describe_snapshot(snapshot)));
            }
            let started_apps: Vec<&ContainerStatus> = self
                .app_statuses(&snapshot.pod)
                .into_iter()
                .filter(|c| has_started(c))
                .collect();
            if started_apps.is_empty() {
                continue;
            }
            let names: Vec<&str> = started_apps.iter().map(|c| c.name.as_str()).collect();
            evidence.push(format!(
                "app {} started: {}",
                names.join(","),
                describe_snapshot(snapshot)
            ));
            let Some(proxy_snapshot) = proxy_started else {
                evidence.push("the app started before the proxy was seen started".to_owned());
                return (Outcome::Fail, evidence);
            };
            let proxy_at = self.proxy_status(&proxy_snapshot.pod).and_then(started_at);
            for app in started_apps {
                if let (Some(p), Some(a)) = (proxy_at, started_at(app))
                    && a < p
                {
                    evidence.push(format!(
                        "{} startedAt {a} is before the proxy's {p}",
                        app.name
                    ));
                    return (Outcome::Fail, evidence);
                }
            }
            return (Outcome::Pass, evidence);
        }
        evidence.push("no app container was seen starting".to_owned());
        (Outcome::Fail, evidence)
    }

    fn request(&self, step: &str, expected: bool) -> (Outcome, Vec<String>) {
        let name = self.recorded.scenario.name();
        let lines: Vec<_> = self
            .recorded
            .logs
            .iter()
            .filter(|log| log.container != self.proxy)
            .flat_map(|log| {
                parse_evidence(&log.text)
                    .into_iter()
                    .map(move |e| (log.container.clone(), e))
            })
            .filter(|(_, e)| e.scenario == name && e.step == step)
            .collect();
        if lines.is_empty() {
            return (
                Outcome::Fail,
                vec![format!(
                    "no evidence line for step {step} in any container log"
                )],
            );
        }
        let success = lines.iter().find(|(_, e)| e.request_succeeded());
        let evidence: Vec<String> = match success {
            Some((container, e)) => vec![format!("{container}: {}", e.line)],
            None => lines
                .iter()
                .take(3)
                .map(|(c, e)| format!("{c}: {}", e.line))
                .collect(),
        };
        let ok = success.is_some() == expected;
        (if ok { Outcome::Pass } else { Outcome::Fail }, evidence)
    }

    fn access_log(&self) -> (Outcome, Vec<String>) {
        let Some(log) = self.recorded.log(self.proxy) else {
            return (
                Outcome::Fail,
                vec![format!("no log recorded for {}", self.proxy)],
            );
        };
        let found = parse_log(&log.text).into_iter().find(|(_, e)| {
            e.method.as_deref() == Some("GET")
                && e.path.as_deref() == Some("/get")
                && e.response_code == 200
                && e.authority
                    .as_deref()
                    .is_some_and(|a| a.starts_with("httpbin."))
        });
        match found {
            Some((line_no, _)) => {
                let line = log.text.lines().nth(line_no - 1).unwrap_or("");
                (
                    Outcome::Pass,
                    vec![format!("{} log line {line_no}: {line}", self.proxy)],
                )
            }
            None => {
                let entries = parse_log(&log.text);
                let mut evidence = vec![format!(
                    "{} log has {} access-log line(s), none GET /get 200 to httpbin",
                    self.proxy,
                    entries.len()
                )];
                evidence.extend(entries.iter().take(3).map(|(n, e)| {
                    format!(
                        "line {n}: {} {} {} {}",
                        e.method.as_deref().unwrap_or("-"),
                        e.path.as_deref().unwrap_or("-"),
                        e.response_code,
                        e.authority.as_deref().unwrap_or("-")
                    )
                }));
                (Outcome::Fail, evidence)
            }
        }
    }

    fn job_completes(&self) -> (Outcome, Vec<String>) {
        let Some(last) = self.snapshots.last() else {
            return self.no_pod();
        };
        match self.snapshots.iter().find(|s| phase(&s.pod) == "Succeeded") {
            Some(done) => (
                Outcome::Pass,
                vec![format!("phase Succeeded: {}", describe_snapshot(done))],
            ),
            None => (
                Outcome::Fail,
                vec![format!(
                    "never Succeeded; last seen phase {}: {}",
                    phase(&last.pod),
                    describe_snapshot(last)
                )],
            ),
        }
    }

    fn job_keeps_running(&self, for_seconds: u32) -> (Outcome, Vec<String>) {
        let Some(last) = self.snapshots.last() else {
            return self.no_pod();
        };
        let app_exited = self.snapshots.iter().find(|s| {
            self.app_statuses(&s.pod)
                .iter()
                .any(|c| c.state.as_ref().is_some_and(|st| st.terminated.is_some()))
        });
        let Some(exited) = app_exited else {
            return (
                Outcome::Fail,
                vec![format!(
                    "the app was never seen exiting; last: {}",
                    describe_snapshot(last)
                )],
            );
        };
        let waited = last
            .observed_at
            .0
            .duration_since(exited.observed_at.0)
            .as_secs();
        let mut evidence = vec![
            format!("app exited: {}", describe_snapshot(exited)),
            format!(
                "{waited}s later: phase {}: {}",
                phase(&last.pod),
                describe_snapshot(last)
            ),
        ];
        let ok = phase(&last.pod) == "Running" && waited >= i64::from(for_seconds);
        if !ok && waited < i64::from(for_seconds) {
            evidence.push(format!(
                "recorded only {waited}s after the app exited; need {for_seconds}s"
            ));
        }
        (if ok { Outcome::Pass } else { Outcome::Fail }, evidence)
    }

    fn pod_never_runs(&self) -> (Outcome, Vec<String>) {
        let mut evidence: Vec<String> = self
            .recorded
            .apply_errors
            .iter()
            .map(|e| format!("apply error: {e}"))
            .collect();
        evidence.extend(
            self.recorded
                .events
                .iter()
                .filter(|e| e.reason == "FailedCreate")
                .take(2)
                .map(|e| {
                    format!(
                        "event {} {} on {}: {}",
                        e.type_, e.reason, e.object, e.message
                    )
                }),
        );
        if let Some(ran) = self
            .snapshots
            .iter()
            .find(|s| self.app_statuses(&s.pod).iter().any(|c| has_started(c)))
        {
            evidence.push(format!("an app container ran: {}", describe_snapshot(ran)));
            return (Outcome::Fail, evidence);
        }
        if let Some(last) = self.snapshots.last() {
            evidence.push(format!(
                "never initialised; last: {}",
                describe_snapshot(last)
            ));
        } else if evidence.is_empty() {
            evidence.push("no pod was created and no error was recorded".to_owned());
        }
        (Outcome::Pass, evidence)
    }
}
