//! The operator API under `/api/v1`, behind `Authorization: Bearer <token>` (the admin token, or
//! a connection token that sees only its connection: see `access`): events and replays,
//! resyncs, jobs, what needs attention, links and stats; tokens for the admin. Shared here: the
//! JSON body and query extractors that name the offending field, and keyset pagination.

pub mod attention;
pub mod connections;
pub mod events;
pub mod jobs;
pub mod links;
pub mod mode;
pub mod notifications;
pub mod resync;
pub mod shadow_report;
pub mod stats;
pub mod tokens;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::middleware;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::routes::Routes;
use super::{ApiError, AppState, access};
use crate::operator::{Operator, OperatorError};
pub use events::{EventPage, EventQuery, EventView};

/// Longest page any list returns.
pub const MAX_LIMIT: i64 = 200;
const DEFAULT_LIMIT: i64 = 50;

pub fn routes(state: AppState) -> Routes<AppState> {
    Routes::new()
        .merge(events::routes())
        .merge(resync::routes())
        .merge(jobs::routes())
        .merge(attention::routes())
        .merge(links::routes())
        .merge(stats::routes())
        .merge(notifications::routes())
        .merge(mode::routes())
        .merge(shadow_report::routes())
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            access::require_operator,
        ))
        .merge(
            tokens::routes()
                .merge(connections::routes())
                .route_layer(middleware::from_fn_with_state(state, access::require_admin)),
        )
}

impl Operator {
    /// The operator functions over the running service's store, ingest path and platforms.
    pub fn from_state(state: &AppState) -> Self {
        Self {
            db: state.db.clone(),
            ingest: state.ingest.clone(),
            processors: state.processors.clone(),
            sync: state.sync.clone(),
            connection: state.connection.clone(),
        }
    }
}

impl From<OperatorError> for ApiError {
    fn from(error: OperatorError) -> Self {
        match error {
            OperatorError::NotFound(m) => Self::NotFound(m),
            OperatorError::Invalid(m) => Self::Unprocessable(m),
            OperatorError::Conflict(m) => Self::Conflict(m),
            OperatorError::Unavailable(m) => Self::Unavailable(m),
            OperatorError::Platform(m) => Self::BadGateway(m),
            OperatorError::Internal(e) => Self::Internal(e),
        }
    }
}

/// Path ids, filters and cursors never hold control characters; one sent percent-encoded
/// (`%00`) answers 400 here instead of reaching the database.
pub(crate) fn refuse_control_characters(uri: &axum::http::Uri) -> Result<(), ApiError> {
    let in_path = encoded_control_byte(uri.path());
    let in_query = uri.query().is_some_and(|query| {
        url::form_urlencoded::parse(query.as_bytes())
            .any(|(name, value)| name.chars().chain(value.chars()).any(char::is_control))
    });
    if in_path || in_query {
        return Err(ApiError::BadRequest(
            "the path or query holds a control character (such as %00); ids, filters and \
             cursors are printable text"
                .into(),
        ));
    }
    Ok(())
}

/// True when `raw` (a request path) percent-encodes a control byte.
fn encoded_control_byte(raw: &str) -> bool {
    raw.as_bytes().windows(3).any(|w| {
        let hex = std::str::from_utf8(&w[1..]).ok();
        w[0] == b'%'
            && hex
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .is_some_and(|b| b < 0x20 || b == 0x7f)
    })
}

/// A JSON body: malformed JSON answers 400, well-formed JSON with a wrong or missing field 422
/// naming the field.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let (parts, body) = request.into_parts();
        let bytes =
            axum::body::Bytes::from_request(Request::from_parts(parts.clone(), body), state)
                .await
                .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        // JSON can only carry NUL escaped; no field of the operator API may hold it.
        if bytes.windows(6).any(|w| w == br"\u0000") {
            return Err(ApiError::BadRequest(
                "the body holds a NUL character (\\u0000), which no field accepts".into(),
            ));
        }
        let request = Request::from_parts(parts, axum::body::Body::from(bytes));
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::Unprocessable(e.body_text())),
            Err(other) => Err(ApiError::BadRequest(other.body_text())),
        }
    }
}

/// A query string; a wrong or unknown parameter answers 400 naming it.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let query = axum::extract::Query::<T>::from_request_parts(parts, state).await;
        query
            .map(|q| Self(q.0))
            .map_err(|e: QueryRejection| ApiError::BadRequest(e.body_text()))
    }
}

/// `limit` and `cursor` of every list.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PageQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The page size asked for, checked against [`MAX_LIMIT`].
pub fn limit(asked: Option<i64>) -> Result<i64, ApiError> {
    let limit = asked.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit: must be between 1 and {MAX_LIMIT}"
        )));
    }
    Ok(limit)
}

/// One page of a list in a stable order.
#[derive(Debug, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Cuts `rows` (fetched with `limit + 1`) to `limit`; the cursor is the last row's key.
    pub fn cut(mut rows: Vec<T>, limit: i64, key: impl Fn(&T) -> String) -> Self {
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = if more { rows.last().map(key) } else { None };
        Self {
            items: rows,
            next_cursor,
        }
    }
}

/// Parses an RFC 3339 time in a query (`since`, `until`) to ms since the epoch.
pub fn parse_time(field: &str, text: Option<&str>) -> Result<Option<i64>, ApiError> {
    text.map(|t| {
        chrono::DateTime::parse_from_rfc3339(t)
            .map(|t| t.timestamp_millis())
            .map_err(|e| ApiError::BadRequest(format!("{field}: not an RFC 3339 time ({e})")))
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_control_bytes_are_found_in_paths() {
        assert!(encoded_control_byte("/api/v1/events/a%00b"));
        assert!(encoded_control_byte("/api/v1/jobs/%0a"));
        assert!(!encoded_control_byte("/api/v1/events/a%20b"));
        assert!(!encoded_control_byte("/api/v1/events/100%"));
    }
}
