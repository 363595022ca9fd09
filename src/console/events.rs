//! Events: the log with the API's filters, and one event's journey — received, plan, writes,
//! attempts with errors, outcome — as a timeline with Replay.

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;

use super::layout::{self, action_button, time, tone};
use super::session::Session;
use super::{HtmlError, back, given};
use crate::http::AppState;
use crate::http::admin::{EventPage, EventQuery, EventView, events as api};
use crate::operator::Operator;

/// The filter form's fields (blank fields are no filter).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct EventForm {
    pub source: Option<String>,
    pub kind: Option<String>,
    pub entity_key: Option<String>,
    pub status: Option<String>,
    pub outcome: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub cursor: Option<String>,
    pub notice: Option<String>,
}

/// A time typed into the form: RFC 3339, or a `datetime-local` value taken as UTC.
fn as_rfc3339(text: Option<String>) -> Option<String> {
    given(text).map(
        |t| match chrono::NaiveDateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M") {
            Ok(naive) => naive.and_utc().to_rfc3339(),
            Err(_) => t,
        },
    )
}

impl EventForm {
    fn query(&self) -> EventQuery {
        EventQuery {
            source: given(self.source.clone()),
            kind: given(self.kind.clone()),
            entity_key: given(self.entity_key.clone()),
            status: given(self.status.clone()),
            outcome: given(self.outcome.clone()),
            since: as_rfc3339(self.since.clone()),
            until: as_rfc3339(self.until.clone()),
            limit: Some(100),
            cursor: given(self.cursor.clone()),
        }
    }

    /// This filter's query string with `cursor` set, for the next page.
    fn next_page(&self, cursor: &str) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("source", &self.source),
            ("kind", &self.kind),
            ("entity_key", &self.entity_key),
            ("status", &self.status),
            ("outcome", &self.outcome),
            ("since", &self.since),
            ("until", &self.until),
        ] {
            if let Some(value) = given(value.clone()) {
                query.append_pair(name, &value);
            }
        }
        query.append_pair("cursor", cursor);
        format!("/console/events?{}", query.finish())
    }
}

/// `GET /console/events`.
pub async fn list(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(form): Query<EventForm>,
) -> Result<Response, HtmlError> {
    let state = session.scope(&state);
    let page = api::list_page(&state, form.query()).await?;
    Ok(super::html(layout::page(
        "Events",
        "/console/events",
        &session,
        form.notice.as_deref(),
        render_list(&form, &page),
    )))
}

fn select(name: &str, label: &str, current: &Option<String>, values: &[&str]) -> Markup {
    html! {
        label { (label)
            select name=(name) {
                option value="" { "any" }
                @for value in values {
                    option value=(value) selected[current.as_deref() == Some(*value)] { (value) }
                }
            }
        }
    }
}

/// A table of events (shared with the order and product pages).
pub fn table(events: &[crate::store::events::EventRow]) -> Markup {
    html! {
        @if events.is_empty() {
            p { "No events." }
        } @else {
            table {
                thead { tr {
                    th scope="col" { "Received" }
                    th scope="col" { "Source · kind" }
                    th scope="col" { "Entity" }
                    th scope="col" { "Status" }
                    th scope="col" { "Outcome" }
                    th scope="col" { "Reason" }
                } }
                tbody {
                    @for event in events {
                        tr {
                            td { a href=(format!("/console/events/{}", event.id)) { (time(event.received_at)) } }
                            td { (event.source) " · " (event.kind) @if let Some(action) = &event.action { " · " (action) } }
                            td { code { (event.entity_key) } }
                            td class=(tone(&event.status)) { (event.status) }
                            td class=(tone(event.outcome.as_deref().unwrap_or(""))) { (event.outcome.as_deref().unwrap_or("—")) }
                            td { (event.reason.as_deref().or(event.last_error.as_deref()).unwrap_or("")) }
                        }
                    }
                }
            }
        }
    }
}

/// The event log page body.
pub fn render_list(form: &EventForm, page: &EventPage) -> Markup {
    html! {
        form.filters method="get" action="/console/events" role="search" {
            (select("source", "Source", &form.source, &["leaflink", "flourish", "poller", "operator"]))
            label { "Kind" input name="kind" value=(form.kind.clone().unwrap_or_default()); }
            label { "Entity key" input name="entity_key" value=(form.entity_key.clone().unwrap_or_default()); }
            (select("status", "Status", &form.status, &["pending", "retrying", "done", "dead", "ignored"]))
            (select("outcome", "Outcome", &form.outcome, &["synced", "unchanged", "ignored", "held", "needs_attention", "failed", "shadowed"]))
            label { "Since (UTC)" input type="datetime-local" name="since" value=(form.since.clone().unwrap_or_default()); }
            label { "Until (UTC)" input type="datetime-local" name="until" value=(form.until.clone().unwrap_or_default()); }
            button type="submit" { "Filter" }
        }
        (table(&page.items))
        @if let Some(cursor) = &page.next_cursor {
            p { a href=(form.next_page(cursor)) rel="next" { "Older events →" } }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DetailQuery {
    pub notice: Option<String>,
}

/// `GET /console/events/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
    Query(query): Query<DetailQuery>,
) -> Result<Response, HtmlError> {
    let state = session.scope(&state);
    let view = api::view(&state, &id).await?;
    Ok(super::html(layout::page(
        &format!("Event {}", view.event.event.kind),
        "/console/events",
        &session,
        query.notice.as_deref(),
        render_detail(&session, &view),
    )))
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// One event's journey.
pub fn render_detail(session: &Session, view: &EventView) -> Markup {
    let event = &view.event.event;
    let detail = view.event.detail.as_ref();
    let plan = detail.and_then(|d| d.get("plan")).filter(|p| !p.is_null());
    let writes: Vec<&Value> = detail
        .and_then(|d| d.get("writes"))
        .and_then(Value::as_array)
        .map(|w| w.iter().collect())
        .unwrap_or_default();
    html! {
        p {
            "Entity " code { (event.entity_key) } " · "
            a href=(format!("/console/events?entity_key={}", urlencode(&event.entity_key))) { "every event of this entity" }
        }
        (action_button(session, &format!("/console/events/{}/replay", event.id), "Replay", "Replay this event"))
        h2 { "Journey" }
        ol.timeline {
            li { strong { "Received" } " " (time(event.received_at)) " from " (event.source)
                ": " (event.kind) @if let Some(action) = &event.action { " (" (action) ")" } }
            @if let Some(plan) = plan {
                li { strong { "Plan" }
                    details { summary { "What leafbridge decided to write" } pre { (pretty(plan)) } }
                }
            }
            @for write in &writes {
                li { strong { "Write" } " to " (write.get("system").and_then(Value::as_str).unwrap_or("?")) ": "
                    (write.get("action").and_then(Value::as_str).unwrap_or("?"))
                    @if let Some(target) = write.get("target").and_then(Value::as_str) { " → " code { (target) } } }
            }
            @for attempt in &view.attempts {
                li { strong { "Attempt " (attempt.attempt) } " " (time(attempt.started_at)) " — "
                    span class=(tone(&attempt.result)) { (attempt.result) }
                    @if let Some(error) = &attempt.error { br; span.bad { (error) } } }
            }
            li { strong { "Outcome" } " "
                span class=(tone(event.outcome.as_deref().unwrap_or(&event.status))) {
                    (event.outcome.as_deref().unwrap_or(&event.status)) }
                @if let Some(reason) = &event.reason { " — " (reason) }
                @if let Some(error) = &event.last_error { br; span.bad { (error) } }
                @if let Some(fix) = detail.and_then(|d| d.get("fix")).filter(|f| !f.is_null()) {
                    br; "Fix: " (fix.get("action").and_then(Value::as_str).unwrap_or(""))
                    " (in " (fix.get("system").and_then(Value::as_str).unwrap_or("?")) ")"
                }
            }
        }
        details { summary { "The envelope as received" } pre { (pretty(&view.event.envelope)) } }
    }
}

pub fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// `POST /console/events/{id}/replay`: to the new event's page.
pub async fn replay(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
) -> Result<Response, HtmlError> {
    let state = session.scope(&state);
    let replayed = Operator::from_state(&state).replay_event(&id).await?;
    Ok(back(
        &format!("/console/events/{}", replayed.event_id),
        &format!("Replay of event {} queued.", replayed.replay_of),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::admin::Page;
    use crate::store::events::{EventDetail, EventRow};
    use crate::store::jobs::Attempt;

    fn row(kind: &str) -> EventRow {
        EventRow {
            id: "0190-ev".into(),
            connection: "default".into(),
            source: "leaflink".into(),
            kind: kind.into(),
            action: Some("created".into()),
            entity_key: "ORDER-<1>".into(),
            status: "done".into(),
            outcome: Some("needs_attention".into()),
            reason: Some("unknown SKU <i>X</i>".into()),
            last_error: None,
            received_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn an_empty_log_says_so_and_filters_keep_their_values() {
        let form = EventForm {
            source: Some("flourish".into()),
            ..EventForm::default()
        };
        let page = Page {
            items: Vec::new(),
            next_cursor: None,
        };
        let html = render_list(&form, &page).into_string();
        assert!(html.contains("No events."));
        assert!(html.contains("<option value=\"flourish\" selected>"));
    }

    #[test]
    fn rows_are_escaped_and_the_next_page_keeps_the_filter() {
        let form = EventForm {
            kind: Some("order".into()),
            ..EventForm::default()
        };
        let page = Page {
            items: vec![row(&"k".repeat(2_000))],
            next_cursor: Some("c1".into()),
        };
        let html = render_list(&form, &page).into_string();
        assert!(html.contains("ORDER-&lt;1&gt;") && html.contains("&lt;i&gt;X&lt;/i&gt;"));
        assert!(html.contains("/console/events?kind=order&amp;cursor=c1"));
    }

    #[test]
    fn the_journey_shows_plan_writes_attempts_and_outcome() {
        let view = EventView {
            event: EventDetail {
                event: row("order"),
                envelope: serde_json::json!({"number": "<x>"}),
                detail: Some(serde_json::json!({
                    "plan": {"create": 1},
                    "writes": [{"system": "flourish", "action": "create_outbound_order", "target": "FO-9"}],
                    "fix": {"system": "Flourish", "action": "add the item"},
                })),
            },
            attempts: vec![Attempt {
                job_id: "j".into(),
                attempt: 1,
                started_at: 0,
                finished_at: 1,
                result: "failed".into(),
                error: Some("timeout <502>".into()),
            }],
        };
        let html = render_detail(&Session::admin("t"), &view).into_string();
        for part in [
            "Received",
            "Plan",
            "create_outbound_order",
            "FO-9",
            "Attempt 1",
            "timeout &lt;502&gt;",
            "add the item",
            "Replay",
        ] {
            assert!(html.contains(part), "{part}");
        }
        assert!(html.contains("&quot;&lt;x&gt;&quot;"));
    }

    #[test]
    fn datetime_local_values_become_utc_times() {
        assert_eq!(
            as_rfc3339(Some("2026-01-02T03:04".into())).as_deref(),
            Some("2026-01-02T03:04:00+00:00")
        );
        assert_eq!(as_rfc3339(Some(" ".into())), None);
    }

    #[test]
    fn every_input_has_a_label() {
        let page = Page {
            items: vec![row("order")],
            next_cursor: Some("c".into()),
        };
        let html = render_list(&EventForm::default(), &page).into_string();
        crate::console::a11y::assert_labelled(&html);
    }
}
