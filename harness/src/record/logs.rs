//! Container logs: fetched at the end for every container of every pod (init containers — native
//! sidecars among them — and the previous instance of any that restarted), or followed live for a
//! pod that is about to be deleted, whose logs would vanish with it.

use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::ResourceExt;
use kube::api::LogParams;
use tokio::sync::oneshot;

use crate::recording::ContainerLog;

/// Every log of `pod`: each init container and container, and each previous instance.
/// A log that cannot be read is recorded as the error, so the gap shows in the recording.
pub async fn fetch_pod_logs(api: &Api<Pod>, pod: &Pod) -> Vec<ContainerLog> {
    let name = pod.name_any();
    let Some(status) = pod.status.as_ref() else {
        return Vec::new();
    };
    let init = status
        .init_container_statuses
        .iter()
        .flatten()
        .map(|c| (c, true));
    let regular = status
        .container_statuses
        .iter()
        .flatten()
        .map(|c| (c, false));
    let mut logs = Vec::new();
    for (container, is_init) in init.chain(regular) {
        // A container that never started has no log to ask for.
        let has_run = container
            .state
            .as_ref()
            .is_some_and(|s| s.running.is_some() || s.terminated.is_some());
        let instances: &[bool] = if container.restart_count > 0 {
            &[true, false]
        } else if has_run {
            &[false]
        } else {
            &[]
        };
        for &previous in instances {
            let params = LogParams {
                container: Some(container.name.clone()),
                previous,
                timestamps: false,
                ..LogParams::default()
            };
            let text = api
                .logs(&name, &params)
                .await
                .unwrap_or_else(|err| format!("sidecar-e2e: could not read this log: {err}\n"));
            logs.push(ContainerLog {
                pod: name.clone(),
                container: container.name.clone(),
                init: is_init,
                previous,
                text,
            });
        }
    }
    logs
}

/// Follows `container`'s log until the container's stream ends (the container exited or the
/// pod is gone). `seen` fires the first time a line contains `marker`.
pub async fn follow_log(
    api: Api<Pod>,
    pod: String,
    container: String,
    init: bool,
    marker: Option<(String, oneshot::Sender<()>)>,
) -> ContainerLog {
    let params = LogParams {
        container: Some(container.clone()),
        follow: true,
        ..LogParams::default()
    };
    let mut text = String::new();
    let mut marker = marker;
    match api.log_stream(&pod, &params).await {
        Ok(stream) => {
            let mut lines = stream.lines();
            while let Some(line) = lines.next().await {
                match line {
                    Ok(line) => {
                        if marker
                            .as_ref()
                            .is_some_and(|(m, _)| line.contains(m.as_str()))
                            && let Some((_, seen)) = marker.take()
                        {
                            let _ = seen.send(());
                        }
                        text.push_str(&line);
                        text.push('\n');
                    }
                    Err(err) => {
                        text.push_str(&format!("sidecar-e2e: the log stream broke: {err}\n"));
                        break;
                    }
                }
            }
        }
        Err(err) => text.push_str(&format!("sidecar-e2e: could not follow this log: {err}\n")),
    }
    ContainerLog {
        pod,
        container,
        init,
        previous: false,
        text,
    }
}
