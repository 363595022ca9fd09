//! `POST /api/v1/resync` (enqueue or dry-run) and `GET /api/v1/resyncs/{id}` (progress).

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::{get, post};

use super::Body;
use crate::envelope;
use crate::http::access::Scoped;
use crate::http::routes::Routes;
use crate::http::{ApiError, AppState};
use crate::operator::resync::{ResyncKind, ResyncRequest, ResyncResponse};
use crate::operator::{NoProgress, Operator};
use crate::store::resyncs::{self, ResyncView};

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .add("POST", "/resync", post(resync))
        .add("GET", "/resyncs/{id}", get(get_resync))
}

/// 202 with the resync id and job count, or 200 with the plans of a dry run.
async fn resync(
    Scoped(state, _): Scoped,
    Body(request): Body<ResyncRequest>,
) -> Result<(StatusCode, Json<ResyncResponse>), ApiError> {
    let answer = start(&state, &request).await?;
    let status = match answer {
        ResyncResponse::DryRun(_) => StatusCode::OK,
        ResyncResponse::Accepted(_) => StatusCode::ACCEPTED,
    };
    Ok((status, Json(answer)))
}

/// Checks the request's ids, then enqueues or dry-runs it, as `POST /api/v1/resync` does.
pub async fn start(state: &AppState, request: &ResyncRequest) -> Result<ResyncResponse, ApiError> {
    check_ids(request)?;
    let answer = Operator::from_state(state)
        .resync(request, &NoProgress)
        .await?;
    Ok(answer)
}

/// The ids a resync names follow the webhooks' rules: printable, at most 255 bytes, and LeafLink
/// order numbers shaped like one.
fn check_ids(request: &ResyncRequest) -> Result<(), ApiError> {
    for id in request.ids.iter().flatten() {
        let text = id.text();
        envelope::check_identifier("ids: an id", &text)
            .and_then(|()| match request.kind {
                ResyncKind::Orders => envelope::check_order_number(&text),
                _ => Ok(()),
            })
            .map_err(|error| ApiError::BadRequest(error.to_string()))?;
    }
    Ok(())
}

async fn get_resync(
    Scoped(state, _): Scoped,
    Path(id): Path<String>,
) -> Result<Json<ResyncView>, ApiError> {
    resyncs::get(&state.db.pool, &state.connection, &id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no resync {id}")))
}
