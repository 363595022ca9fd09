//! HTTP helpers of the Flourish simulator: the error body, repeated query parameters, the
//! `FacilityID` header, the `x-api-key` check and `{data, meta}` pagination.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use super::Shared;

/// Most rows one page returns.
pub const MAX_LIMIT: usize = 50;

/// An error answer: `{"message": "..."}` with a status.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({"message": self.message}))).into_response()
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)
    }
}

impl std::error::Error for ApiError {}

/// Query parameters in order, names may repeat (`item_id=1&item_id=2`).
#[derive(Clone, Debug, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(uri: &Uri) -> Self {
        let query = uri.query().unwrap_or_default();
        Self(
            url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// The first value of `name`, when present and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn count(&self, name: &str, default: usize) -> Result<usize, ApiError> {
        match self.get(name) {
            None => Ok(default),
            Some(text) => text.parse().map_err(|_| {
                ApiError::bad_request(format!("{name} must be a non-negative integer"))
            }),
        }
    }
}

/// The `FacilityID` header of a facility-scoped call, checked against the known facilities.
pub fn facility_id(shared: &Shared, headers: &HeaderMap) -> Result<String, ApiError> {
    let value = headers
        .get("facilityid")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            ApiError::bad_request("The FacilityID header is required for this request")
        })?;
    if shared.state.lock().facility(value).is_none() {
        return Err(ApiError::not_found(format!("Facility {value} not found")));
    }
    Ok(value.to_owned())
}

/// Middleware: every API call needs the right `x-api-key`.
pub async fn require_api_key(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let given = request
        .headers()
        .get("x-api-key")
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if bool::from(given.ct_eq(shared.api_key.as_bytes())) && !given.is_empty() {
        return next.run(request).await;
    }
    let body = json!({"message": "Invalid or missing API key"});
    (StatusCode::UNAUTHORIZED, Json(body)).into_response()
}

/// One page of `rows` as `{data, meta}`; `meta.next` is the absolute URL of the next page.
pub fn page(
    shared: &Shared,
    uri: &Uri,
    params: &Params,
    rows: Vec<Value>,
) -> Result<Json<Value>, ApiError> {
    let limit = params.count("limit", MAX_LIMIT)?.clamp(1, MAX_LIMIT);
    let offset = params.count("offset", 0)?;
    let total = rows.len();
    let data: Vec<Value> = rows.into_iter().skip(offset).take(limit).collect();
    let next =
        (offset + limit < total).then(|| next_url(shared, uri, params, offset + limit, limit));
    let mut meta = json!({"total": total, "offset": offset, "limit": limit, "next": next});
    if shared.quirks.lock().omit_meta_next
        && let Some(meta) = meta.as_object_mut()
    {
        meta.remove("next");
        meta.remove("total");
    }
    Ok(Json(json!({"data": data, "meta": meta})))
}

fn next_url(shared: &Shared, uri: &Uri, params: &Params, offset: usize, limit: usize) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in &params.0 {
        if name != "offset" && name != "limit" {
            query.append_pair(name, value);
        }
    }
    query.append_pair("limit", &limit.to_string());
    query.append_pair("offset", &offset.to_string());
    format!("{}{}?{}", shared.origin, uri.path(), query.finish())
}

/// `{"data": value}`.
pub fn single(value: Value) -> Json<Value> {
    Json(json!({"data": value}))
}
