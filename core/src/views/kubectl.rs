//! `kubectl get pods` READY / STATUS / RESTARTS for a pod, as the API server's pod printer
//! computes them (`printPod()` in `pkg/printers/internalversion/printers.go`, whose steps the
//! code follows in order; docs/sidecar-semantics.md §4.2), and the `kubectl get pods -w` sequence a user would have seen over a recording.
//!
//! The rows follow the API server's version, so the printer takes that version's rules
//! ([`PrinterRules::of`]); each rule names the release that brought it. An init container
//! waiting with reason `PodInitializing` prints `Init:<i>/<N>` on every version (upstream skips
//! that reason on purpose; a live 1.32 API server agrees), never `Init:ContainerCreating`.

use std::collections::HashMap;

use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use k8s_openapi::jiff::{SignedDuration, Timestamp};

use crate::plan::{K8sVersion, Minors};
use crate::recording::PodSnapshot;

/// The printer rules that differ between API server versions (`printPod()` in
/// `pkg/printers/internalversion/printers.go` at each release, read in the Go module cache).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrinterRules {
    /// A deleted pod in a terminal phase (Succeeded, Failed) keeps its status instead of
    /// `Terminating`: from 1.31 (`podutilv1.IsPodPhaseTerminal` in the deletion step; 1.30.14
    /// prints `Terminating` for any deleted pod).
    pub terminal_pods_keep_status: bool,
    /// `Completed` with no running container becomes the reason of a container that exited
    /// non-zero (`Error`), from 1.35; earlier printers leave `Completed`.
    pub completed_shows_error: bool,
}

impl PrinterRules {
    /// The rules of the API server of `k8s`, from the minors table (each read in that release's
    /// printPod, docs/sidecar-semantics.md §4.2); the newest for a minor the table lacks.
    pub fn of(k8s: K8sVersion) -> Self {
        Minors::known(k8s).map_or_else(Self::newest, |m| PrinterRules {
            terminal_pods_keep_status: m.printer.terminal_pods_keep_status,
            completed_shows_error: m.printer.completed_shows_error,
        })
    }

    /// The newest rules this printer knows: for rows with no version to go by.
    pub fn newest() -> Self {
        PrinterRules {
            terminal_pods_keep_status: true,
            completed_shows_error: true,
        }
    }
}

/// One row's columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodColumns {
    /// `ready/total`.
    pub ready: String,
    /// STATUS.
    pub status: String,
    /// RESTARTS, the number.
    pub restarts: i32,
    /// The most recent `lastState.terminated.finishedAt` among the counted statuses.
    pub last_restart: Option<Timestamp>,
}

impl PodColumns {
    /// RESTARTS as printed at `now`: `3 (2m ago)`, or `0`.
    pub fn restarts_at(&self, now: Timestamp) -> String {
        match self.last_restart {
            Some(at) if self.restarts != 0 => {
                format!(
                    "{} ({} ago)",
                    self.restarts,
                    human_duration(now.duration_since(at))
                )
            }
            _ => self.restarts.to_string(),
        }
    }
}

fn later(current: Option<Timestamp>, candidate: Option<Timestamp>) -> Option<Timestamp> {
    match (current, candidate) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn last_finished(status: &ContainerStatus) -> Option<Timestamp> {
    status
        .last_state
        .as_ref()
        .and_then(|s| s.terminated.as_ref())
        .and_then(|t| t.finished_at.as_ref())
        .map(|t| t.0)
}

/// Computes the columns of `kubectl get pods` for `pod`, as an API server with `rules` prints them.
pub fn pod_columns(pod: &Pod, rules: PrinterRules) -> PodColumns {
    let spec = pod.spec.as_ref();
    let status = pod.status.as_ref();
    let conditions = status.and_then(|s| s.conditions.as_deref()).unwrap_or(&[]);

    // Step 0.
    let mut ready = 0;
    let mut restarts = 0;
    let mut sidecar_restarts = 0;
    let mut last_restart = None;
    let mut sidecar_last_restart = None;
    let mut total = spec.map_or(0, |s| s.containers.len());

    // Step 1: base STATUS.
    let mut reason = status.and_then(|s| s.phase.clone()).unwrap_or_default();
    if let Some(r) = status
        .and_then(|s| s.reason.as_deref())
        .filter(|r| !r.is_empty())
    {
        reason = r.to_owned();
    }
    if conditions
        .iter()
        .any(|c| c.type_ == "PodScheduled" && c.reason.as_deref() == Some("SchedulingGated"))
    {
        reason = "SchedulingGated".to_owned();
    }

    // Step 2: sidecars widen the denominator; lookup by name, last entry wins.
    let init_specs = spec
        .and_then(|s| s.init_containers.as_deref())
        .unwrap_or(&[]);
    let mut restartable: HashMap<&str, bool> = HashMap::new();
    for container in init_specs {
        let is_sidecar = container.restart_policy.as_deref() == Some("Always");
        restartable.insert(container.name.as_str(), is_sidecar);
        if is_sidecar {
            total += 1;
        }
    }

    // Step 3: init container statuses, in order, until one stops the loop.
    let mut initializing = false;
    let init_statuses = status
        .and_then(|s| s.init_container_statuses.as_deref())
        .unwrap_or(&[]);
    for (i, container) in init_statuses.iter().enumerate() {
        restarts += container.restart_count;
        last_restart = later(last_restart, last_finished(container));
        let is_sidecar = restartable
            .get(container.name.as_str())
            .copied()
            .unwrap_or(false);
        if is_sidecar {
            sidecar_restarts += container.restart_count;
            sidecar_last_restart = later(sidecar_last_restart, last_finished(container));
        }
        let state = container.state.as_ref();
        let terminated = state.and_then(|s| s.terminated.as_ref());
        let waiting = state.and_then(|s| s.waiting.as_ref());
        if terminated.is_some_and(|t| t.exit_code == 0) {
            continue; // (a)
        }
        if is_sidecar && container.started == Some(true) {
            if container.ready {
                ready += 1;
            }
            continue; // (b)
        }
        initializing = true;
        reason = if let Some(t) = terminated {
            // (c)
            match t.reason.as_deref().filter(|r| !r.is_empty()) {
                Some(r) => format!("Init:{r}"),
                None if t.signal.unwrap_or(0) != 0 => {
                    format!("Init:Signal:{}", t.signal.unwrap_or(0))
                }
                None => format!("Init:ExitCode:{}", t.exit_code),
            }
        } else {
            // (d), except PodInitializing, which upstream sends to (f) on purpose.
            match waiting
                .and_then(|w| w.reason.as_deref())
                .filter(|r| !r.is_empty() && *r != "PodInitializing")
            {
                Some(r) => format!("Init:{r}"),
                None => format!("Init:{i}/{}", init_specs.len()), // (f)
            }
        };
        break;
    }

    // Step 4: regular containers.
    let initialized = conditions
        .iter()
        .find(|c| c.type_ == "Initialized")
        .is_some_and(|c| c.status == "True");
    if !initializing || initialized {
        restarts = sidecar_restarts;
        last_restart = sidecar_last_restart;
        let mut has_running = false;
        let mut error_reason = None;
        let statuses = status
            .and_then(|s| s.container_statuses.as_deref())
            .unwrap_or(&[]);
        for container in statuses.iter().rev() {
            restarts += container.restart_count;
            last_restart = later(last_restart, last_finished(container));
            let state = container.state.as_ref();
            let waiting_reason = state
                .and_then(|s| s.waiting.as_ref())
                .and_then(|w| w.reason.as_deref())
                .filter(|r| !r.is_empty());
            if let Some(r) = waiting_reason {
                reason = r.to_owned();
            } else if let Some(t) = state.and_then(|s| s.terminated.as_ref()) {
                reason = match t.reason.as_deref().filter(|r| !r.is_empty()) {
                    Some(r) => r.to_owned(),
                    None if t.signal.unwrap_or(0) != 0 => {
                        format!("Signal:{}", t.signal.unwrap_or(0))
                    }
                    None => format!("ExitCode:{}", t.exit_code),
                };
                if t.exit_code != 0 {
                    error_reason = Some(reason.clone());
                }
            } else if container.ready && state.is_some_and(|s| s.running.is_some()) {
                ready += 1;
                has_running = true;
            }
        }
        if reason == "Completed" {
            if has_running && crate::pod::is_ready(pod) {
                reason = "Running".to_owned();
            } else if let Some(error) = error_reason.filter(|_| rules.completed_shows_error) {
                reason = error;
            } else if has_running {
                reason = "NotReady".to_owned();
            }
        }
    }

    // Step 5: deletion.
    if pod.metadata.deletion_timestamp.is_some() {
        let phase = status.and_then(|s| s.phase.as_deref()).unwrap_or("");
        if status.and_then(|s| s.reason.as_deref()) == Some("NodeLost") {
            reason = "Unknown".to_owned();
        } else if !rules.terminal_pods_keep_status || (phase != "Succeeded" && phase != "Failed") {
            reason = "Terminating".to_owned();
        }
    }

    PodColumns {
        ready: format!("{ready}/{total}"),
        status: reason,
        restarts,
        last_restart,
    }
}

/// apimachinery's `duration.HumanDuration` (columns doc, step 6).
pub fn human_duration(d: SignedDuration) -> String {
    let seconds = d.as_secs();
    if seconds < -1 {
        return "<invalid>".to_owned();
    }
    if seconds < 0 {
        return "0s".to_owned();
    }
    let minutes = seconds / 60;
    let hours = seconds / 3600;
    let days = hours / 24;
    let years = days / 365;
    if seconds < 60 * 2 {
        format!("{seconds}s")
    } else if minutes < 10 {
        match seconds % 60 {
            0 => format!("{minutes}m"),
            s => format!("{minutes}m{s}s"),
        }
    } else if hours < 3 {
        format!("{minutes}m")
    } else if hours < 8 {
        match minutes % 60 {
            0 => format!("{hours}h"),
            m => format!("{hours}h{m}m"),
        }
    } else if hours < 48 {
        format!("{hours}h")
    } else if hours < 24 * 8 {
        match hours % 24 {
            0 => format!("{days}d"),
            h => format!("{days}d{h}h"),
        }
    } else if days < 365 * 2 {
        format!("{days}d")
    } else if days < 365 * 8 {
        match days % 365 {
            0 => format!("{years}y"),
            d => format!("{years}y{d}d"),
        }
    } else {
        format!("{years}y")
    }
}

/// One line of `kubectl get pods -w`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchLine {
    /// Pod name.
    pub pod: String,
    /// READY.
    pub ready: String,
    /// STATUS.
    pub status: String,
    /// `seq` of the snapshot that first showed this line.
    pub seq: u64,
}

/// The `kubectl get pods -w` sequence: each snapshot's READY/STATUS, with consecutive repeats of
/// the same pod collapsed (kubectl prints a line per event; a user sees the changes).
pub fn watch_sequence(snapshots: &[&PodSnapshot], rules: PrinterRules) -> Vec<WatchLine> {
    let mut ordered = snapshots.to_vec();
    ordered.sort_by_key(|s| s.seq);
    let mut last: HashMap<String, (String, String)> = HashMap::new();
    let mut lines = Vec::new();
    for snapshot in ordered {
        let pod = snapshot.pod.metadata.name.clone().unwrap_or_default();
        let columns = pod_columns(&snapshot.pod, rules);
        let current = (columns.ready, columns.status);
        if last.get(&pod) == Some(&current) {
            continue;
        }
        last.insert(pod.clone(), current.clone());
        lines.push(WatchLine {
            pod,
            ready: current.0,
            status: current.1,
            seq: snapshot.seq,
        });
    }
    lines
}

/// The sequence as text, `0/2 Init:1/2 → 0/2 PodInitializing → …`, for one pod.
pub fn render_sequence(lines: &[WatchLine]) -> String {
    lines
        .iter()
        .map(|l| format!("{} {}", l.ready, l.status))
        .collect::<Vec<_>>()
        .join(" → ")
}

#[cfg(test)]
mod tests {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;

    use super::*;

    fn pod(yaml: &str) -> Pod {
        serde_saphyr::from_str(yaml).unwrap_or_else(|e| panic!("test pod must parse: {e}\n{yaml}"))
    }

    fn columns(yaml: &str) -> (String, String) {
        columns_on(yaml, PrinterRules::newest())
    }

    fn columns_on(yaml: &str, rules: PrinterRules) -> (String, String) {
        let c = pod_columns(&pod(yaml), rules);
        (c.ready, c.status)
    }

    fn minor(m: u32) -> PrinterRules {
        PrinterRules::of(K8sVersion::new(m))
    }

    /// The Istio blog's Job pod (istio-init, native istio-proxy, app `sleep 1`, restartPolicy
    /// Never) in each state its `kubectl get pods -w` lines describe. Synthetic snapshots.
    const SPEC: &str = "
metadata: {name: sleep}
spec:
  restartPolicy: Never
  initContainers:
  - {name: istio-init, image: proxyv2}
  - {name: istio-proxy, image: proxyv2, restartPolicy: Always}
  containers:
  - {name: sleep, image: curl}
";

    fn blog_states() -> Vec<String> {
        let init_done = "{name: istio-init, ready: true, restartCount: 0, image: x, imageID: x, state: {terminated: {exitCode: 0, reason: Completed}}}";
        let proxy = |started: bool, ready: bool| {
            format!(
                "{{name: istio-proxy, started: {started}, ready: {ready}, restartCount: 0, image: x, imageID: x, state: {{running: {{startedAt: '2023-07-25T22:00:40Z'}}}}}}"
            )
        };
        let proxy_done = "{name: istio-proxy, started: false, ready: false, restartCount: 0, image: x, imageID: x, state: {terminated: {exitCode: 0, reason: Completed}}}";
        let app_waiting = "{name: sleep, ready: false, restartCount: 0, image: x, imageID: x, state: {waiting: {reason: PodInitializing}}}";
        let app_running = "{name: sleep, ready: true, started: true, restartCount: 0, image: x, imageID: x, state: {running: {startedAt: '2023-07-25T22:00:42Z'}}}";
        let app_done = "{name: sleep, ready: false, restartCount: 0, image: x, imageID: x, state: {terminated: {exitCode: 0, reason: Completed}}}";
        let initialized = |v: bool| {
            format!(
                "{{type: Initialized, status: '{}'}}",
                if v { "True" } else { "False" }
            )
        };
        let state = |phase: &str, init: bool, inits: &[&str], apps: &[&str]| {
            format!(
                "{SPEC}status:\n  phase: {phase}\n  conditions: [{}]\n  initContainerStatuses: [{}]\n  containerStatuses: [{}]\n",
                initialized(init),
                inits.join(", "),
                apps.join(", ")
            )
        };
        vec![
            state(
                "Pending",
                false,
                &[init_done, &proxy(false, false)],
                &[app_waiting],
            ),
            state(
                "Pending",
                true,
                &[init_done, &proxy(true, false)],
                &[app_waiting],
            ),
            state(
                "Pending",
                true,
                &[init_done, &proxy(true, true)],
                &[app_waiting],
            ),
            state(
                "Running",
                true,
                &[init_done, &proxy(true, true)],
                &[app_running],
            ),
            state(
                "Running",
                true,
                &[init_done, &proxy(true, true)],
                &[app_done],
            ),
            state("Succeeded", true, &[init_done, proxy_done], &[app_done]),
        ]
    }

    fn blog_expected() -> Vec<(String, String)> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../testdata/kubectl/istio-blog-2023-job-watch.txt");
        std::fs::read_to_string(path)
            .expect("blog fixture")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| {
                let cols: Vec<&str> = l.split_whitespace().collect();
                (cols[1].to_owned(), cols[2].to_owned())
            })
            .collect()
    }

    // §4.2: the blog post's sequence, line by line.
    #[test]
    fn reproduces_the_istio_blog_watch_sequence() {
        let got: Vec<(String, String)> = blog_states().iter().map(|s| columns(s)).collect();
        assert_eq!(got, blog_expected());
    }

    #[test]
    fn watch_sequence_collapses_repeats_and_renders_like_kubectl() {
        let mut snapshots = Vec::new();
        for (i, state) in blog_states().iter().enumerate() {
            // Every state twice, as repeated watch events would deliver it.
            for _ in 0..2 {
                snapshots.push(PodSnapshot {
                    seq: snapshots.len() as u64,
                    observed_at: MicroTime(
                        Timestamp::from_second(1_690_322_440 + i as i64).expect("ts"),
                    ),
                    pod: pod(state),
                    server_row: None,
                });
            }
        }
        let lines = watch_sequence(
            &snapshots.iter().collect::<Vec<_>>(),
            PrinterRules::newest(),
        );
        assert_eq!(lines.len(), 6);
        assert_eq!(
            render_sequence(&lines),
            "0/2 Init:1/2 → 0/2 PodInitializing → 1/2 PodInitializing → 2/2 Running → 1/2 Completed → 0/2 Completed"
        );
    }

    // §4.2: a sidecar killed with 137 after the app completed: Initialized=True lets the
    // regular-container pass overwrite `Init:Error`.
    #[test]
    fn killed_sidecar_after_completion_still_shows_completed() {
        let yaml = format!("{SPEC}status:
  phase: Succeeded
  conditions: [{{type: Initialized, status: 'True'}}]
  initContainerStatuses:
  - {{name: istio-init, ready: true, restartCount: 0, image: x, imageID: x, state: {{terminated: {{exitCode: 0, reason: Completed}}}}}}
  - {{name: istio-proxy, ready: false, started: false, restartCount: 0, image: x, imageID: x, state: {{terminated: {{exitCode: 137, reason: Error}}}}}}
  containerStatuses:
  - {{name: sleep, ready: false, restartCount: 0, image: x, imageID: x, state: {{terminated: {{exitCode: 0, reason: Completed}}}}}}
");
        assert_eq!(columns(&yaml), ("0/2".to_owned(), "Completed".to_owned()));
    }

    // §4.2: legacy Job pod after the app exits: proxy still running, pod not Ready.
    #[test]
    fn legacy_job_pod_is_not_ready_forever() {
        let yaml = "
metadata: {name: job}
spec:
  containers: [{name: app}, {name: sidecar-proxy}]
status:
  phase: Running
  conditions: [{type: Ready, status: 'False'}]
  containerStatuses:
  - {name: app, ready: false, restartCount: 0, image: x, imageID: x, state: {terminated: {exitCode: 0, reason: Completed}}}
  - {name: sidecar-proxy, ready: true, restartCount: 0, image: x, imageID: x, state: {running: {}}}
";
        assert_eq!(columns(yaml), ("1/2".to_owned(), "NotReady".to_owned()));
    }

    // §2: gate off, restartPolicy dropped: the sidecar is a plain init container that never exits.
    #[test]
    fn dropped_restart_policy_blocks_in_init() {
        let yaml = "
metadata: {name: p}
spec:
  initContainers: [{name: sidecar-proxy}, {name: fetch}]
  containers: [{name: app}]
status:
  phase: Pending
  initContainerStatuses:
  - {name: sidecar-proxy, ready: false, restartCount: 0, image: x, imageID: x, state: {running: {}}}
  - {name: fetch, ready: false, restartCount: 0, image: x, imageID: x, state: {waiting: {reason: PodInitializing}}}
  containerStatuses:
  - {name: app, ready: false, restartCount: 0, image: x, imageID: x, state: {waiting: {reason: PodInitializing}}}
";
        assert_eq!(columns(yaml), ("0/1".to_owned(), "Init:0/2".to_owned()));
    }

    #[test]
    fn started_unready_sidecar_is_counted_done_for_the_init_index() {
        let yaml = "
metadata: {name: p}
spec:
  initContainers: [{name: proxy, restartPolicy: Always}, {name: fetch}]
  containers: [{name: app}]
status:
  phase: Pending
  initContainerStatuses:
  - {name: proxy, started: true, ready: false, restartCount: 0, image: x, imageID: x, state: {running: {}}}
  - {name: fetch, ready: false, restartCount: 0, image: x, imageID: x, state: {running: {}}}
";
        assert_eq!(columns(yaml), ("0/2".to_owned(), "Init:1/2".to_owned()));
    }

    #[test]
    fn crash_looping_sidecar_and_pod_initializing_counts_as_not_done() {
        let crash = "
metadata: {name: p}
spec:
  initContainers: [{name: proxy, restartPolicy: Always}]
  containers: [{name: app}]
status:
  phase: Pending
  initContainerStatuses:
  - {name: proxy, started: false, ready: false, restartCount: 4, image: x, imageID: x,
     state: {waiting: {reason: CrashLoopBackOff}},
     lastState: {terminated: {exitCode: 1, finishedAt: '2024-12-31T23:58:00Z'}}}
";
        let c = pod_columns(&pod(crash), PrinterRules::newest());
        assert_eq!(
            (c.ready.as_str(), c.status.as_str()),
            ("0/2", "Init:CrashLoopBackOff")
        );
        let now = Timestamp::from_second(1_735_689_600).expect("2025-01-01T00:00:00Z");
        assert_eq!(c.restarts_at(now), "4 (2m ago)");

        // Upstream sends PodInitializing to Init:<i>/<N> on every version (a live 1.32 API
        // server prints Init:0/1 there); a real ContainerCreating keeps its name.
        let initializing = crash.replace("CrashLoopBackOff", "PodInitializing");
        for m in 28..=37 {
            assert_eq!(columns_on(&initializing, minor(m)).1, "Init:0/1", "1.{m}");
        }
        let creating = crash.replace("CrashLoopBackOff", "ContainerCreating");
        assert_eq!(columns(&creating).1, "Init:ContainerCreating");
    }

    #[test]
    fn ordinary_init_restarts_drop_out_after_initialization_and_sidecar_restarts_stay() {
        let yaml = "
metadata: {name: p}
spec:
  initContainers: [{name: migrate}, {name: proxy, restartPolicy: Always}]
  containers: [{name: app}]
status:
  phase: Running
  conditions: [{type: Initialized, status: 'True'}, {type: Ready, status: 'True'}]
  initContainerStatuses:
  - {name: migrate, ready: true, restartCount: 3, image: x, imageID: x, state: {terminated: {exitCode: 0}}}
  - {name: proxy, started: true, ready: true, restartCount: 2, image: x, imageID: x, state: {running: {}}}
  containerStatuses:
  - {name: app, ready: true, restartCount: 1, image: x, imageID: x, state: {running: {}}}
";
        let c = pod_columns(&pod(yaml), PrinterRules::newest());
        assert_eq!(
            (c.ready.as_str(), c.status.as_str(), c.restarts),
            ("2/2", "Running", 3)
        );
    }

    #[test]
    fn terminating_unless_terminal() {
        let running = "
metadata: {name: p, deletionTimestamp: '2025-01-01T00:00:00Z'}
spec: {containers: [{name: app}]}
status: {phase: Running}
";
        assert_eq!(columns(running).1, "Terminating");
        let succeeded = running.replace("Running", "Succeeded");
        assert_eq!(columns_on(&succeeded, minor(31)).1, "Succeeded");
        // Before 1.31 the deletion step did not look at the phase.
        assert_eq!(columns_on(&succeeded, minor(30)).1, "Terminating");
    }

    #[test]
    fn completed_with_a_failed_container_is_an_error_from_1_35() {
        // Two app containers, the first completed, the second exited 1 (read last to first, the
        // first has the final say): newer printers show the error instead of Completed.
        let yaml = "
metadata: {name: p}
spec: {containers: [{name: app}, {name: other}]}
status:
  phase: Failed
  conditions: [{type: Initialized, status: 'True'}]
  containerStatuses:
  - {name: app, ready: false, restartCount: 0, image: x, imageID: x, state: {terminated: {exitCode: 0, reason: Completed}}}
  - {name: other, ready: false, restartCount: 0, image: x, imageID: x, state: {terminated: {exitCode: 1, reason: Error}}}
";
        assert_eq!(columns_on(yaml, minor(34)).1, "Completed");
        assert_eq!(columns_on(yaml, minor(35)).1, "Error");
    }

    #[test]
    fn human_durations_follow_apimachinery() {
        for (secs, text) in [
            (-2, "<invalid>"),
            (-1, "0s"),
            (10, "10s"),
            (119, "119s"),
            (120, "2m"),
            (150, "2m30s"),
            (600, "10m"),
            (3 * 3600 + 60, "3h1m"),
            (8 * 3600, "8h"),
            (47 * 3600, "47h"),
            (5 * 86400, "5d"),
            (5 * 86400 + 3600, "5d1h"),
            (400 * 86400, "400d"),
            (3 * 365 * 86400 + 86400, "3y1d"),
            (9 * 365 * 86400, "9y"),
        ] {
            assert_eq!(
                human_duration(SignedDuration::from_secs(secs)),
                text,
                "{secs}s"
            );
        }
    }
}
