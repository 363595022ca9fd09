//! `GET /api/v1/mode` and `PUT /api/v1/mode`: the connection's mode, shadow (plan, record,
//! write nothing) or live. A switch applies at once to every job and client of the process and
//! is stored, so it survives restarts. `POST /api/v1/cutover`: the first live pass (create, adopt
//! what staff keyed by hand, update, leave alone), or its dry run, then the switch to live.

use axum::Json;
use axum::routing::{get, post, put};
use serde::{Deserialize, Serialize};

use super::Body;
use crate::http::access::Scoped;
use crate::http::routes::Routes;
use crate::http::{ApiError, AppState};
use crate::operator::cutover::CutoverReport;
use crate::operator::{NoProgress, Operator};
use crate::remote::Mode;
use crate::store::{modes, now_ms};

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .add("GET", "/mode", get(get_mode))
        .add("PUT", "/mode", put(put_mode))
        .add("POST", "/cutover", post(cutover))
}

/// The mode of a connection.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ModeView {
    pub connection: String,
    pub mode: Mode,
}

/// Body of `PUT /api/v1/mode`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModeRequest {
    pub mode: Mode,
}

async fn get_mode(Scoped(state, _): Scoped) -> Result<Json<ModeView>, ApiError> {
    let sync = running(&state)?;
    Ok(Json(ModeView {
        connection: state.connection.clone(),
        mode: sync.mode.get(),
    }))
}

async fn put_mode(
    Scoped(state, _): Scoped,
    Body(request): Body<ModeRequest>,
) -> Result<Json<ModeView>, ApiError> {
    let sync = running(&state)?;
    switch(&state, request.mode).await?;
    tracing::info!(connection = %state.connection, mode = %request.mode, "mode switched");
    Ok(Json(ModeView {
        connection: state.connection.clone(),
        mode: sync.mode.get(),
    }))
}

/// Body of `POST /api/v1/cutover`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CutoverRequest {
    #[serde(default)]
    pub dry_run: bool,
}

/// The first live pass (or its plan, with `dry_run`), then the switch to live.
async fn cutover(
    Scoped(state, _): Scoped,
    Body(request): Body<CutoverRequest>,
) -> Result<Json<CutoverReport>, ApiError> {
    let report = Operator::from_state(&state)
        .cutover(request.dry_run, &NoProgress)
        .await?;
    Ok(Json(report))
}

/// Stores `mode` for the request's connection and applies it at once.
pub async fn switch(state: &AppState, mode: Mode) -> Result<(), ApiError> {
    let sync = running(state)?;
    modes::set(&state.db.pool, &state.connection, mode.as_str(), now_ms()).await?;
    sync.mode.set(mode);
    Ok(())
}

fn running(state: &AppState) -> Result<&std::sync::Arc<crate::sync::SyncContext>, ApiError> {
    state.sync.as_ref().ok_or_else(|| {
        ApiError::Conflict(
            "this process does not run this connection's flows (both platform API keys must be \
             set)"
                .into(),
        )
    })
}
