//! `request`: the scenario's request succeeded (or failed, as expected), by the evidence line its
//! workload printed (`views::evidence`). The proxy's own log is not consulted here.

use super::context::{Context, Decided};
use super::types::CheckStatus;
use crate::views::evidence::parse_evidence;

pub(super) fn decide(ctx: &Context<'_>, step: &str, expected: bool) -> Decided {
    let name = ctx.recorded.scenario.name();
    let lines: Vec<_> = ctx
        .recorded
        .logs
        .iter()
        .filter(|log| log.container != ctx.proxy)
        .flat_map(|log| {
            parse_evidence(&log.text)
                .into_iter()
                .map(move |e| (log.container.clone(), e))
        })
        .filter(|(_, e)| e.scenario == name && e.step == step)
        .collect();
    if lines.is_empty() {
        return (
            CheckStatus::Fail,
            vec![format!(
                "no evidence line for step {step} in any container log"
            )],
        );
    }
    let success = lines.iter().find(|(_, e)| e.request_succeeded());
    let evidence: Vec<String> = match success {
        Some((container, e)) => vec![format!("{container}: {}", e.line)],
        None => lines
            .iter()
            .take(3)
            .map(|(c, e)| format!("{c}: {}", e.line))
            .collect(),
    };
    let ok = success.is_some() == expected;
    (
        if ok {
            CheckStatus::Pass
        } else {
            CheckStatus::Fail
        },
        evidence,
    )
}
