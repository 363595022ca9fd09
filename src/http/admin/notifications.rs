//! A connection's notification channels (the admin token or the connection's own token):
//! `GET/POST /notifications/channels`, `DELETE /notifications/channels/{id}`. Secrets are
//! sealed before they are stored and never shown again, only their fingerprint.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use serde::{Deserialize, Serialize};

use super::Body;
use crate::http::access::Scoped;
use crate::http::routes::Routes;
use crate::http::{ApiError, AppState};
use crate::notify::channel::{self, ChannelError, ChannelView, NewChannel};
use crate::store::{notify, now_ms};

/// Most channels one connection may have.
const MOST_CHANNELS: usize = 20;

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .add("GET", "/notifications/channels", get(list_channels))
        .add("POST", "/notifications/channels", post(add_channel))
        .add(
            "DELETE",
            "/notifications/channels/{id}",
            delete(remove_channel),
        )
}

/// The connection's channels.
#[derive(Debug, Serialize, Deserialize)]
pub struct ChannelList {
    pub items: Vec<ChannelView>,
}

async fn list_channels(Scoped(state, _): Scoped) -> Result<Json<ChannelList>, ApiError> {
    let rows = notify::channels(&state.db.pool, &state.connection).await?;
    let items = rows
        .iter()
        .map(ChannelView::from_row)
        .collect::<anyhow::Result<_>>()?;
    Ok(Json(ChannelList { items }))
}

async fn add_channel(
    Scoped(state, _): Scoped,
    Body(new): Body<NewChannel>,
) -> Result<(StatusCode, Json<ChannelView>), ApiError> {
    let refused = |error: ChannelError| match error {
        ChannelError::Invalid(text) => ApiError::Unprocessable(text),
        // The service's setup, not the request, has to change.
        ChannelError::Secret(error) => ApiError::Conflict(error.to_string()),
    };
    let (settings, secret) = channel::validate(new).map_err(refused)?;
    let existing = notify::channels(&state.db.pool, &state.connection).await?;
    if existing.len() >= MOST_CHANNELS {
        return Err(ApiError::Conflict(format!(
            "connection {} already has {MOST_CHANNELS} channels; remove one first",
            state.connection
        )));
    }
    let row = channel::to_row(
        &state.sealer,
        uuid::Uuid::now_v7().to_string(),
        &state.connection,
        &settings,
        secret.as_deref(),
        now_ms(),
    )
    .map_err(refused)?;
    notify::insert_channel(&state.db.pool, &row).await?;
    Ok((StatusCode::CREATED, Json(ChannelView::from_row(&row)?)))
}

async fn remove_channel(
    Scoped(state, _): Scoped,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if notify::delete_channel(&state.db.pool, &state.connection, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!("no channel {id}")))
    }
}
