//! The drawable timeline of one scenario in one cell: a lane per container of each pod (init
//! containers, sidecars, app containers, in spec order; the proxy marked), spans for each state,
//! and the pod's own row (phase, creation, deletion, how it ended). Times are seconds from the
//! first pod's creation. Marks from events and logs are added by [`super::lane_marks`]; the SVG
//! is drawn by [`super::timeline_svg`].
//!
//! Which clock: the kubelet's timestamps (`startedAt`, `finishedAt`) where the status gives
//! them, since they say when a container ran even when no snapshot caught it running (a Job's
//! app can start and exit between two watch events); otherwise the time the recorder saw the
//! snapshot. Kubelet timestamps have one-second resolution (sidecar-semantics.md §4.1), so a
//! span never starts before the one it follows on the same lane.

use k8s_openapi::api::core::v1::{Container, ContainerStatus, Pod};
use k8s_openapi::jiff::Timestamp;

use crate::pod::is_started;
use crate::recording::{PodSnapshot, ScenarioRecording};

/// What a lane is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaneKind {
    /// An init container that runs to completion.
    Init,
    /// A restartable init container (`restartPolicy: Always`): a native sidecar.
    Sidecar,
    /// A regular container (the legacy proxy too).
    App,
}

impl LaneKind {
    /// `init`, `sidecar` or `app`: the word on the page and in `data-kind`.
    pub fn word(self) -> &'static str {
        match self {
            LaneKind::Init => "init",
            LaneKind::Sidecar => "sidecar",
            LaneKind::App => "app",
        }
    }
}

/// The state a span shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpanState {
    /// Waiting, with the kubelet's reason (`PodInitializing`, `CrashLoopBackOff`, …).
    Waiting(String),
    /// Running, startup probe not passed yet, not ready.
    Running,
    /// Running and started (startup probe passed), not ready.
    Started,
    /// Running and ready.
    Ready,
    /// Terminated with this exit code and reason.
    Terminated(i32, String),
}

impl SpanState {
    /// The class on the page and in `data-state`: `waiting`, `running`, `started`, `ready`,
    /// `exited` (code 0) or `failed`.
    pub fn class(&self) -> &'static str {
        match self {
            SpanState::Waiting(_) => "waiting",
            SpanState::Running => "running",
            SpanState::Started => "started",
            SpanState::Ready => "ready",
            SpanState::Terminated(0, _) => "exited",
            SpanState::Terminated(..) => "failed",
        }
    }

    /// Whether the container's process is up.
    pub fn is_running(&self) -> bool {
        matches!(
            self,
            SpanState::Running | SpanState::Started | SpanState::Ready
        )
    }

    /// The text drawn in the span: `waiting: PodInitializing`, `ready`, `exit 0 Completed`.
    pub fn label(&self) -> String {
        match self {
            SpanState::Waiting(reason) if reason.is_empty() => "waiting".to_owned(),
            SpanState::Waiting(reason) => format!("waiting: {reason}"),
            SpanState::Running => "running".to_owned(),
            SpanState::Started => "started".to_owned(),
            SpanState::Ready => "ready".to_owned(),
            SpanState::Terminated(code, reason) => {
                format!("exit {code} {reason}").trim_end().to_owned()
            }
        }
    }
}

/// One state of one container instance, from `from` to `to` seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// Start, seconds.
    pub from: f64,
    /// End, seconds (the recording's end when the state lasted).
    pub to: f64,
    /// The state.
    pub state: SpanState,
    /// The container's restart count during the span (0 for the first instance).
    pub instance: i32,
    /// Whether no snapshot showed this state: it is reconstructed from the kubelet's timestamps
    /// of a later state (a container that ran and exited between two watch events).
    pub inferred: bool,
}

/// What a mark on a lane or pod row stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkKind {
    /// A Kubernetes event (`Scheduled`, `Pulled`, …); `warning` for type `Warning`.
    Event {
        /// Type `Warning`.
        warning: bool,
    },
    /// The kubelet stopping the container (`Killing` event) or the process saying it got SIGTERM.
    Sigterm,
    /// The container's process exited.
    Exit,
    /// The container restarted.
    Restart,
    /// An access-log line of the proxy.
    AccessLog,
    /// A request step the workload printed: `ok` when curl got a 200.
    Request {
        /// curl exited 0 with HTTP 200.
        ok: bool,
    },
    /// Another step the workload printed (`app-started`, `app-exit`).
    Step,
    /// The harness could not read this container's log (or not to its end): what the lane
    /// lacks (requests, SIGTERM lines) is unknown, not absent.
    Unread,
}

impl MarkKind {
    /// The class on the page.
    pub fn class(self) -> &'static str {
        match self {
            MarkKind::Event { warning: false } => "event",
            MarkKind::Event { warning: true } => "event warning",
            MarkKind::Sigterm => "sigterm",
            MarkKind::Exit => "exit",
            MarkKind::Restart => "restart",
            MarkKind::AccessLog => "access-log",
            MarkKind::Request { ok: true } => "request ok",
            MarkKind::Request { ok: false } => "request failed",
            MarkKind::Step => "step",
            MarkKind::Unread => "unread",
        }
    }
}

/// A moment on a lane or pod row.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// When, seconds.
    pub at: f64,
    /// What.
    pub kind: MarkKind,
    /// The short text drawn beside it (`SIGTERM`, `Scheduled`, `GET 200`).
    pub label: String,
    /// The whole story, for the tooltip (`<title>`).
    pub detail: String,
    /// Whether `at` is only an order, not a time: events carry no time in a recording and log
    /// lines without a timestamp are placed by their order within the container's run.
    pub approximate: bool,
}

/// One container of one pod.
#[derive(Debug, Clone, PartialEq)]
pub struct Lane {
    /// Container name.
    pub container: String,
    /// Init, sidecar or app.
    pub kind: LaneKind,
    /// Whether it is the injected proxy.
    pub proxy: bool,
    /// Its image (events name images, not containers).
    pub image: String,
    /// States in time order.
    pub spans: Vec<Span>,
    /// Moments on it.
    pub marks: Vec<Mark>,
}

impl Lane {
    /// When its first instance started running, if it ever did.
    pub fn first_running(&self) -> Option<f64> {
        self.spans
            .iter()
            .find(|s| s.state.is_running())
            .map(|s| s.from)
    }
}

/// How a pod's story ends in the recording.
#[derive(Debug, Clone, PartialEq)]
pub enum PodEnd {
    /// It reached `Succeeded` or `Failed` at `at`.
    Finished {
        /// When the recorder first saw the phase.
        at: f64,
        /// The phase.
        phase: String,
    },
    /// The recording stopped while it was still in `phase`.
    Lingering {
        /// `Running` or `Pending`.
        phase: String,
    },
}

/// A pod and its containers.
#[derive(Debug, Clone, PartialEq)]
pub struct PodLanes {
    /// Pod name.
    pub name: String,
    /// Its creation, seconds (0 for the first pod).
    pub created: f64,
    /// Its phases in time order (`Pending`, `Running`, …) as spans of the pod row.
    pub phases: Vec<(f64, f64, String)>,
    /// When the recorder first saw a deletion timestamp on it.
    pub deleted: Option<f64>,
    /// How it ended.
    pub end: PodEnd,
    /// One lane per container, in spec order: init containers, then containers.
    pub lanes: Vec<Lane>,
    /// Pod-level moments (`Scheduled`, probe failures).
    pub marks: Vec<Mark>,
}

/// One scenario in one cell.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioLanes {
    /// The first pod's creation: time zero.
    pub zero: Option<Timestamp>,
    /// The last snapshot's arrival, seconds: where lasting states are drawn to.
    pub end: f64,
    /// The scenario's pods, by creation.
    pub pods: Vec<PodLanes>,
    /// Events about the scenario's controllers (Job, ReplicaSet, Deployment), such as
    /// `FailedCreate` when no pod could be made.
    pub controller_events: Vec<Mark>,
}

/// Seconds from `zero` to `t`.
pub(super) fn seconds(zero: Timestamp, t: Timestamp) -> f64 {
    t.duration_since(zero).as_secs_f64()
}

/// Builds the lanes of a scenario; `proxy` is the injected proxy's container name.
pub fn scenario_lanes(recorded: &ScenarioRecording, proxy: &str) -> ScenarioLanes {
    let snapshots = recorded.scenario_snapshots();
    let mut names: Vec<&str> = Vec::new();
    for s in &snapshots {
        let name = s.pod.metadata.name.as_deref().unwrap_or("");
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let created = |s: &PodSnapshot| {
        s.pod
            .metadata
            .creation_timestamp
            .as_ref()
            .map_or(s.observed_at.0, |t| t.0)
    };
    let zero = snapshots.iter().map(|s| created(s)).min();
    let Some(zero) = zero else {
        return ScenarioLanes {
            zero: None,
            end: 0.0,
            pods: Vec::new(),
            controller_events: Vec::new(),
        };
    };
    let end = snapshots
        .iter()
        .map(|s| seconds(zero, s.observed_at.0))
        .fold(0.0, f64::max);
    let mut pods: Vec<PodLanes> = names
        .iter()
        .map(|name| {
            let own: Vec<&PodSnapshot> = snapshots
                .iter()
                .copied()
                .filter(|s| s.pod.metadata.name.as_deref() == Some(*name))
                .collect();
            pod_lanes(&own, zero, end, proxy)
        })
        .collect();
    pods.sort_by(|a, b| a.created.total_cmp(&b.created));
    ScenarioLanes {
        zero: Some(zero),
        end,
        pods,
        controller_events: Vec::new(),
    }
}

/// Lanes of one pod from its snapshots (in watch order).
fn pod_lanes(own: &[&PodSnapshot], zero: Timestamp, end: f64, proxy: &str) -> PodLanes {
    let first = own[0];
    let name = first.pod.metadata.name.clone().unwrap_or_default();
    let created = first
        .pod
        .metadata
        .creation_timestamp
        .as_ref()
        .map_or(0.0, |t| seconds(zero, t.0));
    let mut lanes = spec_lanes(&first.pod, proxy);
    let mut trackers: Vec<Tracker> = lanes.iter().map(|_| Tracker::default()).collect();
    let mut phases: Vec<(f64, f64, String)> = Vec::new();
    let mut deleted = None;
    for snapshot in own {
        let seen = seconds(zero, snapshot.observed_at.0);
        if deleted.is_none() && snapshot.pod.metadata.deletion_timestamp.is_some() {
            deleted = Some(seen);
        }
        let Some(status) = snapshot.pod.status.as_ref() else {
            continue;
        };
        let phase = status.phase.clone().unwrap_or_else(|| "Unknown".to_owned());
        match phases.last_mut() {
            Some((_, _, last)) if *last == phase => {}
            Some((_, to, _)) => {
                *to = seen;
                phases.push((seen, end, phase));
            }
            None => phases.push((created, end, phase)),
        }
        let statuses = status
            .init_container_statuses
            .iter()
            .flatten()
            .chain(status.container_statuses.iter().flatten());
        for cs in statuses {
            if let Some(i) = lanes.iter().position(|l| l.container == cs.name) {
                trackers[i].observe(cs, zero, seen, &mut lanes[i].marks);
            }
        }
    }
    for (lane, tracker) in lanes.iter_mut().zip(trackers) {
        lane.spans = tracker.finish(end);
    }
    let end_state = match phases.last() {
        Some((_, _, phase)) if phase == "Succeeded" || phase == "Failed" => PodEnd::Finished {
            at: phases.last().map_or(end, |p| p.0),
            phase: phase.clone(),
        },
        Some((_, _, phase)) => PodEnd::Lingering {
            phase: phase.clone(),
        },
        None => PodEnd::Lingering {
            phase: "Pending".to_owned(),
        },
    };
    if let PodEnd::Finished { at, .. } = end_state
        && let Some(last) = phases.last_mut()
    {
        last.1 = at;
    }
    PodLanes {
        name,
        created,
        phases,
        deleted,
        end: end_state,
        lanes,
        marks: Vec::new(),
    }
}

/// One empty lane per container of the pod's spec, in spec order.
fn spec_lanes(pod: &Pod, proxy: &str) -> Vec<Lane> {
    let Some(spec) = pod.spec.as_ref() else {
        return Vec::new();
    };
    let lane = |c: &Container, kind| Lane {
        container: c.name.clone(),
        kind,
        proxy: c.name == proxy,
        image: c.image.clone().unwrap_or_default(),
        spans: Vec::new(),
        marks: Vec::new(),
    };
    let init = spec.init_containers.iter().flatten().map(|c| {
        let kind = if c.restart_policy.as_deref() == Some("Always") {
            LaneKind::Sidecar
        } else {
            LaneKind::Init
        };
        lane(c, kind)
    });
    let app = spec
        .containers
        .iter()
        .map(|c| lane(c, LaneKind::App))
        .collect::<Vec<_>>();
    init.chain(app).collect()
}

/// Turns one container's observed statuses into spans.
#[derive(Default)]
struct Tracker {
    spans: Vec<Span>,
    restarts: i32,
}

impl Tracker {
    /// The state `cs` shows, seen at `seen` seconds.
    fn observe(&mut self, cs: &ContainerStatus, zero: Timestamp, seen: f64, marks: &mut Vec<Mark>) {
        let at = |t: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time| seconds(zero, t.0);
        if cs.restart_count > self.restarts {
            // The previous instance ended; its exit is in lastState when the kubelet kept it.
            let last = cs.last_state.as_ref().and_then(|s| s.terminated.as_ref());
            if let Some(t) = last {
                let finished = t.finished_at.as_ref().map_or(seen, at);
                let state =
                    SpanState::Terminated(t.exit_code, t.reason.clone().unwrap_or_default());
                if let Some(drawn) = self.push(finished, state, self.restarts, false) {
                    marks.push(exit_mark(&cs.name, drawn, t.exit_code));
                }
            }
            self.restarts = cs.restart_count;
            marks.push(Mark {
                at: seen,
                kind: MarkKind::Restart,
                label: format!("restart {}", cs.restart_count),
                detail: format!("{} restarted (restartCount {})", cs.name, cs.restart_count),
                approximate: false,
            });
        }
        let instance = cs.restart_count;
        let Some(state) = cs.state.as_ref() else {
            return;
        };
        if let Some(t) = &state.terminated {
            let started = t.started_at.as_ref().map(at);
            let finished = t.finished_at.as_ref().map_or(seen, at);
            let ran = self
                .spans
                .iter()
                .any(|s| s.instance == instance && s.state.is_running());
            if let (false, Some(started)) = (ran, started) {
                self.push(started, SpanState::Running, instance, true);
            }
            let code = SpanState::Terminated(t.exit_code, t.reason.clone().unwrap_or_default());
            if let Some(drawn) = self.push(finished, code, instance, false) {
                marks.push(exit_mark(&cs.name, drawn, t.exit_code));
            }
        } else if let Some(r) = &state.running {
            let word = match (is_started(cs), cs.ready) {
                (_, true) => SpanState::Ready,
                (true, false) => SpanState::Started,
                (false, false) => SpanState::Running,
            };
            let started = r.started_at.as_ref().map_or(seen, at);
            let ran = self
                .spans
                .iter()
                .any(|s| s.instance == instance && s.state.is_running());
            if !ran && word != SpanState::Running {
                // The kubelet's start comes before the probe results the snapshot shows.
                self.push(started, SpanState::Running, instance, true);
            }
            let from = if ran || word != SpanState::Running {
                seen
            } else {
                started
            };
            self.push(from, word, instance, false);
        } else if let Some(w) = &state.waiting {
            let reason = w.reason.clone().unwrap_or_default();
            self.push(seen, SpanState::Waiting(reason), instance, false);
        }
    }

    /// Starts a span unless the lane already shows that state; returns where it starts.
    fn push(&mut self, from: f64, state: SpanState, instance: i32, inferred: bool) -> Option<f64> {
        let mut from = from;
        if let Some(last) = self.spans.last_mut() {
            if last.state == state && last.instance == instance {
                return None;
            }
            // One-second timestamps may fall before what the watch already showed (its status
            // updates lag): never go back, so the exit is drawn where the watch learnt of it.
            from = from.max(last.from);
            last.to = from;
        }
        self.spans.push(Span {
            from,
            to: from,
            state,
            instance,
            inferred,
        });
        Some(from)
    }

    fn finish(mut self, end: f64) -> Vec<Span> {
        if let Some(last) = self.spans.last_mut() {
            last.to = end.max(last.from);
        }
        self.spans
    }
}

fn exit_mark(container: &str, at: f64, code: i32) -> Mark {
    Mark {
        at,
        kind: MarkKind::Exit,
        label: format!("exit {code}"),
        detail: format!(
            "{container} exited with code {code} (the kubelet's finishedAt, one-second resolution, \
             or when the watch first showed it if later)"
        ),
        approximate: false,
    }
}
