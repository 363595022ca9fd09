//! Preflight: the readiness report — the same HTML as `leafbridge preflight --format html` —
//! as last run for the connection (stored, with its time), and a button to run it again.
//! Loading the page never runs preflight: a run reads both platforms and takes seconds.

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{self, csrf, duration, time};
use super::session::Session;
use super::{HtmlError, back, not_found};
use crate::http::{ApiError, AppState};
use crate::preflight;
use crate::store::console::{self, StoredReport};
use crate::store::now_ms;

#[derive(Debug, Default, Deserialize)]
pub struct PreflightQuery {
    pub notice: Option<String>,
}

/// `GET /console/preflight`: the last stored report.
pub async fn page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(query): Query<PreflightQuery>,
) -> Result<Response, HtmlError> {
    let state = session.scope(&state);
    let last = console::last_preflight(&state.db.pool, &state.connection).await?;
    let ran_at = last.as_ref().map(|r| r.ran_at);
    Ok(super::html(layout::page(
        "Preflight",
        "/console/preflight",
        &session,
        query.notice.as_deref(),
        render(&session, state.preflight.is_some(), ran_at, now_ms()),
    )))
}

/// The page around the report: when it ran, and the button that runs it again.
pub fn render(session: &Session, configured: bool, ran_at: Option<i64>, now: i64) -> Markup {
    html! {
        p { "Reads both platforms and lists every mismatch that would stop a sync, with the fix and where to make it. A run takes a few seconds." }
        @if configured {
            form.inline method="post" action="/console/preflight" {
                (csrf(session))
                button type="submit" { @if ran_at.is_some() { "Run again" } @else { "Run preflight" } }
            }
        } @else {
            p.warn { "Preflight needs both platforms' API keys: set LEAFBRIDGE_LEAFLINK_API_KEY and LEAFBRIDGE_FLOURISH_API_KEY." }
        }
        @match ran_at {
            Some(at) => {
                p { "Last run " (time(at)) " (" (duration(now - at)) " ago) · "
                    a href="/console/preflight/report" { "open the report on its own" } }
                iframe title="Preflight report" src="/console/preflight/report"
                    style="width:100%;height:70vh;border:1px solid #ccc" {}
            },
            None => { p { "Preflight has not run yet for this connection." } },
        }
    }
}

/// `POST /console/preflight`: runs preflight, stores its report, back to the page.
pub async fn run(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
) -> Result<Response, HtmlError> {
    let state = session.scope(&state);
    let settings = state.preflight.as_deref().ok_or_else(|| {
        ApiError::Conflict(
            "preflight needs LEAFBRIDGE_LEAFLINK_API_KEY and LEAFBRIDGE_FLOURISH_API_KEY".into(),
        )
    })?;
    let report = preflight::build_report(settings).await;
    let html = preflight::html::render(&report);
    console::save_preflight(&state.db.pool, &state.connection, &html, now_ms()).await?;
    Ok(back(
        "/console/preflight",
        "Preflight ran; this is its report.",
    ))
}

/// `GET /console/preflight/report`: the stored report's HTML.
pub async fn report(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
) -> Result<Response, HtmlError> {
    let state = session.scope(&state);
    let StoredReport { html, .. } = console::last_preflight(&state.db.pool, &state.connection)
        .await?
        .ok_or_else(|| not_found("preflight has not run yet for this connection".into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_the_platforms_the_page_says_what_to_set() {
        let html = render(&Session::admin("c"), false, None, 0).into_string();
        assert!(html.contains("LEAFBRIDGE_FLOURISH_API_KEY"));
        assert!(html.contains("has not run yet") && !html.contains("Run"));
    }

    #[test]
    fn the_last_report_shows_with_its_time_and_a_run_again_button() {
        let html = render(&Session::admin("c"), true, Some(0), 90_000).into_string();
        assert!(html.contains("1970-01-01 00:00:00 UTC") && html.contains("1 min 30 s ago"));
        assert!(html.contains("Run again") && html.contains("name=\"csrf\" value=\"c\""));
        assert!(html.contains("iframe"));
        let first = render(&Session::admin("c"), true, None, 0).into_string();
        assert!(first.contains("Run preflight") && !first.contains("iframe"));
    }

    #[test]
    fn every_input_has_a_label() {
        let html = render(&Session::admin("c"), true, Some(0), 1).into_string();
        crate::console::a11y::assert_labelled(&html);
    }
}
