//! Overview: per connection, health at a glance — webhooks received, outcomes over the last
//! hour and day as charts, the queue, the pollers, dead jobs, attention and API calls.

use std::collections::BTreeMap;

use axum::Extension;
use axum::extract::{Query, State};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{self, duration, time};
use super::session::Session;
use super::{HtmlError, chart};
use crate::http::AppState;
use crate::http::admin::stats::{QueueView, Stats};
use crate::store::{connections, console, now_ms};

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    pub notice: Option<String>,
    /// For the admin: the connection to look at (the service's own when absent).
    pub connection: Option<String>,
}

/// What the overview shows for one connection.
#[derive(Clone, Debug)]
pub struct Health {
    pub connection: String,
    pub stats: Stats,
    /// Events received in the last 24 hours, per source.
    pub received: BTreeMap<String, i64>,
    /// Entities waiting for a person.
    pub attention: i64,
}

/// The figures of one connection: a handful of grouped queries, each read from an index, so
/// the page costs the same with a hundred events stored or a million.
pub async fn health(state: &AppState) -> Result<Health, HtmlError> {
    let (pool, connection, now) = (&state.db.pool, &state.connection, now_ms());
    let windows = console::outcome_windows(pool, connection, now - HOUR_MS, now - DAY_MS).await?;
    let queue = console::open_queue(pool, connection, now).await?;
    let stats = Stats {
        last_hour: windows.last_hour,
        last_day: windows.last_day,
        queue: QueueView {
            pending: queue.pending,
            running: queue.running,
            dead: queue.dead,
            oldest_pending_age_ms: queue.oldest_pending_age_ms,
        },
        last_polls: crate::store::stats::last_polls(&state.db, connection).await?,
        platform_calls: state
            .sync
            .iter()
            .flat_map(|sync| [sync.leaflink.usage(), sync.flourish.usage()])
            .map(|usage| usage.summary(now))
            .collect(),
    };
    Ok(Health {
        connection: connection.clone(),
        stats,
        received: crate::store::stats::received_since(pool, connection, now - DAY_MS).await?,
        attention: console::attention_count(pool, connection).await?,
    })
}

/// `GET /console/`.
pub async fn page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(query): Query<Notice>,
) -> Result<Response, HtmlError> {
    let service = state.connection.clone();
    let state = session.pick(&state, query.connection.as_deref())?;
    let health = health(&state).await?;
    let mut others = Vec::new();
    if session.connection.is_none() {
        others.push(service);
        for stored in connections::list(&state.db.pool).await? {
            if !others.contains(&stored.name) {
                others.push(stored.name);
            }
        }
    }
    Ok(super::html(layout::page(
        "Overview",
        "/console/",
        &session,
        query.notice.as_deref(),
        html! {
            (render(&health, now_ms()))
            (other_connections(&health.connection, &others))
        },
    )))
}

/// For the admin: links to the overview of every other stored connection.
fn other_connections(current: &str, names: &[String]) -> Markup {
    html! {
        @if names.iter().any(|n| n != current) {
            h2 { "Other connections" }
            ul {
                @for name in names.iter().filter(|n| *n != current) {
                    li { a href=(format!("/console/?connection={}", super::events::urlencode(name))) { code { (name) } } }
                }
            }
        }
    }
}

fn pairs(map: &BTreeMap<String, i64>) -> Vec<(String, i64)> {
    map.iter().map(|(k, v)| (k.clone(), *v)).collect()
}

/// The overview of one connection.
pub fn render(health: &Health, now: i64) -> Markup {
    let s = &health.stats;
    html! {
        section aria-labelledby="conn-title" {
            h2 id="conn-title" { "Connection " code { (health.connection) } }
            div.cards {
                div.card {
                    span { "Webhooks received (24 h)" }
                    b { (health.received.iter().filter(|(k, _)| *k == "leaflink" || *k == "flourish").map(|(_, n)| n).sum::<i64>()) }
                    small {
                        @for (source, n) in &health.received {
                            (source) ": " (n) " "
                        }
                    }
                }
                div.card {
                    span { "Needs attention" }
                    b class=(if health.attention > 0 { "warn" } else { "ok" }) { (health.attention) }
                    a href="/console/attention" { "Open the attention queue" }
                }
                div.card {
                    span { "Queue depth" }
                    b { (s.queue.pending) }
                    small { (s.queue.running) " running · oldest pending "
                        @if s.queue.pending > 0 { (duration(s.queue.oldest_pending_age_ms)) } @else { "none" } }
                }
                div.card {
                    span { "Dead jobs" }
                    b class=(if s.queue.dead > 0 { "bad" } else { "ok" }) { (s.queue.dead) }
                    a href="/console/jobs?state=dead" { "See dead jobs" }
                }
            }
            div.cards {
                div.card { (chart::bars("Outcomes, last hour", &pairs(&s.last_hour))) }
                div.card { (chart::bars("Outcomes, last 24 hours", &pairs(&s.last_day))) }
            }
            h3 { "Pollers" }
            @if s.last_polls.is_empty() {
                p { "No poller has run yet." }
            } @else {
                table {
                    thead { tr { th scope="col" { "Platform" } th scope="col" { "Last successful poll" } th scope="col" { "Failing pollers" } } }
                    tbody {
                        @for poll in &s.last_polls {
                            tr {
                                td { (poll.platform) }
                                td { @match poll.last_success_at {
                                    Some(at) => { (time(at)) " (" (duration(now - at)) " ago)" },
                                    None => span.warn { "never" },
                                } }
                                td { @if poll.failing.is_empty() { "none" } @else { span.bad { (poll.failing.join(", ")) } } }
                            }
                        }
                    }
                }
            }
            h3 { "API calls" }
            @if s.platform_calls.is_empty() {
                p { "The platforms' API keys are not set, so leafbridge calls neither platform." }
            } @else {
                table {
                    thead { tr { th scope="col" { "Platform" } th scope="col" { "Last hour" } th scope="col" { "Last 24 hours" } th scope="col" { "Since start" } th scope="col" { "Waited for the rate limit" } } }
                    tbody {
                        @for calls in &s.platform_calls {
                            tr {
                                td { (calls.platform) }
                                td { (calls.last_hour) }
                                td { (calls.last_day) }
                                td { (calls.since_start) }
                                td { (duration(calls.limiter_wait_ms as i64)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn health(connection: &str) -> Health {
        Health {
            connection: connection.into(),
            stats: Stats {
                last_hour: BTreeMap::new(),
                last_day: BTreeMap::from([("synced".into(), 4), ("needs_attention".into(), 1)]),
                queue: QueueView {
                    pending: 0,
                    running: 0,
                    dead: 2,
                    oldest_pending_age_ms: 0,
                },
                last_polls: Vec::new(),
                platform_calls: Vec::new(),
            },
            received: BTreeMap::from([("leaflink".into(), 3), ("flourish".into(), 2)]),
            attention: 1,
        }
    }

    #[test]
    fn an_idle_service_renders_with_empty_sections() {
        let html = render(&health("default"), 0).into_string();
        assert!(html.contains("Nothing in this period."));
        assert!(html.contains("No poller has run yet."));
        assert!(html.contains("calls neither platform"));
        assert!(html.contains("<b>5</b>"), "received total");
    }

    #[test]
    fn a_hostile_connection_name_is_escaped() {
        let long = "x".repeat(5_000);
        let html = render(&health(&format!("<script>{long}")), 0).into_string();
        assert!(html.contains("&lt;script&gt;") && !html.contains("<script>x"));
    }

    #[test]
    fn every_input_has_a_label_and_headings_keep_their_order() {
        let html = render(&health("default"), 0).into_string();
        crate::console::a11y::assert_labelled(&html);
        let others = other_connections("default", &["default".into(), "brand-b".into()]);
        assert!(
            others
                .into_string()
                .contains("/console/?connection=brand-b")
        );
    }
}
