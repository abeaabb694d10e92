//! `proxy-config-accepted`: istiod counted no xDS response that a proxy of this scenario's
//! refused. The counters come with the recording (`xdsRejects`, read at the scenario's end);
//! one that was never read is a harness fault, never a pass.

use super::context::{Context, Decided};
use super::types::CheckStatus;

/// How much of one NACK line the evidence keeps: istiod lists every refused cluster in one line.
const NACK_EVIDENCE_CHARS: usize = 300;

pub(super) fn decide(ctx: &Context<'_>) -> Decided {
    let Some(rejects) = &ctx.recorded.xds_rejects else {
        return (
            CheckStatus::Fail,
            vec!["istiod's reject counters were not recorded (a recording made before the harness read them; run the cell again)".to_owned()],
        );
    };
    if let Some(reason) = &rejects.unread_because {
        return (
            CheckStatus::HarnessFault,
            vec![format!("istiod could not be read: {reason}")],
        );
    }
    if rejects.samples == 0 {
        return (
            CheckStatus::HarnessFault,
            vec![
                "istiod's /metrics held no sample: what answered was not istiod's metrics"
                    .to_owned(),
            ],
        );
    }
    if rejects.counters.is_empty() {
        return (
            CheckStatus::Pass,
            vec![format!(
                "istiod ({} samples in its /metrics) counted no refused xDS response from a proxy in {}",
                rejects.samples, ctx.recorded.namespace
            )],
        );
    }
    let mut evidence: Vec<String> = rejects
        .counters
        .iter()
        .map(|line| format!("istiod: {line}"))
        .collect();
    evidence.extend(rejects.nacks.iter().take(3).map(|line| {
        let short: String = line.chars().take(NACK_EVIDENCE_CHARS).collect();
        let cut = if short.len() < line.len() { " …" } else { "" };
        format!("istiod log: {short}{cut}")
    }));
    evidence.push(
        "a proxy refused istiod's config: an Istio filter upstream Envoy lacks? (docs/istio.md lists the settings that switch them off)".to_owned(),
    );
    (CheckStatus::Fail, evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pod::PodRoles;
    use crate::recording::{ScenarioRecording, XdsRejects};
    use crate::scenario::Scenario;
    use crate::views::kubectl::PrinterRules;

    fn recorded(xds_rejects: Option<XdsRejects>) -> ScenarioRecording {
        ScenarioRecording {
            xds_rejects,
            ..ScenarioRecording::empty(Scenario::Sleep, "ns")
        }
    }

    fn decided(rejects: Option<XdsRejects>) -> Decided {
        let recorded = recorded(rejects);
        let ctx = Context::new(
            &recorded,
            PodRoles::proxy("istio-proxy"),
            PrinterRules::of(crate::plan::K8sVersion::new(32)),
        );
        decide(&ctx)
    }

    #[test]
    fn no_rejects_pass_and_any_reject_fails_with_istiods_reason() {
        let read = XdsRejects {
            samples: 300,
            ..XdsRejects::default()
        };
        assert_eq!(decided(Some(read.clone())).0, CheckStatus::Pass);
        let long_reason = format!(
            "warn ADS:CDS: ACK ERROR sleep-1.ns-1 Internal:{}",
            "x".repeat(900)
        );
        let (status, evidence) = decided(Some(XdsRejects {
            counters: vec![
                r#"pilot_xds_cds_reject{err="Internal",node="sleep-1.ns"} 1"#.to_owned(),
            ],
            nacks: vec![long_reason],
            ..read
        }));
        assert_eq!(status, CheckStatus::Fail);
        assert!(
            evidence[0].contains("pilot_xds_cds_reject"),
            "{evidence:#?}"
        );
        assert!(
            evidence[1].ends_with(" …") && evidence[1].len() < 400,
            "{evidence:#?}"
        );
    }

    #[test]
    fn counters_never_read_are_not_a_pass() {
        // A recording made before the harness read them: the check cannot be decided.
        assert_eq!(decided(None).0, CheckStatus::Fail);
        // Read, but nothing in it: not istiod's metrics.
        assert_eq!(
            decided(Some(XdsRejects::default())).0,
            CheckStatus::HarnessFault
        );
        let (status, evidence) = decided(Some(XdsRejects {
            unread_because: Some("no pod labelled app=istiod in istio-system".to_owned()),
            ..XdsRejects::default()
        }));
        assert_eq!(status, CheckStatus::HarnessFault);
        assert!(evidence[0].contains("no pod labelled"), "{evidence:#?}");
    }
}
