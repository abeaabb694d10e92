//! `proxy-layout`: the stored pod spec has the proxy where the mode puts it (§7: `restartPolicy`
//! kept or dropped shows the gate's state).

use super::context::{Context, Decided, describe_snapshot};
use super::types::CheckStatus;
use crate::scenario::ProxyPlace;

pub(super) fn decide(ctx: &Context<'_>, place: ProxyPlace) -> Decided {
    let Some(first) = ctx.snapshots.first() else {
        return ctx.no_pod();
    };
    let Some(spec) = first.pod.spec.as_ref() else {
        return (
            CheckStatus::Fail,
            vec![format!(
                "{} has no spec",
                describe_snapshot(first, ctx.printer)
            )],
        );
    };
    let init = spec.init_containers.as_deref().unwrap_or(&[]);
    let in_init = init.iter().position(|c| c.name == ctx.proxy);
    let in_containers = spec.containers.iter().position(|c| c.name == ctx.proxy);
    let found = match (in_init, in_containers) {
        (Some(i), _) => format!(
            "spec.initContainers[{i}] is {} with restartPolicy {}",
            ctx.proxy,
            init[i]
                .restart_policy
                .as_deref()
                .unwrap_or("unset (dropped by the API server?)")
        ),
        (None, Some(i)) => format!("spec.containers[{i}] is {}", ctx.proxy),
        (None, None) => format!("no container named {}", ctx.proxy),
    };
    let ok = match place {
        ProxyPlace::RestartableInitContainer => {
            in_init.is_some_and(|i| init[i].restart_policy.as_deref() == Some("Always"))
        }
        ProxyPlace::Container => in_containers.is_some(),
    };
    let evidence = vec![format!(
        "{found} ({})",
        describe_snapshot(first, ctx.printer)
    )];
    (
        if ok {
            CheckStatus::Pass
        } else {
            CheckStatus::Fail
        },
        evidence,
    )
}
