//! `startup-order`: no app container has run before the proxy was **started** (§3, §7; the words
//! are [`crate::pod`]'s). Watch order first, since timestamps have one-second resolution; then
//! the kubelet's timestamps, ties allowed.

use k8s_openapi::api::core::v1::ContainerStatus;

use super::context::{Context, Decided, describe_snapshot};
use super::types::CheckStatus;
use crate::pod::{app_statuses, container_status, has_run, is_sidecar_started, started_at};
use crate::recording::PodSnapshot;

pub(super) fn decide(ctx: &Context<'_>) -> Decided {
    if ctx.snapshots.is_empty() {
        return ctx.no_pod();
    }
    let mut evidence = Vec::new();
    let mut proxy_started: Option<&PodSnapshot> = None;
    for snapshot in &ctx.snapshots {
        if proxy_started.is_none() && is_sidecar_started(&snapshot.pod, ctx.proxy) {
            proxy_started = Some(snapshot);
            evidence.push(format!(
                "proxy started: {}",
                describe_snapshot(snapshot, ctx.printer)
            ));
        }
        let started_apps: Vec<&ContainerStatus> = app_statuses(&snapshot.pod, &ctx.roles)
            .into_iter()
            .filter(|c| has_run(c))
            .collect();
        if started_apps.is_empty() {
            continue;
        }
        let names: Vec<&str> = started_apps.iter().map(|c| c.name.as_str()).collect();
        evidence.push(format!(
            "app {} started: {}",
            names.join(","),
            describe_snapshot(snapshot, ctx.printer)
        ));
        let Some(proxy_snapshot) = proxy_started else {
            evidence.push("the app started before the proxy was seen started".to_owned());
            return (CheckStatus::Fail, evidence);
        };
        let proxy_at = container_status(&proxy_snapshot.pod, ctx.proxy).and_then(started_at);
        for app in started_apps {
            if let (Some(p), Some(a)) = (proxy_at, started_at(app))
                && a < p
            {
                evidence.push(format!(
                    "{} startedAt {a} is before the proxy's {p}",
                    app.name
                ));
                return (CheckStatus::Fail, evidence);
            }
        }
        return (CheckStatus::Pass, evidence);
    }
    evidence.push("no app container was seen starting".to_owned());
    (CheckStatus::Fail, evidence)
}
