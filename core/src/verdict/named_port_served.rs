//! `named-port-served`: the Service whose named `targetPort` exists only on a native sidecar
//! answered, by the client's evidence lines (`step=named` and `step=numeric`, one per call). Its
//! known bug (kubernetes#128850) is the named Service silent for the check's span while the one
//! that gives the port's number answers: the network works, the endpoint has no port.

use super::context::{Context, Observed, Shown};
use crate::views::evidence::Evidence;

pub(super) fn observe(ctx: &Context<'_>, silent_seconds: u32) -> Observed {
    let lines = ctx.evidence(None);
    let of_step = |step: &'static str| lines.iter().filter(move |e| e.step == step);
    if let Some(answered) = of_step("named").find(|e| e.request_succeeded()) {
        return (
            Shown::Healthy,
            vec![format!("the named targetPort answered: {}", answered.line)],
        );
    }
    let Some(control) = of_step("numeric").find(|e| e.request_succeeded()) else {
        let mut evidence = vec![
            "the Service with the numeric targetPort never answered either: the network, not \
             the port's name, is at fault"
                .to_owned(),
        ];
        evidence.extend(of_step("numeric").take(2).map(|e| e.line.clone()));
        evidence.extend(of_step("named").take(2).map(|e| e.line.clone()));
        return (Shown::Unclear, evidence);
    };
    let after: Vec<&Evidence> = of_step("named")
        .filter(|e| e.at_ms >= control.at_ms)
        .collect();
    let span = match (control.at_ms, after.last().and_then(|e| e.at_ms)) {
        (Some(from), Some(to)) => to.saturating_sub(from) / 1000,
        _ => 0,
    };
    let mut evidence = vec![format!("the numeric targetPort answered: {}", control.line)];
    evidence.extend(
        after
            .first()
            .map(|e| format!("named, first after: {}", e.line)),
    );
    evidence.extend(after.last().map(|e| format!("named, last: {}", e.line)));
    if span < u64::from(silent_seconds) {
        evidence.push(format!(
            "the named Service was called for only {span}s after the numeric one answered; \
             need {silent_seconds}s"
        ));
        return (Shown::Unclear, evidence);
    }
    evidence.push(format!(
        "{} calls over {span}s to the named targetPort, none answered, while the numeric one did",
        after.len()
    ));
    (Shown::Buggy, evidence)
}
