//! `GET /api/v1/attention` (what needs a person, with the fix) and
//! `POST /api/v1/attention/{id}/retry` (after the fix).

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::{get, post};

use super::{PageQuery, Params, limit};
use crate::http::access::Scoped;
use crate::http::routes::Routes;
use crate::http::{ApiError, AppState};
use crate::operator::Operator;
use crate::operator::attention::AttentionPage;
use crate::operator::replay::Replayed;

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .add("GET", "/attention", get(list_attention))
        .add("POST", "/attention/{id}/retry", post(retry_attention))
}

async fn list_attention(
    Scoped(state, _): Scoped,
    Params(query): Params<PageQuery>,
) -> Result<Json<AttentionPage>, ApiError> {
    let limit = limit(query.limit)?;
    let page = Operator::from_state(&state)
        .attention(query.cursor.as_deref(), limit)
        .await?;
    Ok(Json(page))
}

async fn retry_attention(
    Scoped(state, _): Scoped,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Replayed>), ApiError> {
    let replayed = Operator::from_state(&state).retry_attention(&id).await?;
    Ok((StatusCode::ACCEPTED, Json(replayed)))
}
