//! `app-starts`: the app of every one of the scenario's pods has run. Its known bug
//! (kubernetes#132826) leaves an app waiting for ever once its sidecar failed before its startup
//! probe ran: the symptom is a pod whose sidecar was restarted and runs again while its app never
//! runs. The probe worker must tick while the sidecar is terminated, and no kubelet restart may come
//! between (a new kubelet makes new workers); so
//! the workload is several pods: the bug shows if any of them is stuck, and the healthy verdict
//! needs every app to have run.

use super::context::{Context, Observed, Shown, describe_snapshot};
use crate::pod::{any_app_has_run, sidecar_restarted_and_running};
use crate::recording::PodSnapshot;

/// How long after its sidecar ran again a pod's app must have had to start, for "never" to count.
const PATIENCE_SECONDS: i64 = 15;

/// What one pod showed.
enum PodShown<'a> {
    /// Its app ran.
    Ran(&'a PodSnapshot),
    /// Its sidecar ran again this many seconds before the last look, and its app never ran.
    Stuck(&'a PodSnapshot, i64),
    /// Neither (no restarted sidecar seen, or not watched long enough).
    Unclear(&'a PodSnapshot),
}

pub(super) fn observe(ctx: &Context<'_>) -> Observed {
    if ctx.snapshots.is_empty() {
        let (_, evidence) = ctx.no_pod();
        return (Shown::Unclear, evidence);
    }
    let last = ctx.snapshots.last().map(|s| s.observed_at.0);
    let mut pods: Vec<&str> = Vec::new();
    for s in &ctx.snapshots {
        let name = s.pod.metadata.name.as_deref().unwrap_or("?");
        if !pods.contains(&name) {
            pods.push(name);
        }
    }
    let shown: Vec<PodShown<'_>> = pods
        .iter()
        .map(|&name| {
            let own: Vec<&PodSnapshot> = ctx
                .snapshots
                .iter()
                .copied()
                .filter(|s| s.pod.metadata.name.as_deref() == Some(name))
                .collect();
            if let Some(ran) = own.iter().find(|s| any_app_has_run(&s.pod, &ctx.roles)) {
                return PodShown::Ran(ran);
            }
            let newest = own[own.len() - 1];
            match own.iter().find(|s| sidecar_restarted_and_running(&s.pod)) {
                Some(back) => {
                    let waited = last.map_or(0, |l| l.duration_since(back.observed_at.0).as_secs());
                    if waited >= PATIENCE_SECONDS {
                        PodShown::Stuck(back, waited)
                    } else {
                        PodShown::Unclear(newest)
                    }
                }
                None => PodShown::Unclear(newest),
            }
        })
        .collect();
    let evidence: Vec<String> = shown
        .iter()
        .map(|p| match p {
            PodShown::Ran(s) => format!("app has run: {}", describe_snapshot(s, ctx.printer)),
            PodShown::Stuck(s, waited) => format!(
                "sidecar ran again {waited}s before the last look and the app never ran: {}",
                describe_snapshot(s, ctx.printer)
            ),
            PodShown::Unclear(s) => format!(
                "neither started nor stuck for {PATIENCE_SECONDS}s: {}",
                describe_snapshot(s, ctx.printer)
            ),
        })
        .collect();
    let status = if shown.iter().any(|p| matches!(p, PodShown::Stuck(..))) {
        Shown::Buggy
    } else if shown.iter().all(|p| matches!(p, PodShown::Ran(_))) {
        Shown::Healthy
    } else {
        Shown::Unclear
    };
    (status, evidence)
}
