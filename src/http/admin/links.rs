//! Links: list (by kind and key), one, pin a pair by hand for cases the rules cannot decide,
//! and delete.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use serde::{Deserialize, Serialize};

use super::{Body, Page, Params, limit};
use crate::http::access::Scoped;
use crate::http::routes::Routes;
use crate::http::{ApiError, AppState};
use crate::store::links::{self, Link, LinkKind, NewLink};
use crate::store::now_ms;

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .add("GET", "/links", get(list_links))
        .add("POST", "/links", post(pin_link))
        .add("GET", "/links/{id}", get(get_link))
        .add("DELETE", "/links/{id}", delete(delete_link))
}

/// Query of `GET /api/v1/links`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkQuery {
    pub kind: Option<String>,
    pub key: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// One page of links, in id order.
pub type LinkPage = Page<Link>;

async fn list_links(
    Scoped(state, _): Scoped,
    Params(query): Params<LinkQuery>,
) -> Result<Json<LinkPage>, ApiError> {
    list_page(&state, query).await.map(Json)
}

/// One page of links, as `GET /api/v1/links` answers it.
pub async fn list_page(state: &AppState, query: LinkQuery) -> Result<LinkPage, ApiError> {
    let limit = limit(query.limit)?;
    let kind = match &query.kind {
        None => None,
        Some(text) => Some(LinkKind::parse(text).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "kind: unknown value {text:?} (expected product, item, destination, order or \
                 strain)"
            ))
        })?),
    };
    let rows = links::list(
        &state.db.pool,
        &state.connection,
        kind,
        query.key.as_deref(),
        query.cursor.as_deref(),
        limit + 1,
    )
    .await?;
    Ok(Page::cut(rows, limit, |l| l.id.clone()))
}

async fn get_link(
    Scoped(state, _): Scoped,
    Path(id): Path<String>,
) -> Result<Json<Link>, ApiError> {
    links::by_id(&state.db.pool, &state.connection, &id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no link {id}")))
}

/// `POST /api/v1/links`: a pair pinned by an operator; sync never replaces it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinLink {
    pub kind: LinkKind,
    /// The source-side identity: a SKU, a Flourish item id, a license number, a LeafLink order
    /// number or a strain name.
    pub key: String,
    /// The other side's id: a LeafLink product id, a Flourish destination id, ...
    pub remote_id: String,
    /// Kind-specific detail (orders: `{"facility_id": "..."}`).
    #[serde(default)]
    pub extra: Option<serde_json::Map<String, serde_json::Value>>,
}

async fn pin_link(
    Scoped(state, _): Scoped,
    Body(pin): Body<PinLink>,
) -> Result<(StatusCode, Json<Link>), ApiError> {
    let stored = pin_pair(&state, pin).await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

/// Stores a pair pinned by an operator, as `POST /api/v1/links` does.
pub async fn pin_pair(state: &AppState, pin: PinLink) -> Result<Link, ApiError> {
    let (key, remote_id) = (pin.key.trim(), pin.remote_id.trim());
    if key.is_empty() {
        return Err(ApiError::Unprocessable("key: must not be empty".into()));
    }
    if remote_id.is_empty() {
        return Err(ApiError::Unprocessable(
            "remote_id: must not be empty".into(),
        ));
    }
    let link = NewLink {
        kind: pin.kind,
        key,
        remote_id,
        extra: pin.extra.map(serde_json::Value::Object),
        pinned: true,
    };
    let stored = links::upsert(&state.db.pool, &state.connection, &link, now_ms()).await?;
    tracing::info!(
        link.kind = pin.kind.as_str(),
        link.key = key,
        link.remote_id = remote_id,
        "link pinned by an operator"
    );
    Ok(stored)
}

async fn delete_link(
    Scoped(state, _): Scoped,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    unlink(&state, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes the link `id`, as `DELETE /api/v1/links/{id}` does.
pub async fn unlink(state: &AppState, id: &str) -> Result<(), ApiError> {
    if links::delete(&state.db.pool, &state.connection, id).await? {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!("no link {id}")))
    }
}
