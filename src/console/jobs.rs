//! Jobs: pending, running, dead (and done); a dead job can be retried.

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{self, action_button, time};
use super::session::Session;
use super::{HtmlError, back, given};
use crate::http::AppState;
use crate::http::admin::Page;
use crate::http::admin::jobs::{self as api, JobQuery};
use crate::store::job_admin::JobRow;

const STATES: [&str; 4] = ["pending", "running", "dead", "done"];

#[derive(Debug, Default, Deserialize)]
pub struct JobsQuery {
    pub state: Option<String>,
    pub cursor: Option<String>,
    pub notice: Option<String>,
}

/// `GET /console/jobs`.
pub async fn page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(query): Query<JobsQuery>,
) -> Result<Response, HtmlError> {
    let state = session.scope(&state);
    let wanted = given(query.state).unwrap_or_else(|| "pending".into());
    let page = api::list_page(
        &state,
        JobQuery {
            state: Some(wanted.clone()),
            limit: Some(100),
            cursor: given(query.cursor),
        },
    )
    .await?;
    Ok(super::html(layout::page(
        "Jobs",
        "/console/jobs",
        &session,
        query.notice.as_deref(),
        render(&session, &wanted, &page),
    )))
}

/// The jobs of one state.
pub fn render(session: &Session, wanted: &str, page: &Page<JobRow>) -> Markup {
    html! {
        nav aria-label="Job states" {
            @for s in STATES {
                @if s == wanted {
                    strong aria-current="page" { (s) }
                } @else {
                    a href=(format!("/console/jobs?state={s}")) { (s) }
                }
                " "
            }
        }
        @if page.items.is_empty() {
            p { "No " (wanted) " jobs." }
        } @else {
            table {
                thead { tr {
                    th scope="col" { "Created" } th scope="col" { "Kind" } th scope="col" { "Entity" }
                    th scope="col" { "Attempts" } th scope="col" { "Next run / last error" } th scope="col" { span.sr-only { "Actions" } }
                } }
                tbody {
                    @for job in &page.items {
                        tr {
                            td { a href=(format!("/console/events/{}", job.event_id)) { (time(job.created_at)) } }
                            td { (job.kind) }
                            td { code { (job.entity_key) } }
                            td { (job.attempts) }
                            td {
                                @if job.state == "pending" { "runs at " (time(job.run_at)) br; }
                                @if let Some(error) = &job.last_error { span.bad { (error) } }
                            }
                            td { @if job.state == "dead" {
                                (action_button(session, &format!("/console/jobs/{}/retry", job.id), "Retry", &format!("Retry job of {}", job.entity_key)))
                            } }
                        }
                    }
                }
            }
            @if let Some(cursor) = &page.next_cursor {
                p { a href=(format!("/console/jobs?state={wanted}&cursor={}", super::events::urlencode(cursor))) rel="next" { "More →" } }
            }
        }
    }
}

/// `POST /console/jobs/{id}/retry`.
pub async fn retry(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
) -> Result<Response, HtmlError> {
    let state = session.scope(&state);
    let job = api::retry(&state, &id).await?;
    Ok(back(
        "/console/jobs?state=dead",
        &format!("Job for {} is {} again.", job.entity_key, job.state),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dead_jobs_get_a_retry_button_and_others_do_not() {
        let job = |state: &str| JobRow {
            id: format!("j-{state}"),
            event_id: "e".into(),
            kind: "order".into(),
            entity_key: "<k>".into(),
            state: state.into(),
            attempts: 5,
            run_at: 0,
            last_error: Some("HTTP 500 <html>".into()),
            created_at: 0,
            updated_at: 0,
        };
        let page = Page {
            items: vec![job("dead"), job("pending")],
            next_cursor: None,
        };
        let html = render(&Session::admin("c"), "dead", &page).into_string();
        assert!(html.contains("/console/jobs/j-dead/retry"));
        assert!(!html.contains("/console/jobs/j-pending/retry"));
        assert!(html.contains("HTTP 500 &lt;html&gt;") && html.contains("&lt;k&gt;"));
        let empty = Page {
            items: Vec::new(),
            next_cursor: None,
        };
        assert!(
            render(&Session::admin("c"), "running", &empty)
                .into_string()
                .contains("No running jobs.")
        );
    }

    #[test]
    fn every_input_has_a_label() {
        let empty = Page {
            items: Vec::new(),
            next_cursor: None,
        };
        let html = render(&Session::admin("c"), "dead", &empty).into_string();
        crate::console::a11y::assert_labelled(&html);
    }
}
