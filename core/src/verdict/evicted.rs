//! `evicted`: a pod whose sidecar wrote past its `ephemeral-storage` limit was evicted (phase
//! `Failed`, reason `Evicted`, the kubelet's message naming the limit). Where the check names a
//! pod to judge `after` (the control the pod-level check evicts everywhere), "not evicted" needs
//! that pod evicted and the check's patience passed since; the control itself is judged on its
//! first run (from when it was first seen running).

use super::context::{Context, Observed, Shown, describe_snapshot};
use crate::pod::{failure_reason, is_running};
use crate::recording::PodSnapshot;

/// The pod's eviction: the kubelet's Warning event `Evicted` about it (its message names the
/// limit) with the first snapshot after it, or a snapshot whose status says `Evicted`. Both,
/// because the status is not always left saying so: on 1.32.13 and 1.35.8 an evicted pod whose
/// containers exit 0 on SIGTERM ended `Succeeded`, with no reason, and only the event told.
fn eviction<'a>(ctx: &Context<'a>, pod: &str) -> Option<(&'a PodSnapshot, String)> {
    let seen = ctx
        .snapshots
        .iter()
        .copied()
        .filter(|s| s.pod.metadata.name.as_deref() == Some(pod));
    let event = ctx
        .recorded
        .events
        .iter()
        .find(|e| e.reason == "Evicted" && e.object == format!("Pod/{pod}"));
    if let Some(event) = event {
        let after = seen.clone().find(|s| s.seq > event.seq);
        if let Some(snapshot) = after.or_else(|| seen.clone().next_back()) {
            return Some((snapshot, format!("event Evicted: {}", event.message.trim())));
        }
    }
    seen.clone()
        .find(|s| failure_reason(&s.pod) == Some("Evicted"))
        .map(|s| {
            let message = s.pod.status.as_ref().and_then(|st| st.message.as_deref());
            (
                s,
                format!("status Evicted: {}", message.unwrap_or("").trim()),
            )
        })
}

pub(super) fn observe(
    ctx: &Context<'_>,
    pod: &str,
    after: Option<&str>,
    patience_seconds: u32,
) -> Observed {
    let of = |name: &str| -> Vec<&PodSnapshot> {
        ctx.snapshots
            .iter()
            .copied()
            .filter(|s| s.pod.metadata.name.as_deref() == Some(name))
            .collect()
    };
    let seen = of(pod);
    let Some(last) = seen.last() else {
        let mut evidence = vec![format!("pod {pod} was not recorded")];
        evidence.extend(ctx.apply_error_lines());
        return (Shown::Unclear, evidence);
    };
    if let Some((evicted, said)) = eviction(ctx, pod) {
        return (
            Shown::Healthy,
            vec![
                said,
                format!("{pod} then: {}", describe_snapshot(evicted, ctx.printer)),
            ],
        );
    }
    let from = match after {
        Some(control) => match eviction(ctx, control) {
            Some((evicted, _)) => evicted,
            None => {
                return (
                    Shown::Unclear,
                    vec![
                        format!(
                            "{control}, which the pod-level check evicts on every version, was \
                             not evicted either: this cluster did not enforce the limits, so \
                             {pod} proves nothing"
                        ),
                        format!("{pod} last: {}", describe_snapshot(last, ctx.printer)),
                    ],
                );
            }
        },
        None => match seen.iter().copied().find(|s| is_running(&s.pod)) {
            Some(running) => running,
            None => {
                return (
                    Shown::Unclear,
                    vec![format!(
                        "{pod} never ran: {}",
                        describe_snapshot(last, ctx.printer)
                    )],
                );
            }
        },
    };
    let waited = last
        .observed_at
        .0
        .duration_since(from.observed_at.0)
        .as_secs();
    let mut evidence = vec![
        format!(
            "{} at {}: {}",
            after.map_or("first seen running", |_| "the control evicted"),
            from.observed_at.0,
            describe_snapshot(from, ctx.printer)
        ),
        format!(
            "{pod} {waited}s later, not evicted: {}",
            describe_snapshot(last, ctx.printer)
        ),
    ];
    if waited < i64::from(patience_seconds) {
        evidence.push(format!("watched only {waited}s; need {patience_seconds}s"));
        return (Shown::Unclear, evidence);
    }
    evidence.push(format!("{pod} ran on over its sidecar's limit"));
    (Shown::Buggy, evidence)
}
