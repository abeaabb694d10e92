//! `sidecar-exit-code`: the sidecar's instance exited with the code the scenario is about (the
//! last terminated state any snapshot shows), so the scenario tested what it claims to.

use super::context::{Context, Observed, Shown, describe_snapshot};
use crate::pod::container_status;

pub(super) fn observe(ctx: &Context<'_>, sidecar: &str, code: i32) -> Observed {
    let exits = ctx.snapshots.iter().rev().find_map(|s| {
        let status = container_status(&s.pod, sidecar)?;
        let terminated = status.state.as_ref()?.terminated.as_ref()?;
        Some((s, terminated.exit_code))
    });
    match exits {
        Some((snapshot, exit)) => (
            if exit == code {
                Shown::Healthy
            } else {
                Shown::Buggy
            },
            vec![format!(
                "{sidecar} exited {exit}: {}",
                describe_snapshot(snapshot, ctx.printer)
            )],
        ),
        None => (
            Shown::Unclear,
            vec![format!("{sidecar} was never seen terminated")],
        ),
    }
}
