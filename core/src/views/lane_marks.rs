//! Moments put on the lanes of [`super::lanes`]: the scenario's events, the proxy's access-log
//! lines and its own SIGTERM line, and the steps the workloads print (`views::evidence`).
//!
//! Events carry no time in a recording, only their arrival order (`seq`) among the snapshots:
//! an event is drawn at the arrival of the last snapshot before it, and marked approximate.
//! Evidence lines carry no time either (unless the log was fetched with timestamps): they are
//! spread, in order, over the container's running time, and marked approximate. Access-log lines
//! and Envoy's own messages carry milliseconds: those are exact.

use k8s_openapi::jiff::Timestamp;

use super::access_log::parse_log;
use super::evidence::parse_evidence;
use super::lanes::{Lane, Mark, MarkKind, PodLanes, ScenarioLanes, SpanState, seconds};
use crate::recording::{EventRecord, ScenarioRecording};

/// Adds the events and log lines of `recorded` to `lanes`.
pub fn add_marks(lanes: &mut ScenarioLanes, recorded: &ScenarioRecording) {
    let scenario = recorded.scenario.name();
    let Some(zero) = lanes.zero else {
        // No pod: only the controllers' events can tell what happened; arrival order is all.
        lanes.controller_events = recorded
            .events
            .iter()
            .filter(|e| is_controller_of(e, scenario))
            .enumerate()
            .map(|(i, e)| event_mark(e, i as f64))
            .collect();
        return;
    };
    let mut arrivals: Vec<(u64, f64)> = recorded
        .snapshots
        .iter()
        .map(|s| (s.seq, seconds(zero, s.observed_at.0)))
        .collect();
    arrivals.sort_by_key(|(seq, _)| *seq);
    let placed = |seq: u64| {
        arrivals
            .iter()
            .take_while(|(s, _)| *s < seq)
            .last()
            .or(arrivals.first())
            .map_or(0.0, |(_, t)| *t)
    };
    for event in &recorded.events {
        let at = placed(event.seq);
        if let Some(pod_name) = event.object.strip_prefix("Pod/") {
            if let Some(pod) = lanes.pods.iter_mut().find(|p| p.name == pod_name) {
                add_pod_event(pod, event, at);
            }
        } else if is_controller_of(event, scenario) {
            lanes.controller_events.push(event_mark(event, at));
        }
    }
    for pod in &mut lanes.pods {
        for log in recorded.logs.iter().filter(|l| l.pod == pod.name) {
            let Some(lane) = pod.lanes.iter_mut().find(|l| l.container == log.container) else {
                continue;
            };
            if lane.proxy {
                add_proxy_lines(lane, &log.text, zero);
                prefer_the_process_sigterm(lane);
            }
            add_evidence(lane, &log.text, log.previous, zero);
            if let Some(error) = log.read_error() {
                add_unread(lane, error, log.previous);
            }
        }
        for lane in &mut pod.lanes {
            exit_after_own_lines(lane);
            lane.marks.sort_by(|a, b| a.at.total_cmp(&b.at));
        }
    }
}

/// Marks a log the harness could not read at the end of the lane's last span: the lane's
/// missing requests and SIGTERM lines are then unknown, not absent.
fn add_unread(lane: &mut Lane, error: &str, previous: bool) {
    let at = lane.spans.last().map_or(0.0, |s| s.to);
    let instance = if previous { "previous instance's " } else { "" };
    lane.marks.push(Mark {
        at,
        kind: MarkKind::Unread,
        label: "log not read".to_owned(),
        detail: format!("the harness could not read this container's {instance}log: {error}"),
        approximate: true,
    });
}

/// Whether `event` is about the scenario's own Job, ReplicaSet or Deployment (not httpbin's).
fn is_controller_of(event: &EventRecord, scenario: &str) -> bool {
    let Some((kind, name)) = event.object.split_once('/') else {
        return false;
    };
    kind != "Pod" && (name == scenario || name.starts_with(&format!("{scenario}-")))
}

fn event_mark(event: &EventRecord, at: f64) -> Mark {
    let times = if event.count > 1 {
        format!(" (×{})", event.count)
    } else {
        String::new()
    };
    Mark {
        at,
        kind: MarkKind::Event {
            warning: event.type_ == "Warning",
        },
        label: event.reason.clone(),
        detail: format!(
            "{} {} {}{times}: {} (event #{}, placed by arrival order)",
            event.type_, event.reason, event.object, event.message, event.seq
        ),
        approximate: true,
    }
}

/// A pod's event goes on the lane of the container it names (by name, or by image for
/// `Pulled`), else on the pod's row. `Killing` is the kubelet stopping a container: SIGTERM.
fn add_pod_event(pod: &mut PodLanes, event: &EventRecord, at: f64) {
    let mut mark = event_mark(event, at);
    let named = pod
        .lanes
        .iter()
        .position(|l| names_container(&event.message, l));
    let Some(i) = named else {
        pod.marks.push(mark);
        return;
    };
    if event.reason == "Killing" {
        mark.kind = MarkKind::Sigterm;
        mark.label = "SIGTERM".to_owned();
    }
    pod.lanes[i].marks.push(mark);
}

fn names_container(message: &str, lane: &Lane) -> bool {
    let name = &lane.container;
    let words: Vec<&str> = message
        .split(|c: char| c.is_whitespace() || c == '"' || c == ',')
        .collect();
    let after = |w: &str| {
        words
            .windows(2)
            .any(|pair| pair[0].trim_end_matches(':') == w && pair[1] == name)
    };
    after("container")
        || after("Container")
        || (!lane.image.is_empty() && message.contains(&format!("image \"{}\"", lane.image)))
}

/// The proxy's access-log lines (exact: Envoy prints the request's start in milliseconds) and
/// Envoy's own `caught ENVOY_SIGTERM` line.
fn add_proxy_lines(lane: &mut Lane, text: &str, zero: Timestamp) {
    for (line_no, entry) in parse_log(text) {
        let Ok(t) = entry.start_time.parse::<Timestamp>() else {
            continue;
        };
        let what = format!(
            "{} {}",
            entry.method.as_deref().unwrap_or("-"),
            entry.response_code
        );
        lane.marks.push(Mark {
            at: seconds(zero, t),
            kind: MarkKind::AccessLog,
            label: what.clone(),
            detail: format!(
                "access log line {line_no}: {what} {} {}",
                entry.authority.as_deref().unwrap_or("-"),
                entry.path.as_deref().unwrap_or("")
            ),
            approximate: false,
        });
    }
    for line in text.lines().filter(|l| l.contains("caught ENVOY_SIGTERM")) {
        if let Some(t) = envoy_time(line) {
            lane.marks.push(Mark {
                at: seconds(zero, t),
                kind: MarkKind::Sigterm,
                label: "SIGTERM".to_owned(),
                detail: format!("Envoy: {}", line.trim()),
                approximate: false,
            });
        }
    }
}

/// The kubelet's `Killing` event says it began stopping the container, and is placed only by
/// arrival; a native sidecar gets its SIGTERM later, once the app containers have exited. When the
/// process logged the signal itself, that line is the SIGTERM, and the event stays an event.
fn prefer_the_process_sigterm(lane: &mut Lane) {
    if !lane
        .marks
        .iter()
        .any(|m| m.kind == MarkKind::Sigterm && !m.approximate)
    {
        return;
    }
    for mark in lane
        .marks
        .iter_mut()
        .filter(|m| m.kind == MarkKind::Sigterm && m.approximate)
    {
        mark.kind = MarkKind::Event { warning: false };
        mark.label = "Killing".to_owned();
    }
}

/// `[2026-11-25 21:39:57.621][1][warning]…`: Envoy's own log prefix, in UTC.
fn envoy_time(line: &str) -> Option<Timestamp> {
    let inner = line.strip_prefix('[')?.split(']').next()?;
    format!("{}Z", inner.replacen(' ', "T", 1)).parse().ok()
}

/// The workload's evidence lines on the lane of the container that printed them.
fn add_evidence(lane: &mut Lane, text: &str, previous: bool, zero: Timestamp) {
    let evidence = parse_evidence(text);
    if evidence.is_empty() {
        return;
    }
    // The instance that printed them: the last, or the one before for a previous log.
    let last = lane.spans.iter().map(|s| s.instance).max().unwrap_or(0);
    let instance = if previous { last - 1 } else { last };
    let running: Vec<(f64, f64)> = lane
        .spans
        .iter()
        .filter(|s| s.instance == instance && s.state.is_running())
        .map(|s| (s.from, s.to))
        .collect();
    let (from, to) = match (running.first(), running.last()) {
        (Some(first), Some(last)) => (first.0, last.1),
        _ => return,
    };
    let n = evidence.len() as f64;
    for (i, e) in evidence.iter().enumerate() {
        let stamped = e
            .line
            .split_whitespace()
            .next()
            .and_then(|w| w.parse::<Timestamp>().ok());
        let (at, approximate) = match stamped {
            Some(t) => (seconds(zero, t), false),
            None => (from + (to - from) * (i as f64 + 1.0) / (n + 1.0), true),
        };
        let kind = if e.curl_exit.is_some() {
            MarkKind::Request {
                ok: e.request_succeeded(),
            }
        } else {
            MarkKind::Step
        };
        let label = match (&kind, &e.http_status) {
            (MarkKind::Request { .. }, Some(code)) => format!("{} {code}", e.step),
            _ => e.step.clone(),
        };
        lane.marks.push(Mark {
            at,
            kind,
            label,
            detail: format!(
                "{}{}",
                e.line.trim(),
                if approximate {
                    " (no time in the log: placed in order within the container's run)"
                } else {
                    ""
                }
            ),
            approximate,
        });
    }
}

/// A kubelet `finishedAt` is truncated to the second: a container that logged something (to the
/// millisecond) later in that same second exited after it. Moves such an exit just past the
/// container's last exact line, so the proxy is never drawn gone before its own SIGTERM line.
fn exit_after_own_lines(lane: &mut Lane) {
    for i in 0..lane.spans.len() {
        let span = &lane.spans[i];
        if !matches!(span.state, SpanState::Terminated(..)) || span.inferred {
            continue;
        }
        let from = span.from;
        let next = lane.spans.get(i + 1).map_or(f64::INFINITY, |s| s.from);
        let last_line = lane
            .marks
            .iter()
            .filter(|m| !m.approximate && matches!(m.kind, MarkKind::AccessLog | MarkKind::Sigterm))
            .map(|m| m.at)
            .filter(|at| (from..from + 1.0).contains(at))
            .fold(None, |latest: Option<f64>, at| {
                Some(latest.map_or(at, |l| l.max(at)))
            });
        let Some(last_line) = last_line else {
            continue;
        };
        let moved = (last_line + 0.05).min(next);
        if moved <= from {
            continue;
        }
        lane.spans[i].from = moved;
        if i > 0 {
            lane.spans[i - 1].to = moved;
        }
        if lane.spans[i].to < moved {
            lane.spans[i].to = moved;
        }
        for mark in lane
            .marks
            .iter_mut()
            .filter(|m| m.kind == MarkKind::Exit && m.at == from)
        {
            mark.at = moved;
        }
    }
}
