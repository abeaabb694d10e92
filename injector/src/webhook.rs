//! The admission webhook's HTTP surface: `POST /inject`, `GET /healthz`, `GET /readyz`.
//!
//! Decisions, in AdmissionReview terms wherever possible:
//! - a body that is not an AdmissionReview with a request: HTTP 400 and a JSON error (no API
//!   server sends one, so there is no `uid` to answer to);
//! - a body over the limit: HTTP 413;
//! - anything but a Pod CREATE (other kinds, subresources, updates): allowed unchanged;
//! - a Pod that cannot be injected: denied with the reason, so no pod is ever created silently
//!   without its proxy (the webhook's failurePolicy is Fail for the same reason);
//! - otherwise allowed, with the JSON patch of [`mutate_pod`].

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use kube_core::DynamicObject;
use kube_core::admission::{AdmissionRequest, AdmissionResponse, AdmissionReview, Operation};
use serde_json::{Value, json};

use crate::config::InjectorConfig;
use crate::manifest::object_name;
use crate::mutate::{Decision, mutate_pod};

/// Largest request body accepted, by default. The API server caps an object at about 1.5 MiB
/// (etcd's limit) and a review may carry the object twice (`object` and `oldObject`).
pub const DEFAULT_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// What the webhook needs per request.
#[derive(Debug, Clone)]
pub struct WebhookState {
    /// The injection configuration.
    pub config: InjectorConfig,
}

/// The webhook's routes, with the body limit applied.
pub fn router(config: InjectorConfig, max_body_bytes: usize) -> Router {
    Router::new()
        .route("/inject", post(inject))
        .route("/healthz", get(ok))
        .route("/readyz", get(ok))
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .with_state(Arc::new(WebhookState { config }))
}

async fn ok() -> &'static str {
    "ok"
}

async fn inject(State(state): State<Arc<WebhookState>>, body: Bytes) -> Response {
    match review(&body, &state.config) {
        Ok(review) => axum::Json(review).into_response(),
        Err(message) => {
            tracing::warn!(%message, "rejected a malformed admission review");
            (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({ "error": message })),
            )
                .into_response()
        }
    }
}

/// Answers one AdmissionReview body with the response review as JSON. `Err` carries the message
/// of an HTTP 400.
///
/// # Errors
/// A message naming what is wrong with a body that is not an AdmissionReview with a request.
pub fn review(body: &[u8], config: &InjectorConfig) -> Result<Value, String> {
    let review: AdmissionReview<DynamicObject> = serde_json::from_slice(body)
        .map_err(|err| format!("body is not an AdmissionReview: {err}"))?;
    let request: AdmissionRequest<DynamicObject> = review
        .try_into()
        .map_err(|_| "AdmissionReview has no request".to_owned())?;
    let mut answer = serde_json::to_value(respond(&request, config).into_review())
        .map_err(|err| format!("response does not serialise: {err}"))?;
    encode_patch_as_base64(&mut answer);
    Ok(answer)
}

/// kube-core writes `response.patch` (Go `[]byte`) as an array of numbers; Go's `encoding/json`,
/// and so every other webhook, writes base64 text. Send the canonical form.
fn encode_patch_as_base64(review: &mut Value) {
    let Some(patch) = review.pointer_mut("/response/patch") else {
        return;
    };
    if let Some(items) = patch.as_array() {
        let bytes: Option<Vec<u8>> = items
            .iter()
            .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
            .collect();
        if let Some(bytes) = bytes {
            *patch = Value::String(base64::engine::general_purpose::STANDARD.encode(bytes));
        }
    }
}

fn respond(
    request: &AdmissionRequest<DynamicObject>,
    config: &InjectorConfig,
) -> AdmissionResponse {
    let allowed = AdmissionResponse::from(request);
    let is_pod = request.kind.group.is_empty() && request.kind.kind == "Pod";
    let namespace = request.namespace.as_deref().unwrap_or("");
    if !is_pod || request.sub_resource.is_some() || request.operation != Operation::Create {
        tracing::debug!(kind = %request.kind.kind, namespace, "allowed unchanged: not a pod create");
        return allowed;
    }
    let Some(object) = &request.object else {
        return allowed.deny("pod create carries no object");
    };
    let pod = match serde_json::to_value(object) {
        Ok(pod) => pod,
        Err(err) => return allowed.deny(format!("pod does not serialise: {err}")),
    };
    let name = object_name(&pod);
    match mutate_pod(&pod, config) {
        Ok(Decision::Inject { patch, status }) => match allowed.clone().with_patch(patch) {
            Ok(response) => {
                tracing::info!(namespace, pod = %name, mode = %status.mode, "injected");
                response
            }
            Err(err) => allowed.deny(format!("injection patch does not serialise: {err}")),
        },
        Ok(Decision::Skip(reason)) => {
            tracing::info!(namespace, pod = %name, reason = reason.describe(), "skipped");
            allowed
        }
        Err(err) => {
            tracing::warn!(namespace, pod = %name, error = %err, "denied");
            allowed.deny(format!("sidecar-e2e injector: {err}"))
        }
    }
}
