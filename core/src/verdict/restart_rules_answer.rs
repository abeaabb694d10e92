//! `restart-rules-answer`: what the API server did with the sidecar's `restartPolicyRules`, by
//! the apply's error (the server's own message, verbatim) or the pod it stored. Passes when that
//! is what the API server's version should answer (the scenario's `RulesAnswer::of_minor`).

use super::context::{Context, Decided};
use super::types::CheckStatus;
use crate::scenario::RulesAnswer;

/// What the recording shows the API server answered, with the line that shows it.
fn answered(ctx: &Context<'_>, sidecar: &str) -> Option<(RulesAnswer, String)> {
    let errors = &ctx.recorded.apply_errors;
    let naming = |words: &[&str]| {
        errors
            .iter()
            .find(|e| e.contains("restartPolicyRules") && words.iter().any(|w| e.contains(w)))
    };
    if let Some(error) = naming(&["not allowed for init containers with restart policy Always"]) {
        return Some((RulesAnswer::Forbidden, format!("apply refused: {error}")));
    }
    if let Some(error) = naming(&["field not declared in schema", "unknown field"]) {
        return Some((RulesAnswer::UnknownField, format!("apply refused: {error}")));
    }
    let stored = ctx.snapshots.first()?;
    let container = stored
        .pod
        .spec
        .as_ref()?
        .init_containers
        .as_ref()?
        .iter()
        .find(|c| c.name == sidecar)?;
    let pod = stored.pod.metadata.name.as_deref().unwrap_or("?");
    Some(match &container.restart_policy_rules {
        Some(rules) if !rules.is_empty() => (
            RulesAnswer::Stored,
            format!(
                "stored: pod {pod}'s {sidecar} has {} rule(s), first: {}",
                rules.len(),
                serde_json::to_string(&rules[0]).unwrap_or_default()
            ),
        ),
        _ => (
            RulesAnswer::Dropped,
            format!("stored: pod {pod}'s {sidecar} has no restartPolicyRules"),
        ),
    })
}

pub(super) fn decide(ctx: &Context<'_>, sidecar: &str, expected: RulesAnswer) -> Decided {
    let Some((answer, line)) = answered(ctx, sidecar) else {
        let mut evidence =
            vec!["neither a stored pod nor an apply error about the rules".to_owned()];
        evidence.extend(ctx.apply_error_lines());
        return (CheckStatus::Fail, evidence);
    };
    let mut evidence = vec![line];
    if answer == expected {
        (CheckStatus::Pass, evidence)
    } else {
        evidence.push(format!(
            "expected: {}; the API server's answer was: {}",
            expected.describe(),
            answer.describe()
        ));
        (CheckStatus::Fail, evidence)
    }
}
