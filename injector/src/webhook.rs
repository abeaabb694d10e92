//! The admission webhook's HTTP surface: `POST /inject`, `GET /healthz`, `GET /readyz`.
//!
//! Decisions, in AdmissionReview terms wherever possible:
//! - a body that is not an AdmissionReview with a request: HTTP 400 and a JSON error (no API
//!   server sends one, so there is no `uid` to answer to);
//! - a body over the limit: HTTP 413;
//! - anything but a Pod CREATE (other kinds, subresources, updates): allowed unchanged;
//! - a Pod that cannot be injected: denied with the reason, so no pod is ever created silently
//!   without its proxy (the webhook's failurePolicy is Fail for the same reason);
//! - otherwise allowed, with the JSON patch of [`Injector::mutate`].

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use kube_core::DynamicObject;
use kube_core::admission::{AdmissionRequest, AdmissionResponse, AdmissionReview, Operation};
use serde_json::{Value, json};

use crate::config::InjectorConfig;
use crate::manifest::object_name;
use crate::mutate::{Injector, JsonDecision};

/// Largest request body accepted, by default. The API server caps an object at about 1.5 MiB
/// (etcd's limit) and a review may carry the object twice (`object` and `oldObject`).
pub const DEFAULT_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The webhook's routes, with the body limit applied.
pub fn router(config: InjectorConfig, max_body_bytes: usize) -> Router {
    Router::new()
        .route("/inject", post(inject))
        .route("/healthz", get(ok))
        .route("/readyz", get(ok))
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .with_state(Arc::new(Injector::new(config)))
}

async fn ok() -> &'static str {
    "ok"
}

async fn inject(State(injector): State<Arc<Injector>>, body: Bytes) -> Response {
    match review(&body, &injector) {
        Ok(review) => ([(CONTENT_TYPE, "application/json")], review).into_response(),
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

/// Answers one AdmissionReview body with the response review as JSON text. `Err` carries the
/// message of an HTTP 400.
///
/// The envelope is read with kube-core's types; the pod itself stays raw JSON (it is peeled off
/// before the envelope is typed), because the injector works on JSON and a typed round trip
/// would cost more than the injection.
///
/// # Errors
/// A message naming what is wrong with a body that is not an AdmissionReview with a request.
pub fn review(body: &[u8], injector: &Injector) -> Result<Vec<u8>, String> {
    let mut raw: Value = serde_json::from_slice(body)
        .map_err(|err| format!("body is not an AdmissionReview: {err}"))?;
    let object = raw.pointer_mut("/request/object").map(Value::take);
    if let Some(old) = raw.pointer_mut("/request/oldObject") {
        // Never looked at: only CREATE is mutated.
        *old = Value::Null;
    }
    let review: AdmissionReview<DynamicObject> = serde_json::from_value(raw)
        .map_err(|err| format!("body is not an AdmissionReview: {err}"))?;
    let request: AdmissionRequest<DynamicObject> = review
        .try_into()
        .map_err(|_| "AdmissionReview has no request".to_owned())?;
    let (response, patch) = respond(&request, object.filter(|o| !o.is_null()), injector);
    let mut answer = serde_json::to_vec(&response.into_review())
        .map_err(|err| format!("response does not serialise: {err}"))?;
    if let Some(patch_json) = patch {
        // Go's encoding/json writes `[]byte` as base64 text; kube-core would write an array of
        // numbers. So the patch is attached here, in the canonical form, by writing it into the
        // end of the `response` object: the review serialises as `{…,"response":{…}}`.
        if !answer.ends_with(b"}}") {
            return Err("internal error: unexpected response shape".to_owned());
        }
        answer.truncate(answer.len() - 2);
        answer.extend_from_slice(br#","patchType":"JSONPatch","patch":""#);
        let start = answer.len();
        let encoded_len = base64::encoded_len(patch_json.len(), true).unwrap_or(0);
        answer.resize(start + encoded_len, 0);
        let written = base64::engine::general_purpose::STANDARD
            .encode_slice(&patch_json, &mut answer[start..])
            .map_err(|err| format!("internal error: base64: {err}"))?;
        answer.truncate(start + written);
        answer.extend_from_slice(br#""}}"#);
    }
    Ok(answer)
}

/// The response, and the patch to attach when the pod is to be mutated.
fn respond(
    request: &AdmissionRequest<DynamicObject>,
    object: Option<Value>,
    injector: &Injector,
) -> (AdmissionResponse, Option<Vec<u8>>) {
    let allowed = AdmissionResponse::from(request);
    let is_pod = request.kind.group.is_empty() && request.kind.kind == "Pod";
    let namespace = request.namespace.as_deref().unwrap_or("");
    if !is_pod || request.sub_resource.is_some() || request.operation != Operation::Create {
        tracing::debug!(kind = %request.kind.kind, namespace, "allowed unchanged: not a pod create");
        return (allowed, None);
    }
    let Some(pod) = object else {
        return (allowed.deny("pod create carries no object"), None);
    };
    let name = object_name(&pod);
    match injector.mutate_to_json(&pod) {
        Ok(JsonDecision::Inject { patch_json, status }) => {
            tracing::info!(namespace, pod = %name, mode = %status.mode, "injected");
            (allowed, Some(patch_json))
        }
        Ok(JsonDecision::Skip(reason)) => {
            tracing::info!(namespace, pod = %name, reason = reason.describe(), "skipped");
            (allowed, None)
        }
        Err(err) => {
            tracing::warn!(namespace, pod = %name, error = %err, "denied");
            (allowed.deny(format!("sidecar-e2e injector: {err}")), None)
        }
    }
}
