//! The operator API under `/api/v1`, behind `Authorization: Bearer <admin token>`: the event
//! log and single events with their attempts.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use super::routes::Routes;
use super::{ApiError, AppState, token_hash};
use crate::store::events::{self, EventDetail, EventFilter, EventRow};
use crate::store::jobs::{self, Attempt};

/// Longest page any list returns.
pub const MAX_LIMIT: i64 = 200;
const DEFAULT_LIMIT: i64 = 50;

pub fn routes(state: AppState) -> Routes<AppState> {
    Routes::new()
        .add("GET", "/events", get(list_events))
        .add("GET", "/events/{id}", get(get_event))
        .route_layer(middleware::from_fn_with_state(state, require_admin))
}

/// Refuses requests without `Authorization: Bearer <admin token>` (compared in constant time).
pub async fn require_admin(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| ApiError::Unauthorized("send Authorization: Bearer <admin token>".into()))?;
    let matches: bool = token_hash(given.trim())
        .ct_eq(&state.admin_token_hash)
        .into();
    if !matches {
        return Err(ApiError::Unauthorized(
            "the admin token is not valid".into(),
        ));
    }
    Ok(next.run(request).await)
}

/// Query of `GET /api/v1/events`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventQuery {
    pub source: Option<String>,
    pub kind: Option<String>,
    pub entity_key: Option<String>,
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// One page of events, newest first.
#[derive(Debug, Serialize, Deserialize)]
pub struct EventPage {
    pub items: Vec<EventRow>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

async fn list_events(
    State(state): State<AppState>,
    query: Result<Query<EventQuery>, QueryRejection>,
) -> Result<Json<EventPage>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        )));
    }
    if let Some(source) = &query.source
        && !["leaflink", "flourish", "poller", "operator"].contains(&source.as_str())
    {
        return Err(ApiError::BadRequest(format!("unknown source {source:?}")));
    }
    let filter = EventFilter {
        source: query.source,
        kind: query.kind,
        entity_key: query.entity_key,
        status: query.status,
        before_id: query.cursor,
    };
    let mut items = events::list(&state.db.pool, &state.connection, &filter, limit + 1).await?;
    let next_cursor = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|e| e.id.clone())
    } else {
        None
    };
    Ok(Json(EventPage { items, next_cursor }))
}

/// `GET /api/v1/events/{id}`: the event, its envelope, processing detail and every attempt.
#[derive(Debug, Serialize)]
pub struct EventView {
    #[serde(flatten)]
    pub event: EventDetail,
    pub attempts: Vec<Attempt>,
}

async fn get_event(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<EventView>, ApiError> {
    let event = events::get(&state.db.pool, &state.connection, &id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no event {id}")))?;
    let attempts = jobs::attempts_for_event(&state.db.pool, &id).await?;
    Ok(Json(EventView { event, attempts }))
}
