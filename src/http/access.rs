//! Who a bearer is and what it may see: the admin token sees every connection; a
//! connection-scoped token (stored as its SHA-256) sees only its own. [`authorize`] is the one
//! decision, shared by the operator API and anything else that signs operators in.
//!
//! The connection a request works on is the scoped token's own, or for the admin token the
//! `Leafbridge-Connection` header (the process's connection when absent). A scoped token naming
//! another connection gets 404, as for any of that connection's ids.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{ApiError, AppState, token_hash};
use crate::store::tokens;

/// The header with which the admin token picks the connection it works on.
pub const CONNECTION_HEADER: &str = "leafbridge-connection";
/// Scoped tokens start with this, so a leaked one is recognisable.
pub const TOKEN_PREFIX: &str = "lbt_";

/// Who the bearer is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// The admin token: every connection, and token management.
    Admin,
    /// A connection-scoped token.
    Connection {
        token_id: String,
        connection: String,
    },
}

/// Who the bearer is and which connection this request works on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub access: Access,
    pub connection: String,
}

impl Grant {
    pub fn is_admin(&self) -> bool {
        self.access == Access::Admin
    }
}

/// A fresh scoped token: the prefix and 32 random bytes in hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

/// The stored form of a scoped token: hex SHA-256.
pub fn stored_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Who `token` is: the admin, a scoped token's connection, or 401.
pub async fn identify(state: &AppState, token: &str) -> Result<Access, ApiError> {
    let token = token.trim();
    let admin: bool = token_hash(token).ct_eq(&state.admin_token_hash).into();
    if admin {
        return Ok(Access::Admin);
    }
    if token.starts_with(TOKEN_PREFIX)
        && let Some(row) = tokens::by_hash(&state.db.pool, &stored_hash(token)).await?
    {
        return Ok(Access::Connection {
            token_id: row.id,
            connection: row.connection,
        });
    }
    Err(ApiError::Unauthorized(
        "the token is not valid (neither the admin token nor a current connection token)".into(),
    ))
}

/// The one decision: the bearer of `headers` and the connection it works on, or why not
/// (401 without a valid token, 404 for a connection a scoped token does not own, 400 for a
/// malformed connection name).
pub async fn authorize(state: &AppState, headers: &HeaderMap) -> Result<Grant, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token)
        .ok_or_else(|| ApiError::Unauthorized("send Authorization: Bearer <token>".into()))?;
    let access = identify(state, token).await?;
    let asked = headers
        .get(CONNECTION_HEADER)
        .map(|v| {
            v.to_str()
                .ok()
                .filter(|name| valid_connection_name(name))
                .map(str::to_owned)
                .ok_or_else(|| {
                    ApiError::BadRequest(format!("{CONNECTION_HEADER}: {}", CONNECTION_NAME_RULE))
                })
        })
        .transpose()?;
    let connection = match (&access, asked) {
        (Access::Admin, asked) => asked.unwrap_or_else(|| state.connection.clone()),
        (Access::Connection { connection, .. }, None) => connection.clone(),
        (Access::Connection { connection, .. }, Some(asked)) if asked == *connection => asked,
        (Access::Connection { .. }, Some(asked)) => {
            return Err(ApiError::NotFound(format!("no connection {asked}")));
        }
    };
    Ok(Grant { access, connection })
}

/// What a connection name may be.
pub const CONNECTION_NAME_RULE: &str =
    "a connection name is 1 to 64 lower-case letters, digits, '-' or '_'";

pub fn valid_connection_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// The credentials of `Authorization: Bearer <token>`; the scheme name is case-insensitive
/// (RFC 9110, section 11.1).
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim_start().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token)
}

/// Middleware of the operator API: any valid token; the [`Grant`] goes into the request.
pub async fn require_operator(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let grant = authorize(&state, request.headers()).await?;
    super::admin::refuse_control_characters(request.uri())?;
    request.extensions_mut().insert(grant);
    Ok(next.run(request).await)
}

/// Middleware of what only the admin token may do (token management); a scoped token gets 403.
pub async fn require_admin(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let grant = authorize(&state, request.headers()).await?;
    if !grant.is_admin() {
        return Err(ApiError::Forbidden(
            "only the admin token may do this; a connection token may not".into(),
        ));
    }
    super::admin::refuse_control_characters(request.uri())?;
    request.extensions_mut().insert(grant);
    Ok(next.run(request).await)
}

/// The application state narrowed to the request's connection: handlers take this instead of
/// `State<AppState>` and never see another connection's rows.
pub struct Scoped(pub AppState, pub Grant);

impl FromRequestParts<AppState> for Scoped {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let grant = match parts.extensions.get::<Grant>() {
            Some(grant) => grant.clone(),
            None => authorize(state, &parts.headers).await?,
        };
        Ok(Self(state.for_connection(&grant.connection), grant))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        for value in ["Bearer tok", "bearer tok", "BEARER tok", "bEaReR tok"] {
            assert_eq!(bearer_token(value), Some("tok"), "{value}");
        }
        assert_eq!(bearer_token("Basic tok"), None);
        assert_eq!(bearer_token("Bearertok"), None);
    }

    #[test]
    fn tokens_are_long_random_and_stored_as_their_hash() {
        let (one, two) = (new_token(), new_token());
        assert_ne!(one, two);
        assert!(one.starts_with(TOKEN_PREFIX) && one.len() == TOKEN_PREFIX.len() + 64);
        assert_eq!(stored_hash(&one).len(), 64);
        assert!(!stored_hash(&one).contains(&one[TOKEN_PREFIX.len()..]));
    }

    #[test]
    fn connection_names_are_checked() {
        assert!(valid_connection_name("default"));
        assert!(valid_connection_name("brand-b_2"));
        assert!(!valid_connection_name(""));
        assert!(!valid_connection_name("Brand"));
        assert!(!valid_connection_name("a b"));
        assert!(!valid_connection_name(&"a".repeat(65)));
    }
}
