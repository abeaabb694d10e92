//! `termination-order`: on deletion, each container receives SIGTERM only after the one before it
//! in `order` has exited (§3: the app first, then sidecars in reverse start order). By the
//! `step=sigterm container=<c> at_ms=<t>` lines each container prints from its SIGTERM trap, and
//! exits a second later: a gap under half of that means the two were signalled together.

use super::context::{Context, Observed, Shown};

/// Each container in the workloads exits this long after its SIGTERM; a later SIGTERM that
/// comes sooner than half of it was not waiting for the earlier container's exit.
const MIN_GAP_MS: u64 = 500;

pub(super) fn observe(ctx: &Context<'_>, order: &[&str]) -> Observed {
    let lines: Vec<_> = ctx
        .evidence(None)
        .into_iter()
        .filter(|e| e.step == "sigterm")
        .collect();
    let mut evidence = Vec::new();
    let mut times = Vec::new();
    for container in order {
        match lines
            .iter()
            .find(|e| e.container.as_deref() == Some(container))
        {
            Some(line) => {
                evidence.push(line.line.clone());
                times.push(line.at_ms);
            }
            None => {
                evidence.push(format!("{container}: no SIGTERM line in any log"));
                return (Shown::Unclear, evidence);
            }
        }
    }
    let times: Option<Vec<u64>> = times.into_iter().collect();
    let Some(times) = times else {
        evidence.push("a SIGTERM line has no at_ms".to_owned());
        return (Shown::Unclear, evidence);
    };
    for (pair, names) in times.windows(2).zip(order.windows(2)) {
        let gap = i128::from(pair[1]) - i128::from(pair[0]);
        if gap < i128::from(MIN_GAP_MS) {
            evidence.push(format!(
                "{} got SIGTERM {gap} ms after {}: not after it exited",
                names[1], names[0]
            ));
            return (Shown::Buggy, evidence);
        }
        evidence.push(format!("{} {gap} ms after {}", names[1], names[0]));
    }
    (Shown::Healthy, evidence)
}
