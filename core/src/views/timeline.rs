//! A container timeline: each container's state changes across a pod's snapshots, in watch order,
//! with the kubelet's own timestamps where it gives them (one-second resolution, §4.1).

use k8s_openapi::api::core::v1::ContainerStatus;

use crate::pod::is_started;
use crate::recording::PodSnapshot;

/// One observed change of one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    /// Snapshot `seq` that first showed it.
    pub seq: u64,
    /// Pod name.
    pub pod: String,
    /// Container name, with `init:` in front for init containers (sidecars included).
    pub container: String,
    /// `waiting(Reason)`, `running`, `running+started`, `running+ready`, `terminated(code, Reason)`.
    pub state: String,
    /// The kubelet's timestamp for the state, if any.
    pub at: Option<String>,
}

fn describe(status: &ContainerStatus) -> (String, Option<String>) {
    let Some(state) = status.state.as_ref() else {
        return ("unknown".to_owned(), None);
    };
    if let Some(t) = &state.terminated {
        let reason = t.reason.as_deref().unwrap_or("");
        let at = t.finished_at.as_ref().map(|t| t.0.to_string());
        return (format!("terminated({}, {reason})", t.exit_code), at);
    }
    if let Some(r) = &state.running {
        let word = match (is_started(status), status.ready) {
            (_, true) => "running+ready",
            (true, false) => "running+started",
            (false, false) => "running",
        };
        return (
            word.to_owned(),
            r.started_at.as_ref().map(|t| t.0.to_string()),
        );
    }
    if let Some(w) = &state.waiting {
        return (
            format!("waiting({})", w.reason.as_deref().unwrap_or("")),
            None,
        );
    }
    ("unknown".to_owned(), None)
}

/// Every state change, in watch order.
pub fn container_timeline(snapshots: &[&PodSnapshot]) -> Vec<TimelineEntry> {
    let mut ordered = snapshots.to_vec();
    ordered.sort_by_key(|s| s.seq);
    let mut last: Vec<(String, String, String)> = Vec::new();
    let mut entries = Vec::new();
    for snapshot in ordered {
        let pod = snapshot.pod.metadata.name.clone().unwrap_or_default();
        let Some(status) = snapshot.pod.status.as_ref() else {
            continue;
        };
        let init = status
            .init_container_statuses
            .iter()
            .flatten()
            .map(|c| (format!("init:{}", c.name), c));
        let regular = status
            .container_statuses
            .iter()
            .flatten()
            .map(|c| (c.name.clone(), c));
        for (container, c) in init.chain(regular) {
            let (state, at) = describe(c);
            let key = (pod.clone(), container.clone());
            match last.iter_mut().find(|(p, n, _)| (p, n) == (&key.0, &key.1)) {
                Some((_, _, previous)) if *previous == state => continue,
                Some((_, _, previous)) => *previous = state.clone(),
                None => last.push((key.0.clone(), key.1.clone(), state.clone())),
            }
            entries.push(TimelineEntry {
                seq: snapshot.seq,
                pod: pod.clone(),
                container,
                state,
                at,
            });
        }
    }
    entries
}

/// The timeline as lines: `seq 3  job-abc  init:sidecar-proxy  running+started  (2025-…)`.
pub fn render_timeline(entries: &[TimelineEntry]) -> Vec<String> {
    entries
        .iter()
        .map(|e| {
            let at =
                e.at.as_deref()
                    .map(|a| format!("  ({a})"))
                    .unwrap_or_default();
            format!("seq {}  {}  {}  {}{at}", e.seq, e.pod, e.container, e.state)
        })
        .collect()
}
