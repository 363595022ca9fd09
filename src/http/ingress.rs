//! Webhook ingress: read the raw body within the limit, verify the platform's signature over
//! those bytes, read the envelope, store event and job in one commit, then acknowledge.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::post;
use serde::Serialize;

use super::routes::Routes;
use super::{ApiError, AppState};
use crate::envelope::{self, Envelope};
use crate::metrics::WebhookResult;
use crate::signature::SignatureError;
use crate::store::events::{NewEvent, Stored};

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .add("POST", "/webhooks/leaflink", post(leaflink))
        .add("POST", "/webhooks/flourish", post(flourish))
        .add("POST", "/webhooks/leaflink/{connection}", post(leaflink_of))
        .add("POST", "/webhooks/flourish/{connection}", post(flourish_of))
}

/// The state of the running connection `name`, or 404 (before any of the body is read).
fn connection_state(state: &AppState, name: &str) -> Result<AppState, ApiError> {
    if state.connections.get(name).is_none() {
        return Err(ApiError::NotFound(format!("no connection {name}")));
    }
    Ok(state.for_connection(name))
}

async fn leaflink_of(
    State(state): State<AppState>,
    Path(connection): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Reply {
    let state = connection_state(&state, &connection)?;
    leaflink(State(state), headers, body).await
}

async fn flourish_of(
    State(state): State<AppState>,
    Path(connection): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Reply {
    let state = connection_state(&state, &connection)?;
    flourish(State(state), headers, body).await
}

/// The acknowledgement of a webhook.
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct Ack {
    pub duplicate: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// True when leafbridge records the event but does not act on its kind.
    #[serde(default)]
    pub ignored: bool,
}

type Reply = Result<(StatusCode, Json<Ack>), ApiError>;

async fn leaflink(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Reply {
    let verify = |bytes: &[u8]| {
        let signature = header_text(&headers, crate::leaflink::webhook::SIGNATURE_HEADER);
        crate::leaflink::webhook::verify(&state.leaflink_keys, bytes, signature)
    };
    receive(
        &state,
        "leaflink",
        &headers,
        body,
        verify,
        envelope::leaflink,
    )
    .await
}

async fn flourish(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Reply {
    let verify = |bytes: &[u8]| {
        let signature = header_text(&headers, crate::flourish::webhook::SIGNATURE_HEADER);
        crate::flourish::webhook::verify(&state.flourish_keys, bytes, signature)
    };
    receive(
        &state,
        "flourish",
        &headers,
        body,
        verify,
        envelope::flourish,
    )
    .await
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    // HeaderMap lookups are case-insensitive: `LL-Signature` and `Ll-Signature` both match.
    headers.get(name).map(|v| v.to_str().unwrap_or(""))
}

async fn receive(
    state: &AppState,
    source: &'static str,
    headers: &HeaderMap,
    body: Body,
    verify: impl Fn(&[u8]) -> Result<(), SignatureError>,
    read: fn(&[u8]) -> Result<Envelope, envelope::EnvelopeError>,
) -> Reply {
    let count = |result| state.metrics.webhook(source, result);
    let bytes = read_body(headers, body, state.body_limit)
        .await
        .inspect_err(|error| {
            count(match error {
                ApiError::PayloadTooLarge(_) => WebhookResult::TooLarge,
                _ => WebhookResult::BadRequest,
            })
        })?;
    if let Err(error) = verify(&bytes) {
        count(WebhookResult::RejectedSignature);
        tracing::warn!(webhook.source = source, reason = %error, "webhook signature refused");
        return Err(ApiError::InvalidSignature(format!(
            "{source} webhook refused: {error}"
        )));
    }
    let envelope = read(&bytes).map_err(|error| {
        count(WebhookResult::BadRequest);
        ApiError::BadRequest(error.to_string())
    })?;
    let kind = envelope.kind.clone();
    let ignored = envelope.job_kind.is_none();
    let ignored_reason =
        ignored.then(|| format!("leafbridge does not act on {source} {kind} events"));
    // The envelope parsed, so the bytes are UTF-8 and the stored text hashes as they do.
    let body = String::from_utf8_lossy(&bytes).into_owned();
    let event = NewEvent {
        ignored_reason,
        ..NewEvent::new(&state.connection, source, envelope, body)
    };
    let stored = state.ingest.store(event).await.map_err(|error| {
        count(WebhookResult::Unavailable);
        tracing::error!(webhook.source = source, %error, "webhook could not be stored");
        ApiError::Unavailable("the event could not be stored; please retry".into())
    })?;
    match stored {
        Stored::Duplicate => {
            count(WebhookResult::Duplicate);
            Ok((
                StatusCode::OK,
                Json(Ack {
                    duplicate: true,
                    event_id: None,
                    ignored,
                }),
            ))
        }
        Stored::Accepted { event_id } => {
            count(if ignored {
                WebhookResult::Ignored
            } else {
                WebhookResult::Accepted
            });
            tracing::info!(webhook.source = source, event.id = %event_id, event.kind = %kind, "webhook stored");
            let status = if ignored {
                StatusCode::OK
            } else {
                StatusCode::ACCEPTED
            };
            Ok((
                status,
                Json(Ack {
                    duplicate: false,
                    event_id: Some(event_id),
                    ignored,
                }),
            ))
        }
    }
}

/// Reads the whole body, refusing more than `limit` bytes (413) before reading it when the
/// sender declared its length.
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, ApiError> {
    let too_large = || ApiError::PayloadTooLarge(format!("the body is larger than {limit} bytes"));
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, limit).await.map_err(|error| {
        let is_limit = error
            .into_inner()
            .downcast::<http_body_util::LengthLimitError>()
            .is_ok();
        if is_limit {
            too_large()
        } else {
            ApiError::BadRequest("the body could not be read".into())
        }
    })
}
