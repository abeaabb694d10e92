//! `deleted-within`: the pod the recorder deleted was gone within `seconds`. Its known bug
//! (kubernetes#125880) holds a pod whose sidecar never started for its whole grace period. By the
//! recorder's own actions: when it asked for the deletion, when the watch saw the pod go.

use super::context::{Context, Observed, Shown};

/// A deletion this close to the grace period waited it out.
const GRACE_SLACK_SECONDS: f64 = 3.0;

pub(super) fn observe(ctx: &Context<'_>, seconds: u32, grace_seconds: u32) -> Observed {
    let actions = &ctx.recorded.actions;
    let deleted = actions.iter().find(|a| a.action == "delete");
    let gone = actions.iter().find(|a| a.action == "gone");
    let (Some(deleted), Some(gone)) = (deleted, gone) else {
        return (
            Shown::Unclear,
            vec![format!(
                "the recording lacks the deletion or its end (actions: {})",
                actions
                    .iter()
                    .map(|a| a.action.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )],
        );
    };
    let took = gone.at.0.duration_since(deleted.at.0).as_secs_f64();
    let evidence = vec![format!(
        "pod {} deleted at {}, gone at {}: {took:.1}s (grace period {grace_seconds}s)",
        deleted.pod, deleted.at.0, gone.at.0
    )];
    if took <= f64::from(seconds) {
        (Shown::Healthy, evidence)
    } else if took >= f64::from(grace_seconds) - GRACE_SLACK_SECONDS {
        (Shown::Buggy, evidence)
    } else {
        (Shown::Unclear, evidence)
    }
}
