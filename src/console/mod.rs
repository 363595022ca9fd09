//! The operator console under `/console/`: server-rendered pages (maud templates, checked at
//! compile time) and plain forms over the same operator functions the REST API calls.

#[cfg(test)]
mod a11y;
pub mod attention;
pub mod chart;
pub mod connections;
pub mod events;
pub mod jobs;
pub mod layout;
pub mod links;
pub mod overview;
pub mod preflight;
pub mod records;
pub mod resync;
pub mod session;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{any, get, post};

use crate::http::{ApiError, AppState};
use crate::operator::OperatorError;

/// Every console route; pages behind [`session::guard`], sign-in and its link outside it.
pub fn router(state: AppState) -> Router<AppState> {
    let pages = Router::new()
        .route("/console/", get(overview::page))
        .route("/console/attention", get(attention::page))
        .route("/console/attention/{id}/retry", post(attention::retry_one))
        .route(
            "/console/attention/retry-group",
            post(attention::retry_group),
        )
        .route("/console/events", get(events::list))
        .route("/console/events/{id}", get(events::detail))
        .route("/console/events/{id}/replay", post(events::replay))
        .route("/console/orders", get(records::orders))
        .route("/console/products", get(records::products))
        .route("/console/jobs", get(jobs::page))
        .route("/console/jobs/{id}/retry", post(jobs::retry))
        .route("/console/links", get(links::page).post(links::pin))
        .route("/console/links/{id}/unlink", post(links::unlink))
        .route("/console/resync", get(resync::form).post(resync::confirm))
        .route("/console/resync/plan", post(resync::plan))
        .route("/console/resync/{id}", get(resync::progress))
        .route(
            "/console/preflight",
            get(preflight::page).post(preflight::run),
        )
        .route("/console/preflight/report", get(preflight::report))
        .route("/console/connections", get(connections::page))
        .route("/console/sign-out", post(session::sign_out))
        .route_layer(middleware::from_fn_with_state(state, session::guard));
    let open = Router::new()
        .route(
            "/console/sign-in",
            get(session::sign_in_form).post(session::sign_in),
        )
        .route("/console/sign-in/link", get(session::sign_in_link))
        .route(
            "/console",
            get(|| async { Redirect::permanent("/console/") }),
        )
        .route(
            "/console/{*rest}",
            any(|| async { HtmlError(ApiError::NotFound("no such console page".into())) }),
        );
    pages.merge(open)
}

/// An [`ApiError`] answered as an HTML page (same status, same message) to a person.
#[derive(Debug)]
pub struct HtmlError(pub ApiError);

impl From<ApiError> for HtmlError {
    fn from(error: ApiError) -> Self {
        Self(error)
    }
}

impl From<OperatorError> for HtmlError {
    fn from(error: OperatorError) -> Self {
        Self(error.into())
    }
}

impl From<sqlx::Error> for HtmlError {
    fn from(error: sqlx::Error) -> Self {
        Self(error.into())
    }
}

impl IntoResponse for HtmlError {
    fn into_response(self) -> Response {
        let (status, code) = self.0.parts();
        let message = match &self.0 {
            ApiError::Internal(error) => {
                tracing::error!(error = %error, "console request failed");
                "an internal error occurred; the service log has the details".to_owned()
            }
            other => other.to_string(),
        };
        let body = layout::error_page(status, code, &message);
        (status, [(header::CACHE_CONTROL, "no-store")], body).into_response()
    }
}

/// After an action: back to `to` with a notice the page shows (303, so a reload does not post
/// again).
pub fn back(to: &str, notice: &str) -> Response {
    let sep = if to.contains('?') { '&' } else { '?' };
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("notice", notice)
        .finish();
    Redirect::to(&format!("{to}{sep}{query}")).into_response()
}

/// A form or query field: `None` when absent or blank.
pub fn given(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Status for a page that could not be found.
pub fn not_found(what: String) -> HtmlError {
    HtmlError(ApiError::NotFound(what))
}

/// 200 with the markup, never cached (pages show live state and carry CSRF tokens).
pub fn html(markup: maud::Markup) -> Response {
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        markup,
    )
        .into_response()
}
