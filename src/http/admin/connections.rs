//! Connections, for the admin token only: `GET/POST /connections`, `GET/PATCH/DELETE
//! /connections/{name}`. Stored connections start, restart and stop at once; the environment's
//! and the file's are listed read-only (409 on a write). Secrets are taken on write, sealed,
//! and shown only by their fingerprints.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, patch, post};
use serde::{Deserialize, Serialize};

use super::Body;
use crate::connections::manage::{
    self, ConnectionPatch, ConnectionView, ManageError, NewConnection,
};
use crate::connections::vault::VaultError;
use crate::http::routes::Routes;
use crate::http::{ApiError, AppState};

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .add("GET", "/connections", get(list))
        .add("POST", "/connections", post(add))
        .add("GET", "/connections/{name}", get(show))
        .add("PATCH", "/connections/{name}", patch(update))
        .add("DELETE", "/connections/{name}", delete(remove))
}

/// Every connection.
#[derive(Debug, Serialize, Deserialize)]
pub struct ConnectionList {
    pub items: Vec<ConnectionView>,
}

impl From<ManageError> for ApiError {
    fn from(error: ManageError) -> Self {
        match error {
            ManageError::NotFound(_) => Self::NotFound(error.to_string()),
            ManageError::ReadOnly(..) | ManageError::Exists(_) => Self::Conflict(error.to_string()),
            ManageError::Invalid(message) => Self::Unprocessable(message),
            ManageError::Vault(VaultError::NoKey) => Self::Conflict(error.to_string()),
            ManageError::Vault(VaultError::TooLong) => Self::Unprocessable(error.to_string()),
            ManageError::Vault(_) => Self::Conflict(error.to_string()),
            ManageError::Database(error) => error.into(),
        }
    }
}

async fn list(State(state): State<AppState>) -> Result<Json<ConnectionList>, ApiError> {
    let items = manage::list(&state.db, &state.connections.declared()).await?;
    Ok(Json(ConnectionList { items }))
}

async fn show(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<ConnectionView>, ApiError> {
    Ok(Json(
        manage::show(&state.db, &state.connections.declared(), &name).await?,
    ))
}

async fn add(
    State(state): State<AppState>,
    Body(new): Body<NewConnection>,
) -> Result<(StatusCode, Json<ConnectionView>), ApiError> {
    let registry = &state.connections;
    let view = manage::add(&state.db, registry.vault(), &registry.declared(), new).await?;
    registry.refresh().await?;
    tracing::info!(connection = %view.name, "connection added");
    Ok((StatusCode::CREATED, Json(view)))
}

async fn update(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Body(patch): Body<ConnectionPatch>,
) -> Result<Json<ConnectionView>, ApiError> {
    let registry = &state.connections;
    let declared = registry.declared();
    let view = manage::update(&state.db, registry.vault(), &declared, &name, patch).await?;
    registry.refresh().await?;
    tracing::info!(connection = %name, "connection updated");
    Ok(Json(view))
}

async fn remove(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    let registry = &state.connections;
    manage::remove(&state.db, &registry.declared(), &name).await?;
    registry.refresh().await?;
    tracing::info!(connection = %name, "connection removed; its history is kept");
    Ok(StatusCode::NO_CONTENT)
}
