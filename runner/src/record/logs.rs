//! Container logs: fetched at the end for every container of every pod (init containers — native
//! sidecars among them — and the previous instance of any that restarted), or followed live for a
//! pod that is about to be deleted, whose logs would vanish with it.
//!
//! Logs come through the kubelet, which may be restarting (a scenario that restarts it, or a
//! kubelet under load): a read that fails for a passing reason is tried again for a bounded
//! time ([`READ_PATIENCE`]); a log that still cannot be read is recorded with its
//! `readError`, so the verdict knows it was never seen rather than empty.

use std::time::Duration;

use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::ResourceExt;
use kube::api::LogParams;
use tokio::sync::oneshot;

use sidecar_e2e_core::recording::ContainerLog;

/// How long one log read is tried again while its failure looks passing (a new kubelet takes a
/// few seconds to know its pods again after a restart).
pub const READ_PATIENCE: Duration = Duration::from_secs(45);
/// The first pause between tries; it doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(500);
const MAX_PAUSE: Duration = Duration::from_secs(4);

/// What a failed log read means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFailure {
    /// The container has not started: it has no log, and that is a fact, not an error.
    NotStarted,
    /// Worth trying again: the kubelet did not answer or did not know the pod yet (a 404
    /// that is not the API server's own "pod not found"), a 5xx, a broken connection.
    Passing,
    /// Trying again will not help (the pod is gone, the previous instance's log is gone, the
    /// request was refused).
    Lasting,
}

/// Classifies a log read's error.
pub fn classify(err: &kube::Error) -> ReadFailure {
    match err {
        kube::Error::Api(status) => {
            if status.message.contains("is waiting to start") {
                ReadFailure::NotStarted
            } else if status.code >= 500 || status.code == 429 {
                ReadFailure::Passing
            } else if status.code == 404 {
                // The API server's own answer for a pod that is gone names the pod; the
                // kubelet's, relayed for a pod it does not know (yet), does not.
                if status.message.contains("pods \"") {
                    ReadFailure::Lasting
                } else {
                    ReadFailure::Passing
                }
            } else {
                ReadFailure::Lasting
            }
        }
        kube::Error::HyperError(_) | kube::Error::Service(_) | kube::Error::ReadEvents(_) => {
            ReadFailure::Passing
        }
        _ => ReadFailure::Lasting,
    }
}

/// Runs `read` until it succeeds, fails for a reason that lasts, or [`READ_PATIENCE`] is spent;
/// returns the last result and how many tries it took.
async fn patiently<T, F, Fut>(mut read: F) -> (Result<T, kube::Error>, u32)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, kube::Error>>,
{
    let until = tokio::time::Instant::now() + READ_PATIENCE;
    let mut pause = FIRST_PAUSE;
    let mut tries = 0;
    loop {
        tries += 1;
        let result = read().await;
        let again = match &result {
            Ok(_) => false,
            Err(err) => classify(err) == ReadFailure::Passing,
        };
        if !again || tokio::time::Instant::now() + pause > until {
            return (result, tries);
        }
        tracing::debug!(tries, "log read failed for a passing reason; trying again");
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(MAX_PAUSE);
    }
}

/// What a failed read leaves in the recording: no text, and why (none when the container simply
/// had not started).
fn unread(err: &kube::Error, tries: u32) -> Option<String> {
    match classify(err) {
        ReadFailure::NotStarted => None,
        ReadFailure::Passing => Some(format!(
            "{} (still failing after {tries} tries in {}s)",
            describe(err),
            READ_PATIENCE.as_secs()
        )),
        ReadFailure::Lasting => Some(describe(err)),
    }
}

/// An error in one line: the API's code, reason and message (kube's own text repeats the whole
/// status as debug output).
fn describe(err: &kube::Error) -> String {
    match err {
        kube::Error::Api(status) => {
            format!("{} {}: {}", status.code, status.reason, status.message)
        }
        other => other.to_string(),
    }
}

/// Every log of `pod`: each init container and container, and each previous instance.
/// A log that cannot be read is recorded with its error, so the gap shows in the recording.
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
            let (result, tries) = patiently(|| api.logs(&name, &params)).await;
            let (text, read_error) = match result {
                Ok(text) => (text, None),
                Err(err) => (String::new(), unread(&err, tries)),
            };
            logs.push(ContainerLog {
                pod: name.clone(),
                container: container.name.clone(),
                init: is_init,
                previous,
                text,
                read_error,
            });
        }
    }
    logs
}

/// How long a followed container may take to start before its log is given up (it may never
/// start: a sidecar behind one whose startup probe never passes).
const FOLLOW_START_PATIENCE: Duration = Duration::from_secs(600);
/// How often a followed container that has not started is asked for its log again.
const START_POLL: Duration = Duration::from_secs(1);

/// Follows `container`'s log until the container's stream ends (the container exited or the
/// pod is gone). `seen` fires the first time a line contains `marker`. A container that has not
/// started yet is waited for (the pod may be deleted first: it then has no log, and that is no
/// error).
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
    let mut read_error = None;
    let mut marker = marker;
    let started = tokio::time::Instant::now();
    let mut waited_to_start = false;
    let stream = loop {
        let (result, tries) = patiently(|| api.log_stream(&pod, &params)).await;
        match result {
            Ok(stream) => break Some(stream),
            Err(err) if classify(&err) == ReadFailure::NotStarted => {
                waited_to_start = true;
                if started.elapsed() > FOLLOW_START_PATIENCE {
                    break None;
                }
                // The log endpoint has nothing to watch: ask again shortly.
                tokio::time::sleep(START_POLL).await;
            }
            // Deleted before it ever started: it never had a log.
            Err(_) if waited_to_start => break None,
            Err(err) => {
                read_error = unread(&err, tries);
                break None;
            }
        }
    };
    if let Some(stream) = stream {
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
                    read_error = Some(format!("the log stream broke: {err}"));
                    break;
                }
            }
        }
    }
    ContainerLog {
        pod,
        container,
        init,
        previous: false,
        text,
        read_error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_error(code: u16, message: &str) -> kube::Error {
        let reason = match code {
            400 => "BadRequest",
            404 => "NotFound",
            _ => "InternalError",
        };
        kube::Error::Api(Box::new(kube::core::Status {
            code,
            reason: reason.to_owned(),
            message: message.to_owned(),
            ..kube::core::Status::default()
        }))
    }

    #[test]
    fn a_kubelet_that_does_not_know_the_pod_yet_is_tried_again_and_a_gone_pod_is_not() {
        // What a restarting kubelet answered, relayed by the API server (issue 20's run).
        let relayed = api_error(404, "the server could not find the requested resource");
        assert_eq!(classify(&relayed), ReadFailure::Passing);
        let gone = api_error(404, "pods \"sleep-1\" not found");
        assert_eq!(classify(&gone), ReadFailure::Lasting);
        let dialling = api_error(
            500,
            "Get \"https://172.18.0.2:10250/containerLogs/ns/p/c\": dial tcp: connect: connection refused",
        );
        assert_eq!(classify(&dialling), ReadFailure::Passing);
    }

    #[test]
    fn a_container_waiting_to_start_has_no_log_and_that_is_not_an_error() {
        let waiting = api_error(
            400,
            "container \"app\" in pod \"p\" is waiting to start: PodInitializing",
        );
        assert_eq!(classify(&waiting), ReadFailure::NotStarted);
        assert_eq!(unread(&waiting, 1), None);
        let previous_gone = api_error(
            400,
            "previous terminated container \"crashy\" in pod \"p\" not found",
        );
        assert_eq!(classify(&previous_gone), ReadFailure::Lasting);
        assert_eq!(
            unread(&previous_gone, 1).as_deref(),
            Some("400 BadRequest: previous terminated container \"crashy\" in pod \"p\" not found")
        );
    }

    #[tokio::test(start_paused = true)]
    async fn passing_failures_are_tried_again_until_the_patience_is_spent() {
        let mut calls = 0;
        let (result, tries) = patiently(|| {
            calls += 1;
            let ok = calls >= 3;
            async move {
                if ok {
                    Ok("log")
                } else {
                    Err(api_error(
                        404,
                        "the server could not find the requested resource",
                    ))
                }
            }
        })
        .await;
        assert_eq!(result.expect("third try reads it"), "log");
        assert_eq!(tries, 3);
        let started = tokio::time::Instant::now();
        let (result, tries) =
            patiently(|| async { Err::<(), _>(api_error(503, "the kubelet is restarting")) }).await;
        assert!(result.is_err());
        assert!(tries > 3, "{tries}");
        assert!(
            started.elapsed() <= READ_PATIENCE,
            "{:?}",
            started.elapsed()
        );
        let (_, tries) =
            patiently(|| async { Err::<(), _>(api_error(404, "pods \"p\" not found")) }).await;
        assert_eq!(tries, 1);
    }
}
