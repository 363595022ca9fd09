//! Resync: choose kind and ids or since; a dry run first shows the plans, the operator
//! confirms, then the resync's progress (the page reloads itself until it finishes).

use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{self, csrf, time};
use super::session::Session;
use super::{HtmlError, given, not_found};
use crate::http::admin::resync as api;
use crate::http::{ApiError, AppState};
use crate::operator::resync::{DryRunReport, EntityId, ResyncKind, ResyncRequest, ResyncResponse};
use crate::store::resyncs::{self, ResyncView};

const KINDS: [(&str, &str); 5] = [
    ("orders", "LeafLink orders (by order number)"),
    ("items", "Flourish items (by item id or SKU)"),
    ("inventory", "Flourish stock (by SKU)"),
    ("customers", "LeafLink customers (by license number)"),
    ("all", "Everything the platforms list"),
];

/// The resync form's fields, also carried by the confirm form.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ResyncForm {
    pub kind: Option<String>,
    /// One id per line, or separated by commas.
    pub ids: Option<String>,
    /// RFC 3339, or a `datetime-local` value taken as UTC.
    pub since: Option<String>,
}

impl ResyncForm {
    /// The API request this form stands for.
    pub fn request(&self, dry_run: bool) -> Result<ResyncRequest, ApiError> {
        let kind_text = given(self.kind.clone()).unwrap_or_default();
        let kind: ResyncKind = serde_json::from_value(serde_json::Value::String(kind_text.clone()))
            .map_err(|_| ApiError::Unprocessable(format!("kind: unknown value {kind_text:?}")))?;
        let ids: Vec<EntityId> = self
            .ids
            .as_deref()
            .unwrap_or("")
            .split([',', '\n'])
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(|id| EntityId::Text(id.to_owned()))
            .collect();
        let since = match given(self.since.clone()) {
            None => None,
            Some(text) => Some(
                chrono::DateTime::parse_from_rfc3339(&text)
                    .or_else(|_| {
                        chrono::NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M")
                            .map(|t| t.and_utc().fixed_offset())
                    })
                    .map_err(|_| {
                        ApiError::Unprocessable(format!("since: not a date and time: {text:?}"))
                    })?,
            ),
        };
        Ok(ResyncRequest {
            kind,
            ids: (!ids.is_empty()).then_some(ids),
            since,
            dry_run,
        })
    }
}

/// `GET /console/resync`.
pub async fn form(Extension(session): Extension<Session>) -> Response {
    super::html(layout::page(
        "Resync",
        "/console/resync",
        &session,
        None,
        render_form(&session, &ResyncForm::default()),
    ))
}

/// The form that asks for a dry run.
pub fn render_form(session: &Session, form: &ResyncForm) -> Markup {
    html! {
        p { "A resync makes the jobs webhooks would have made. A dry run comes first: it reads both platforms and shows what would be written, without writing." }
        form.stack method="post" action="/console/resync/plan" {
            (csrf(session))
            label for="kind" { "What to resync" }
            select id="kind" name="kind" {
                @for (value, label) in KINDS {
                    option value=(value) selected[form.kind.as_deref() == Some(value)] { (label) }
                }
            }
            label for="ids" { "Ids (one per line or comma-separated; leave empty to list from the platforms)" }
            textarea id="ids" name="ids" rows="4" { (form.ids.clone().unwrap_or_default()) }
            label for="since" { "Or only what changed since (UTC)" }
            input id="since" name="since" type="datetime-local" value=(form.since.clone().unwrap_or_default());
            button type="submit" { "Dry run" }
        }
    }
}

/// `POST /console/resync/plan`: the dry run and a confirm button.
pub async fn plan(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Form(form): Form<ResyncForm>,
) -> Result<Response, HtmlError> {
    let state = session.scope(&state);
    let answer = api::start(&state, &form.request(true)?).await?;
    let ResyncResponse::DryRun(report) = answer else {
        return Err(HtmlError(ApiError::Conflict(
            "the dry run was carried out as a resync".into(),
        )));
    };
    Ok(super::html(layout::page(
        "Resync: dry run",
        "/console/resync",
        &session,
        None,
        render_plan(&session, &form, &report),
    )))
}

/// What would be done per entity, then the confirm form carrying the same request.
pub fn render_plan(session: &Session, form: &ResyncForm, report: &DryRunReport) -> Markup {
    html! {
        @if report.plans.is_empty() {
            p { "Nothing matches: there is nothing to resync." }
        } @else {
            p { (report.plans.len()) " entities. Nothing has been written yet." }
            table {
                thead { tr { th scope="col" { "Entity" } th scope="col" { "Job" } th scope="col" { "Would do" } } }
                tbody {
                    @for entry in &report.plans {
                        tr {
                            td { code { (entry.entity_key) } }
                            td { (entry.job_kind) }
                            td {
                                @if let Some(error) = &entry.error { span.bad { (error) } }
                                @if let Some(plan) = &entry.plan {
                                    @if let Some(summary) = plan.get("summary") {
                                        (summary.as_str().map(str::to_owned).unwrap_or_else(|| summary.to_string()))
                                    } @else if let Some(outcome) = plan.get("outcome") {
                                        "left alone: " (outcome.as_str().unwrap_or_default())
                                        @if let Some(reason) = plan.get("reason").and_then(|r| r.as_str()) { " — " (reason) }
                                    }
                                    details { summary { "Plan" } pre { (serde_json::to_string_pretty(plan).unwrap_or_default()) } }
                                }
                            }
                        }
                    }
                }
            }
        }
        form.stack method="post" action="/console/resync" {
            (csrf(session))
            input type="hidden" name="kind" value=(form.kind.clone().unwrap_or_default());
            input type="hidden" name="ids" value=(form.ids.clone().unwrap_or_default());
            input type="hidden" name="since" value=(form.since.clone().unwrap_or_default());
            button type="submit" { "Confirm: resync these" }
        }
        p { a href="/console/resync" { "Cancel" } }
    }
}

/// `POST /console/resync`: enqueues, then shows progress.
pub async fn confirm(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Form(form): Form<ResyncForm>,
) -> Result<Response, HtmlError> {
    let state = session.scope(&state);
    match api::start(&state, &form.request(false)?).await? {
        ResyncResponse::Accepted(accepted) => {
            Ok(Redirect::to(&format!("/console/resync/{}", accepted.resync_id)).into_response())
        }
        ResyncResponse::DryRun(_) => Err(HtmlError(ApiError::Conflict(
            "the resync was carried out as a dry run".into(),
        ))),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ProgressQuery {
    pub notice: Option<String>,
}

/// `GET /console/resync/{id}`.
pub async fn progress(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
    Query(query): Query<ProgressQuery>,
) -> Result<Response, HtmlError> {
    let state = session.scope(&state);
    let view = resyncs::get(&state.db.pool, &state.connection, &id)
        .await?
        .ok_or_else(|| not_found(format!("no resync {id}")))?;
    let refresh = (!view.finished).then_some(2);
    Ok(super::html(layout::page_with_refresh(
        "Resync progress",
        "/console/resync",
        &session,
        query.notice.as_deref(),
        refresh,
        render_progress(&view),
    )))
}

/// A resync's progress.
pub fn render_progress(view: &ResyncView) -> Markup {
    let finished = view.done + view.dead;
    html! {
        p { "Resync of " strong { (view.kind) } " started " (time(view.created_at)) ": " (view.jobs) " jobs." }
        label for="resync-progress" { "Finished " (finished) " of " (view.jobs) }
        progress id="resync-progress" max=(view.jobs.max(1)) value=(finished) { (finished) " of " (view.jobs) }
        @if view.finished {
            p.ok role="status" { "Finished." }
        } @else {
            p role="status" { "Running: this page refreshes every 2 seconds." }
        }
        @if view.dead > 0 { p.bad { (view.dead) " jobs failed for good: " a href="/console/jobs?state=dead" { "see dead jobs" } } }
        @if !view.outcomes.is_empty() {
            table {
                thead { tr { th scope="col" { "Outcome" } th scope="col" { "Entities" } } }
                tbody { @for (outcome, n) in &view.outcomes { tr { td class=(layout::tone(outcome)) { (outcome) } td { (n) } } } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operator::resync::DryRunEntry;

    #[test]
    fn the_form_becomes_the_api_request() {
        let form = ResyncForm {
            kind: Some("orders".into()),
            ids: Some("A-1, A-2\nA-3\n\n".into()),
            since: None,
        };
        let request = form.request(true).unwrap();
        assert_eq!(request.kind, ResyncKind::Orders);
        assert_eq!(request.ids.unwrap().len(), 3);
        assert!(request.dry_run);
        let since = ResyncForm {
            kind: Some("all".into()),
            ids: None,
            since: Some("2026-01-01T00:00".into()),
        };
        assert!(since.request(false).unwrap().since.is_some());
        let bad = ResyncForm {
            kind: Some("planets".into()),
            ..ResyncForm::default()
        };
        assert!(bad.request(true).is_err());
    }

    #[test]
    fn an_empty_dry_run_says_so_and_plans_are_escaped_with_a_confirm_form() {
        let session = Session::admin("k");
        let form = ResyncForm {
            kind: Some("items".into()),
            ids: Some("<1>".into()),
            since: None,
        };
        let empty = DryRunReport {
            dry_run: true,
            plans: Vec::new(),
            estimated_calls: Default::default(),
        };
        assert!(
            render_plan(&session, &form, &empty)
                .into_string()
                .contains("Nothing matches")
        );
        let report = DryRunReport {
            dry_run: true,
            plans: vec![DryRunEntry {
                job_kind: "flourish.item".into(),
                entity_key: "<1>".into(),
                plan: Some(serde_json::json!({"summary": "update product <P>"})),
                error: None,
            }],
            estimated_calls: Default::default(),
        };
        let html = render_plan(&session, &form, &report).into_string();
        assert!(html.contains("update product &lt;P&gt;") && html.contains("Confirm"));
        assert!(html.contains("name=\"ids\" value=\"&lt;1&gt;\""));
    }

    #[test]
    fn progress_refresh_ends_when_finished() {
        let view = ResyncView {
            id: "r".into(),
            kind: "orders".into(),
            request: serde_json::Value::Null,
            jobs: 0,
            pending: 0,
            done: 0,
            dead: 0,
            outcomes: Default::default(),
            finished: true,
            created_at: 0,
        };
        assert!(render_progress(&view).into_string().contains("Finished."));
    }

    #[test]
    fn every_input_has_a_label() {
        let session = Session::admin("k");
        let form = ResyncForm::default();
        crate::console::a11y::assert_labelled(&render_form(&session, &form).into_string());
        let report = DryRunReport {
            dry_run: true,
            plans: Vec::new(),
            estimated_calls: Default::default(),
        };
        let plan = render_plan(&session, &form, &report).into_string();
        crate::console::a11y::assert_labelled(&plan);
    }
}
