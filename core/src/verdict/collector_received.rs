//! `collector-received`: the collector's log holds the record the workload sent for a step — the
//! line the injector's profile names as evidence (`traffic.evidence`, `${MARKER}` the record's
//! body), with the step's marker.

use super::context::{Context, Decided};
use super::types::CheckStatus;
use crate::plan::Traffic;
use crate::scenario::marker;

pub(super) fn decide(ctx: &Context<'_>, step: &str, evidence: Option<&str>) -> Decided {
    let Some(pattern) = evidence else {
        return (
            CheckStatus::Fail,
            vec!["the injector's profile names no evidence line for a collector".to_owned()],
        );
    };
    let Some(log) = ctx.recorded.log(ctx.proxy) else {
        return (
            CheckStatus::Fail,
            vec![format!("no log recorded for {}", ctx.proxy)],
        );
    };
    let wanted = pattern.replace("${MARKER}", &marker(ctx.recorded.scenario.name(), step));
    match log
        .text
        .lines()
        .enumerate()
        .find(|(_, line)| line.contains(&wanted))
    {
        Some((n, line)) => (
            CheckStatus::Pass,
            vec![format!("{} log line {}: {}", ctx.proxy, n + 1, line.trim())],
        ),
        None => (
            CheckStatus::Fail,
            vec![format!(
                "{} log ({} lines) has no {wanted:?}",
                ctx.proxy,
                log.text.lines().count()
            )],
        ),
    }
}

/// The evidence line of a profile's collector traffic, if it has one.
pub(super) fn evidence_of(traffic: &Traffic) -> Option<&str> {
    match traffic {
        Traffic::OtlpToCollector { evidence, .. } => Some(evidence),
        Traffic::HttpThroughProxy | Traffic::None => None,
    }
}
