//! Proving a mutating webhook live: a pod created with `dryRun`, retried while the API server
//! cannot call the webhook yet. Both injectors' installs end with it.

use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::PostParams;

use super::FIELD_MANAGER;

/// What the API server made of the dry-run pod once the webhook answered.
#[derive(Debug)]
pub enum DryRun {
    /// Stored (not persisted): the pod as admission left it.
    Stored(Box<Pod>),
    /// Refused by validation over its init containers: the webhook ran and injected a native
    /// proxy the API server then refused (a gate-off cluster; the rejected cell's pods get this).
    RefusedForInitContainers,
}

/// Dry-runs `pod` in `namespace` until the webhook answers. A webhook is reachable a moment after
/// it is Ready (endpoints propagate, or istiod patches its CA in) with nothing to watch for that,
/// so "failed calling webhook" is retried with a bounded backoff for at most `timeout`.
///
/// # Errors
/// The API server's error, or its last "failed calling webhook" once `timeout` has passed.
pub async fn dry_run_through_webhook(
    client: &kube::Client,
    namespace: &str,
    pod: &Pod,
    timeout: Duration,
) -> Result<DryRun, kube::Error> {
    let api = Api::<Pod>::namespaced(client.clone(), namespace);
    let params = PostParams {
        dry_run: true,
        field_manager: Some(FIELD_MANAGER.to_owned()),
    };
    let started = Instant::now();
    let mut delay = Duration::from_millis(250);
    loop {
        match api.create(&params, pod).await {
            Ok(stored) => return Ok(DryRun::Stored(Box::new(stored))),
            Err(kube::Error::Api(status))
                if status.code == 422 && status.message.contains("initContainers") =>
            {
                return Ok(DryRun::RefusedForInitContainers);
            }
            Err(kube::Error::Api(status))
                if status.message.contains("failed calling webhook")
                    && started.elapsed() < timeout =>
            {
                tracing::debug!(message = %status.message, "the webhook is not answering yet");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(4));
            }
            Err(source) => return Err(source),
        }
    }
}
