//! `sidecar-restarted`: a sidecar that exited while the app ran was restarted, and the status
//! says so (`restartCount` ≥ 1 with the container running again) while the app was not
//! restarted. Its known bug freezes the sidecar's status: the container runs again (its log
//! says so) but `restartCount` never moves.

use super::context::{Context, Observed, Shown, describe_snapshot};
use crate::pod::{app_statuses, container_status};

pub(super) fn observe(ctx: &Context<'_>, sidecar: &str) -> Observed {
    let Some(last) = ctx.snapshots.last() else {
        let (_, evidence) = ctx.no_pod();
        return (Shown::Unclear, evidence);
    };
    let restarted = ctx.snapshots.iter().find(|s| {
        container_status(&s.pod, sidecar).is_some_and(|c| {
            c.restart_count >= 1 && c.state.as_ref().is_some_and(|st| st.running.is_some())
        })
    });
    let app_restarts: i32 = app_statuses(&last.pod, &ctx.roles)
        .iter()
        .map(|c| c.restart_count)
        .sum();
    let mut evidence = Vec::new();
    if let Some(seen) = restarted {
        evidence.push(format!(
            "{sidecar} running again after a restart: {}",
            describe_snapshot(seen, ctx.printer)
        ));
        if app_restarts == 0 {
            return (Shown::Healthy, evidence);
        }
        evidence.push(format!("but the app restarted {app_restarts} time(s)"));
        return (Shown::Unclear, evidence);
    }
    // The status never showed a restart: did the container restart anyway?
    let runs = ctx
        .evidence(Some(sidecar))
        .iter()
        .filter(|e| e.step == "sidecar-started")
        .count();
    evidence.push(format!(
        "{sidecar}'s status never showed a restart; last: {}",
        describe_snapshot(last, ctx.printer)
    ));
    evidence.push(format!("{sidecar}'s logs show {runs} start(s)"));
    if runs >= 2 {
        (Shown::Buggy, evidence)
    } else {
        (Shown::Unclear, evidence)
    }
}
