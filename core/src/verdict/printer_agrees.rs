//! `printer-agrees`: the harness's `kubectl get pods` columns against the rows the API server
//! printed for the same pod versions. The oracle judges clusters by what it prints; this is
//! where a cluster judges the oracle.

use super::context::{Context, Decided};
use super::types::CheckStatus;
use crate::views::kubectl::pod_columns;

pub(super) fn decide(ctx: &Context<'_>) -> Decided {
    if ctx.snapshots.is_empty() {
        return (
            CheckStatus::NotApplicable,
            vec!["no pod of the scenario was recorded: no row to compare".to_owned()],
        );
    }
    let mut compared = 0;
    let mut missing = 0;
    let mut disagreements = Vec::new();
    for snapshot in &ctx.snapshots {
        let Some(server) = &snapshot.server_row else {
            missing += 1;
            continue;
        };
        compared += 1;
        let ours = pod_columns(&snapshot.pod, ctx.printer);
        // RESTARTS carries an age (`1 (5s ago)`) that depends on when it was printed: the
        // count is what must agree.
        let server_count = server.restarts.split_whitespace().next().unwrap_or("");
        if ours.ready != server.ready
            || ours.status != server.status
            || ours.restarts.to_string() != server_count
        {
            disagreements.push(format!(
                "snapshot seq {} (pod {}, resourceVersion {}): harness `{} {} {}`, API server `{} {} {}`",
                snapshot.seq,
                snapshot.pod.metadata.name.as_deref().unwrap_or("?"),
                snapshot.pod.metadata.resource_version.as_deref().unwrap_or("?"),
                ours.ready,
                ours.status,
                ours.restarts,
                server.ready,
                server.status,
                server.restarts
            ));
        }
    }
    if compared == 0 {
        return (
            CheckStatus::NotApplicable,
            vec![format!(
                "none of the {missing} snapshots has the API server's row (a format 2 recording, or \
                 the Table watch failed)"
            )],
        );
    }
    let mut evidence = Vec::new();
    let status = if disagreements.is_empty() {
        evidence.push(format!(
            "{compared} rows agree with the API server's (READY, STATUS, RESTARTS)"
        ));
        CheckStatus::Pass
    } else {
        evidence.push(format!(
            "{} of {compared} rows differ from the API server's:",
            disagreements.len()
        ));
        evidence.extend(disagreements);
        CheckStatus::Fail
    };
    if missing > 0 {
        evidence.push(format!(
            "{missing} snapshots had no server row (it never arrived) and were not compared"
        ));
    }
    (status, evidence)
}
