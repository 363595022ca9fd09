//! Operations endpoints: liveness, readiness (database reachable, migrations applied, writer and
//! workers running) and Prometheus metrics.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::json;

use super::routes::Routes;
use super::{ApiError, AppState};
use crate::store::{jobs, now_ms};

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .add("GET", "/healthz", get(healthz))
        .add("GET", "/readyz", get(readyz))
        .add("GET", "/metrics", get(metrics))
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

/// Ready when the database answers with every migration applied and the supervised tasks (the
/// group-commit writer, the worker slots) are running: not while one of them is restarting.
async fn readyz(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    if !state.db.is_ready().await {
        return Err(ApiError::Unavailable(
            "database unreachable or migrations not applied".into(),
        ));
    }
    if let Some(down) = state.metrics.tasks_down() {
        return Err(ApiError::Unavailable(down));
    }
    Ok(Json(json!({"status": "ready"})))
}

async fn metrics(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let queue = jobs::stats(&state.db.pool, now_ms()).await?;
    let text = state.metrics.render(&queue);
    Ok((
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    ))
}
