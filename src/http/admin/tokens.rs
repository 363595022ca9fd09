//! Connection tokens, for the admin token only: `POST /tokens` creates one and shows it once,
//! `GET /tokens` lists them (never the token), `DELETE /tokens/{id}` revokes one at once.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use serde::{Deserialize, Serialize};

use super::{Body, Params};
use crate::http::access::{self, CONNECTION_NAME_RULE};
use crate::http::routes::Routes;
use crate::http::{ApiError, AppState};
use crate::store::now_ms;
use crate::store::tokens::{self, TokenRow};

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .add("GET", "/tokens", get(list_tokens))
        .add("POST", "/tokens", post(create_token))
        .add("DELETE", "/tokens/{id}", delete(revoke_token))
}

/// Body of `POST /api/v1/tokens`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// The connection the token sees.
    pub connection: String,
    /// What the token is for (who holds it), shown in lists.
    pub label: String,
}

/// A token just created: the only time `token` is shown.
#[derive(Debug, Serialize, Deserialize)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub row: TokenRow,
    pub token: String,
}

/// Query of `GET /api/v1/tokens`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenQuery {
    pub connection: Option<String>,
}

/// Every token (or one connection's), without the tokens themselves.
#[derive(Debug, Serialize, Deserialize)]
pub struct TokenList {
    pub items: Vec<TokenRow>,
}

async fn create_token(
    State(state): State<AppState>,
    Body(new): Body<NewToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    if !access::valid_connection_name(&new.connection) {
        return Err(ApiError::Unprocessable(format!(
            "connection: {CONNECTION_NAME_RULE}"
        )));
    }
    let label = new.label.trim();
    if label.is_empty() || label.chars().count() > 200 || label.chars().any(char::is_control) {
        return Err(ApiError::Unprocessable(
            "label: 1 to 200 printable characters".into(),
        ));
    }
    let known = state.connections.get(&new.connection).is_some()
        || crate::store::connections::get(&state.db.pool, &new.connection)
            .await?
            .is_some();
    if !known {
        return Err(ApiError::NotFound(format!(
            "no connection {}",
            new.connection
        )));
    }
    let token = access::new_token();
    let row = TokenRow {
        id: uuid::Uuid::now_v7().to_string(),
        connection: new.connection,
        label: label.to_owned(),
        created_at: now_ms(),
    };
    tokens::insert(&state.db.pool, &row, &access::stored_hash(&token)).await?;
    tracing::info!(token_id = %row.id, connection = %row.connection, "connection token created");
    Ok((StatusCode::CREATED, Json(CreatedToken { row, token })))
}

async fn list_tokens(
    State(state): State<AppState>,
    Params(query): Params<TokenQuery>,
) -> Result<Json<TokenList>, ApiError> {
    let items = tokens::list(&state.db.pool, query.connection.as_deref()).await?;
    Ok(Json(TokenList { items }))
}

async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if tokens::delete(&state.db.pool, &id).await? {
        tracing::info!(token_id = %id, "connection token revoked");
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!("no token {id}")))
    }
}
