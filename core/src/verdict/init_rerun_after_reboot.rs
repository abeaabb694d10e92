//! `init-rerun-after-reboot`: after the recorder rebooted the node (as the kubelet sees it, with
//! a created app left behind), the later init container ran again before the app: the app's line
//! for the new boot says `init2-ran=yes` (it reads what the init container wrote, for that boot,
//! into the emptyDir). Its known bug (kubernetes#137710) is `init2-ran=no`: the kubelet took the
//! pod for initialized after the first init container.

use super::context::{Context, Observed, Shown};
use crate::views::evidence::Evidence;

pub(super) fn observe(ctx: &Context<'_>, init: &str) -> Observed {
    let actions = &ctx.recorded.actions;
    let rebooted = actions.iter().find(|a| a.action == "reboot-node");
    let back = actions.iter().find(|a| a.action == "node-back");
    let (Some(rebooted), Some(_)) = (rebooted, back) else {
        return (
            Shown::Unclear,
            vec![format!(
                "the node was not rebooted: nothing to judge (actions: {})",
                actions
                    .iter()
                    .map(|a| a.action.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )],
        );
    };
    let lines = ctx.evidence(None);
    let boot = |e: &Evidence| e.field("boot").and_then(|b| b.parse::<u32>().ok());
    let mut evidence = vec![format!(
        "node rebooted at {} ({})",
        rebooted.at.0, rebooted.pod
    )];
    evidence.extend(
        lines
            .iter()
            .filter(|e| e.step != "app-started" && boot(e).is_some_and(|b| b >= 2))
            .map(|e| e.line.clone()),
    );
    let after = lines
        .iter()
        .filter(|e| e.step == "app-started" && boot(e).is_some_and(|b| b >= 2))
        .min_by_key(|e| boot(e));
    let Some(after) = after else {
        evidence.push("the app did not start again after the reboot".to_owned());
        return (Shown::Unclear, evidence);
    };
    evidence.push(format!("the app after the reboot: {}", after.line));
    match after.field("init2-ran") {
        Some("yes") => (Shown::Healthy, evidence),
        Some("no") => {
            evidence.push(format!(
                "{init} did not run in this boot before the app started"
            ));
            (Shown::Buggy, evidence)
        }
        _ => (Shown::Unclear, evidence),
    }
}
