//! Preflight: the readiness report — the same HTML as `leafbridge preflight --format html` —
//! shown in the console and run again on demand.

use axum::Extension;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use super::HtmlError;
use super::layout;
use super::session::Session;
use crate::http::{ApiError, AppState};
use crate::preflight;

/// `GET /console/preflight`.
pub async fn page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
) -> Response {
    super::html(layout::page(
        "Preflight",
        "/console/preflight",
        &session,
        None,
        render(state.preflight.is_some()),
    ))
}

/// The page around the report.
pub fn render(configured: bool) -> Markup {
    html! {
        @if configured {
            p { "Reads both platforms and lists every mismatch that would stop a sync, with the fix and where to make it. Running it takes a few seconds." }
            p {
                a href="/console/preflight/report" target="preflight-report" { "Run preflight again" }
                " · "
                a href="/console/preflight/report" { "Open the report on its own" }
            }
            iframe name="preflight-report" title="Preflight report" src="/console/preflight/report"
                style="width:100%;height:70vh;border:1px solid #ccc" {}
        } @else {
            p.warn { "Preflight needs both platforms' API keys: set LEAFBRIDGE_LEAFLINK_API_KEY and LEAFBRIDGE_FLOURISH_API_KEY." }
        }
    }
}

/// `GET /console/preflight/report`: runs preflight and answers its HTML report.
pub async fn report(State(state): State<AppState>) -> Result<Response, HtmlError> {
    let settings = state.preflight.as_deref().ok_or_else(|| {
        ApiError::Conflict(
            "preflight needs LEAFBRIDGE_LEAFLINK_API_KEY and LEAFBRIDGE_FLOURISH_API_KEY".into(),
        )
    })?;
    let report = preflight::build_report(settings).await;
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        preflight::html::render(&report),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn without_the_platforms_the_page_says_what_to_set() {
        assert!(
            super::render(false)
                .into_string()
                .contains("LEAFBRIDGE_FLOURISH_API_KEY")
        );
        assert!(super::render(true).into_string().contains("iframe"));
    }
}
