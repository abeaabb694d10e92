//! `unready-during-shutdown`: after the recorder deleted the pod and the app stopped serving, the
//! sidecar's readiness probe still ran and failed: the sidecar is seen unready, still running,
//! within the check's bound of the delete. Its known bug (kubernetes#140881) cancels the probe
//! workers' context when the pod starts terminating, so the sidecar stays ready until the app
//! exits; each tick's probe error is a Warning `Unhealthy` event saying `context canceled`.
//! By the recorder's own clock: when it sent the delete, when the watch saw each status.

use super::context::{Context, Observed, Shown, describe_snapshot};
use crate::pod::{any_app_terminated, container_status, is_ready};
use crate::recording::{EventRecord, PodSnapshot};

/// What the kubelet's event says when an exec probe ran on a cancelled context.
const CANCELED: &str = "context canceled";

pub(super) fn observe(ctx: &Context<'_>, sidecar: &str, seconds: u32) -> Observed {
    let actions = &ctx.recorded.actions;
    let Some(deleted) = actions.iter().find(|a| a.action == "delete") else {
        return (
            Shown::Unclear,
            vec![format!(
                "the recording has no deletion (actions: {})",
                actions
                    .iter()
                    .map(|a| a.action.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )],
        );
    };
    let sidecar_ready =
        |s: &PodSnapshot| container_status(&s.pod, sidecar).is_some_and(|c| c.ready);
    let sidecar_running = |s: &PodSnapshot| {
        container_status(&s.pod, sidecar)
            .and_then(|c| c.state.as_ref())
            .is_some_and(|st| st.running.is_some())
    };
    let since_delete = |s: &PodSnapshot| s.observed_at.0.duration_since(deleted.at.0).as_secs_f64();
    let describe = |s: &PodSnapshot| {
        format!(
            "{} (pod Ready={})",
            describe_snapshot(s, ctx.printer),
            if is_ready(&s.pod) { "True" } else { "False" }
        )
    };
    let before = ctx.snapshots.iter().rev().find(|s| s.seq < deleted.seq);
    let Some(before) = before.filter(|s| sidecar_ready(s)) else {
        return (
            Shown::Unclear,
            vec![format!(
                "{sidecar} was not ready when the pod was deleted: nothing to drop; last before: {}",
                before.map_or("none".to_owned(), |s| describe(s))
            )],
        );
    };
    let mut evidence = vec![format!(
        "pod {} deleted at {} with {sidecar} ready: {}",
        deleted.pod,
        deleted.at.0,
        describe(before)
    )];
    let after: Vec<&PodSnapshot> = ctx
        .snapshots
        .iter()
        .copied()
        .filter(|s| s.seq > deleted.seq)
        .collect();
    let exited = after
        .iter()
        .find(|s| any_app_terminated(&s.pod, &ctx.roles));
    let dropped = after
        .iter()
        .find(|s| !sidecar_ready(s) && sidecar_running(s))
        .filter(|d| exited.is_none_or(|x| d.seq < x.seq));
    let events = &ctx.recorded.events;
    let canceled = events
        .iter()
        .find(|e| e.seq > deleted.seq && e.reason == "Unhealthy" && e.message.contains(CANCELED));
    let canceled_times = times_after(events, deleted.seq, |m| m.contains(CANCELED));
    let failed_probes = times_after(events, deleted.seq, |m| {
        m.starts_with("Readiness probe failed")
    });
    if let Some(dropped) = dropped {
        let took = since_delete(dropped);
        evidence.push(format!(
            "{sidecar} unready, still running, {took:.1}s after the delete: {}",
            describe(dropped)
        ));
        evidence.push(format!(
            "Unhealthy events after the delete: {failed_probes} readiness probe failure(s), \
             {canceled_times} saying {CANCELED}"
        ));
        if took <= f64::from(seconds) {
            return (Shown::Healthy, evidence);
        }
        evidence.push(format!(
            "later than {seconds}s: a slow node, or a probe that stopped for a while"
        ));
        return (Shown::Unclear, evidence);
    }
    let Some(exited) = exited else {
        evidence.push(format!(
            "neither an unready {sidecar} nor the app's exit was seen after the delete ({} \
             snapshot(s) after it)",
            after.len()
        ));
        return (Shown::Unclear, evidence);
    };
    let held = since_delete(exited);
    evidence.push(format!(
        "{sidecar} never seen unready from the delete until the app exited {held:.1}s later: {}",
        describe(exited)
    ));
    match canceled {
        Some(first) => evidence.push(format!(
            "{canceled_times} Unhealthy event(s) after the delete saying {CANCELED}; first \
             ({}): {}",
            first.object, first.message
        )),
        None => evidence.push(format!(
            "no Unhealthy event after the delete says {CANCELED}"
        )),
    }
    if held > f64::from(seconds) {
        (Shown::Buggy, evidence)
    } else {
        evidence.push(format!(
            "the app exited within {seconds}s: too soon to tell"
        ));
        (Shown::Unclear, evidence)
    }
}

/// How many times an `Unhealthy` event whose message `matches` happened after `seq`: the kubelet
/// aggregates a repeated event into one whose `count` grows, and the recorder keeps each update,
/// so each distinct event counts its highest `count` after `seq` less its highest before.
fn times_after(events: &[EventRecord], seq: u64, matches: impl Fn(&str) -> bool) -> i32 {
    // (object, message, highest count before `seq`, highest count after it)
    let mut seen: Vec<(&str, &str, i32, i32)> = Vec::new();
    for e in events
        .iter()
        .filter(|e| e.reason == "Unhealthy" && matches(&e.message))
    {
        let index = match seen
            .iter()
            .position(|(object, message, ..)| *object == e.object && *message == e.message)
        {
            Some(index) => index,
            None => {
                seen.push((&e.object, &e.message, 0, 0));
                seen.len() - 1
            }
        };
        let entry = &mut seen[index];
        if e.seq > seq {
            entry.3 = entry.3.max(e.count.max(1));
        } else {
            entry.2 = entry.2.max(e.count.max(1));
        }
    }
    seen.iter()
        .map(|(_, _, before, after)| (after - before).max(0))
        .sum()
}
