//! The event log: list with filters, one event with its attempts, and replays (one event, or
//! every event matching a filter).

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use super::{Body, Page, Params, limit, parse_time};
use crate::http::access::Scoped;
use crate::http::routes::Routes;
use crate::http::{ApiError, AppState};
use crate::operator::replay::{ReplayFilter, ReplayReport, Replayed};
use crate::operator::{NoProgress, Operator};
use crate::store::events::{self, EventDetail, EventFilter, EventRow};
use crate::store::jobs::{self, Attempt};

const SOURCES: [&str; 5] = ["leaflink", "flourish", "poller", "operator", "notifier"];
const STATUSES: [&str; 5] = ["pending", "retrying", "done", "dead", "ignored"];
const OUTCOMES: [&str; 7] = [
    "synced",
    "unchanged",
    "ignored",
    "held",
    "needs_attention",
    "failed",
    "shadowed",
];

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .add("GET", "/events", get(list_events))
        .add("POST", "/events/replay", post(replay_matching))
        .add("GET", "/events/{id}", get(get_event))
        .add("POST", "/events/{id}/replay", post(replay_event))
}

/// Query of `GET /api/v1/events`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventQuery {
    pub source: Option<String>,
    pub kind: Option<String>,
    pub entity_key: Option<String>,
    pub status: Option<String>,
    pub outcome: Option<String>,
    /// Received at or after (RFC 3339).
    pub since: Option<String>,
    /// Received before (RFC 3339).
    pub until: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// One page of events, newest first.
pub type EventPage = Page<EventRow>;

fn one_of(field: &str, value: &Option<String>, allowed: &[&str]) -> Result<(), ApiError> {
    match value {
        Some(v) if !allowed.contains(&v.as_str()) => Err(ApiError::BadRequest(format!(
            "{field}: unknown value {v:?} (expected one of {})",
            allowed.join(", ")
        ))),
        _ => Ok(()),
    }
}

async fn list_events(
    Scoped(state, _): Scoped,
    Params(query): Params<EventQuery>,
) -> Result<Json<EventPage>, ApiError> {
    list_page(&state, query).await.map(Json)
}

/// One page of the event log, as `GET /api/v1/events` answers it.
pub async fn list_page(state: &AppState, query: EventQuery) -> Result<EventPage, ApiError> {
    let limit = limit(query.limit)?;
    one_of("source", &query.source, &SOURCES)?;
    one_of("status", &query.status, &STATUSES)?;
    one_of("outcome", &query.outcome, &OUTCOMES)?;
    let filter = EventFilter {
        received_from: parse_time("since", query.since.as_deref())?,
        received_before: parse_time("until", query.until.as_deref())?,
        source: query.source,
        kind: query.kind,
        entity_key: query.entity_key,
        status: query.status,
        outcome: query.outcome,
        before_id: query.cursor,
    };
    let items = events::list(&state.db.pool, &state.connection, &filter, limit + 1).await?;
    Ok(Page::cut(items, limit, |e| e.id.clone()))
}

/// `GET /api/v1/events/{id}`: the event, its envelope, processing detail and every attempt.
#[derive(Debug, Serialize, Deserialize)]
pub struct EventView {
    #[serde(flatten)]
    pub event: EventDetail,
    pub attempts: Vec<Attempt>,
}

async fn get_event(
    Scoped(state, _): Scoped,
    Path(id): Path<String>,
) -> Result<Json<EventView>, ApiError> {
    view(&state, &id).await.map(Json)
}

/// One event with its attempts, as `GET /api/v1/events/{id}` answers it.
pub async fn view(state: &AppState, id: &str) -> Result<EventView, ApiError> {
    let event = events::get(&state.db.pool, &state.connection, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no event {id}")))?;
    let attempts = jobs::attempts_for_event(&state.db.pool, id).await?;
    Ok(EventView { event, attempts })
}

async fn replay_event(
    Scoped(state, _): Scoped,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Replayed>), ApiError> {
    let replayed = Operator::from_state(&state).replay_event(&id).await?;
    Ok((StatusCode::ACCEPTED, Json(replayed)))
}

async fn replay_matching(
    Scoped(state, _): Scoped,
    Body(filter): Body<ReplayFilter>,
) -> Result<(StatusCode, Json<ReplayReport>), ApiError> {
    for (field, value, allowed) in [
        ("source", &filter.source, &SOURCES[..]),
        ("status", &filter.status, &STATUSES[..]),
        ("outcome", &filter.outcome, &OUTCOMES[..]),
    ] {
        one_of(field, value, allowed).map_err(|e| ApiError::Unprocessable(e.to_string()))?;
    }
    let report = Operator::from_state(&state)
        .replay_matching(&filter, &NoProgress)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(report)))
}
