//! `host-port-honoured`: of two pods whose sidecars want the same host port, one runs and the
//! other is refused (the scheduler leaves it `Unschedulable`, or the kubelet rejects it with
//! reason `NodePorts`) and stays refused for the check's hold. Its known bug (kubernetes#132040)
//! is both pods running on one node.

use std::collections::BTreeMap;

use super::context::{Context, Observed, Shown, describe_snapshot};
use crate::pod::{failure_reason, is_running, is_unschedulable, node_name};
use crate::recording::PodSnapshot;

/// The first snapshot that shows the pod running.
fn first_running<'a>(seen: &[&'a PodSnapshot]) -> Option<&'a PodSnapshot> {
    seen.iter().copied().find(|s| is_running(&s.pod))
}

pub(super) fn observe(ctx: &Context<'_>, hold_seconds: u32) -> Observed {
    let mut by_pod: BTreeMap<&str, Vec<&PodSnapshot>> = BTreeMap::new();
    for snapshot in &ctx.snapshots {
        let name = snapshot.pod.metadata.name.as_deref().unwrap_or("?");
        by_pod.entry(name).or_default().push(snapshot);
    }
    let mut evidence: Vec<String> = by_pod
        .values()
        .filter_map(|seen| seen.last())
        .map(|last| format!("last: {}", describe_snapshot(last, ctx.printer)))
        .collect();
    if by_pod.len() != 2 {
        evidence.insert(0, format!("expected two pods, recorded {}", by_pod.len()));
        evidence.extend(ctx.apply_error_lines());
        return (Shown::Unclear, evidence);
    }
    let ran: Vec<(&str, &PodSnapshot)> = by_pod
        .iter()
        .filter_map(|(name, seen)| first_running(seen).map(|s| (*name, s)))
        .collect();
    if let [(a, seen_a), (b, seen_b)] = ran.as_slice() {
        let (node_a, node_b) = (node_name(&seen_a.pod), node_name(&seen_b.pod));
        evidence.push(format!(
            "both ran: {a} on {} ({}), {b} on {} ({})",
            node_a.unwrap_or("?"),
            describe_snapshot(seen_a, ctx.printer),
            node_b.unwrap_or("?"),
            describe_snapshot(seen_b, ctx.printer)
        ));
        if node_a.is_some() && node_a == node_b {
            evidence.push("one node gave host port 18080 to both".to_owned());
            return (Shown::Buggy, evidence);
        }
        evidence.push("they ran on different nodes: no conflict to judge".to_owned());
        return (Shown::Unclear, evidence);
    }
    let [(runner, running)] = ran.as_slice() else {
        evidence.insert(0, "neither pod ran".to_owned());
        return (Shown::Unclear, evidence);
    };
    let Some((left_out, seen)) = by_pod.iter().find(|(name, _)| *name != runner) else {
        return (Shown::Unclear, evidence);
    };
    let refusal = seen
        .iter()
        .find(|s| is_unschedulable(&s.pod) || failure_reason(&s.pod) == Some("NodePorts"));
    let Some(refusal) = refusal else {
        evidence.insert(
            0,
            format!("{runner} runs; {left_out} was neither refused nor run"),
        );
        return (Shown::Unclear, evidence);
    };
    evidence.push(format!(
        "{left_out} refused: {}",
        describe_snapshot(refusal, ctx.printer)
    ));
    evidence.extend(
        ctx.recorded
            .events
            .iter()
            .filter(|e| {
                e.object.ends_with(&format!("/{left_out}"))
                    && matches!(e.reason.as_str(), "FailedScheduling" | "NodePorts")
            })
            .take(1)
            .map(|e| format!("event {}: {}", e.reason, e.message)),
    );
    let last_seen = seen.last().map_or(refusal, |s| s);
    let from = running.observed_at.0.max(refusal.observed_at.0);
    let held = last_seen.observed_at.0.duration_since(from).as_secs();
    if held < i64::from(hold_seconds) {
        evidence.push(format!(
            "watched only {held}s after the refusal; need {hold_seconds}s"
        ));
        return (Shown::Unclear, evidence);
    }
    evidence.push(format!("{left_out} still out {held}s after {runner} ran"));
    (Shown::Healthy, evidence)
}
