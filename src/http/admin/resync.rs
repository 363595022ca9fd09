//! `POST /api/v1/resync` (enqueue or dry-run) and `GET /api/v1/resyncs/{id}` (progress).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};

use super::Body;
use crate::http::routes::Routes;
use crate::http::{ApiError, AppState};
use crate::operator::resync::{ResyncRequest, ResyncResponse};
use crate::operator::{NoProgress, Operator};
use crate::store::resyncs::{self, ResyncView};

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .add("POST", "/resync", post(resync))
        .add("GET", "/resyncs/{id}", get(get_resync))
}

/// 202 with the resync id and job count, or 200 with the plans of a dry run.
async fn resync(
    State(state): State<AppState>,
    Body(request): Body<ResyncRequest>,
) -> Result<(StatusCode, Json<ResyncResponse>), ApiError> {
    let answer = Operator::from_state(&state)
        .resync(&request, &NoProgress)
        .await?;
    let status = match answer {
        ResyncResponse::DryRun(_) => StatusCode::OK,
        ResyncResponse::Accepted(_) => StatusCode::ACCEPTED,
    };
    Ok((status, Json(answer)))
}

async fn get_resync(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ResyncView>, ApiError> {
    resyncs::get(&state.db.pool, &state.connection, &id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no resync {id}")))
}
