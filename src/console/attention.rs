//! Attention: what needs a person, grouped by reason, with both sides' records, the fix in
//! plain words and where to make it, Retry per item and per group, and filters.

use std::collections::BTreeMap;

use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{self, action_button, csrf, time};
use super::session::Session;
use super::{HtmlError, back, given};
use crate::http::AppState;
use crate::http::admin::MAX_LIMIT;
use crate::operator::Operator;
use crate::operator::attention::AttentionItem;
use crate::store::links::{self, Link};

#[derive(Debug, Default, Deserialize)]
pub struct AttentionFilter {
    pub reason: Option<String>,
    pub source: Option<String>,
    pub kind: Option<String>,
    pub notice: Option<String>,
}

impl AttentionFilter {
    fn keeps(&self, item: &AttentionItem) -> bool {
        let reason = item.reason.as_deref().unwrap_or("");
        given(self.reason.clone()).is_none_or(|r| reason.contains(&r))
            && given(self.source.clone()).is_none_or(|s| item.source == s)
            && given(self.kind.clone()).is_none_or(|k| item.kind == k)
    }
}

/// One entity waiting for a fix, with what leafbridge has linked for its key.
#[derive(Clone, Debug)]
pub struct Entry {
    pub item: AttentionItem,
    pub links: Vec<Link>,
}

/// Every entity needing attention (all pages), oldest page last.
async fn everything(operator: &Operator) -> Result<Vec<AttentionItem>, HtmlError> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = operator.attention(cursor.as_deref(), MAX_LIMIT).await?;
        items.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(items),
        }
    }
}

/// `GET /console/attention`.
pub async fn page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(filter): Query<AttentionFilter>,
) -> Result<Response, HtmlError> {
    let operator = Operator::from_state(&state);
    let page = operator.attention(None, MAX_LIMIT).await?;
    let mut entries = Vec::new();
    for item in page.items.into_iter().filter(|i| filter.keeps(i)) {
        let links = links::list(
            &state.db.pool,
            &state.connection,
            None,
            Some(&item.entity_key),
            None,
            10,
        )
        .await?;
        entries.push(Entry { item, links });
    }
    let more = page.next_cursor.is_some();
    Ok(super::html(layout::page(
        "Needs attention",
        "/console/attention",
        &session,
        filter.notice.as_deref(),
        render(&session, &filter, &entries, more),
    )))
}

/// The attention page body.
pub fn render(
    session: &Session,
    filter: &AttentionFilter,
    entries: &[Entry],
    more: bool,
) -> Markup {
    let mut groups: BTreeMap<String, Vec<&Entry>> = BTreeMap::new();
    for entry in entries {
        let reason = entry
            .item
            .reason
            .clone()
            .unwrap_or_else(|| "no reason recorded".into());
        groups.entry(reason).or_default().push(entry);
    }
    html! {
        form.filters method="get" action="/console/attention" role="search" {
            label { "Reason contains" input name="reason" value=(filter.reason.clone().unwrap_or_default()); }
            label { "Source"
                select name="source" {
                    option value="" { "any" }
                    @for source in ["leaflink", "flourish", "poller", "operator"] {
                        option value=(source) selected[filter.source.as_deref() == Some(source)] { (source) }
                    }
                }
            }
            label { "Kind" input name="kind" value=(filter.kind.clone().unwrap_or_default()); }
            button type="submit" { "Filter" }
        }
        @if groups.is_empty() {
            p.ok { "Nothing needs attention." }
        }
        @if more {
            p.warn { "Showing the newest " (MAX_LIMIT) " entities; fix and retry these to see older ones." }
        }
        @for (reason, group) in &groups {
            section.group {
                h2 { (reason) " " small { "(" (group.len()) ")" } }
                form.inline method="post" action="/console/attention/retry-group" {
                    (csrf(session))
                    input type="hidden" name="reason" value=(reason);
                    button type="submit" { "Retry all " (group.len()) " in this group" }
                }
                table {
                    thead { tr {
                        th scope="col" { "Record" }
                        th scope="col" { "Fix" }
                        th scope="col" { "Linked records" }
                        th scope="col" { "Seen" }
                        th scope="col" { span.sr-only { "Actions" } }
                    } }
                    tbody {
                        @for entry in group {
                            @let item = &entry.item;
                            tr {
                                td {
                                    (item.source) " " (item.kind) ": "
                                    a href=(format!("/console/events/{}", item.id)) { code { (item.entity_key) } }
                                }
                                td {
                                    @match &item.fix {
                                        Some(fix) => { (fix.action) br; small { "Make this change in " strong { (fix.system.to_string()) } "." } },
                                        None => { "No automatic advice: read the reason and the event." },
                                    }
                                }
                                td {
                                    @if entry.links.is_empty() { "none yet" }
                                    @for link in &entry.links {
                                        (link.kind.as_str()) " " code { (link.key) } " → " code { (link.remote_id) } br;
                                    }
                                }
                                td { (item.occurrences) "× · last " (time(item.last_seen)) }
                                td { (action_button(session, &format!("/console/attention/{}/retry", item.id), "Retry", &format!("Retry {}", item.entity_key))) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `POST /console/attention/{id}/retry`.
pub async fn retry_one(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, HtmlError> {
    let replayed = Operator::from_state(&state).retry_attention(&id).await?;
    Ok(back(
        "/console/attention",
        &format!("Retry queued as event {}.", replayed.event_id),
    ))
}

#[derive(Debug, Deserialize)]
pub struct GroupForm {
    pub reason: String,
}

/// `POST /console/attention/retry-group`: retries every entity waiting for this reason.
pub async fn retry_group(
    State(state): State<AppState>,
    Form(form): Form<GroupForm>,
) -> Result<Response, HtmlError> {
    let operator = Operator::from_state(&state);
    let mut retried = 0;
    for item in everything(&operator).await? {
        if item.reason.as_deref().unwrap_or("no reason recorded") == form.reason {
            operator.retry_attention(&item.id).await?;
            retried += 1;
        }
    }
    Ok(back(
        "/console/attention",
        &format!("{retried} retries queued for “{}”.", form.reason),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::{Fix, System};

    fn item(key: &str, reason: Option<&str>) -> AttentionItem {
        AttentionItem {
            id: format!("ev-{key}"),
            source: "leaflink".into(),
            kind: "order".into(),
            entity_key: key.into(),
            reason: reason.map(str::to_owned),
            fix: Some(Fix {
                system: System::Flourish,
                action: "create item <b>SKU-1</b> in Flourish".into(),
            }),
            occurrences: 2,
            first_seen: 0,
            last_seen: 0,
            rehearsal: false,
        }
    }

    fn session() -> Session {
        Session { csrf: "tok".into() }
    }

    #[test]
    fn nothing_waiting_says_so() {
        let html = render(&session(), &AttentionFilter::default(), &[], false).into_string();
        assert!(html.contains("Nothing needs attention."));
    }

    #[test]
    fn items_group_by_reason_escaped_with_retry_forms_carrying_csrf() {
        let long = "L".repeat(3_000);
        let entries = vec![
            Entry {
                item: item("ORDER-1", Some("unknown SKU")),
                links: Vec::new(),
            },
            Entry {
                item: item(&long, Some("unknown SKU")),
                links: Vec::new(),
            },
            Entry {
                item: item("ORDER-3", None),
                links: Vec::new(),
            },
        ];
        let html = render(&session(), &AttentionFilter::default(), &entries, true).into_string();
        assert!(html.contains("unknown SKU") && html.contains("(2)"));
        assert!(html.contains("no reason recorded"));
        assert!(html.contains("&lt;b&gt;SKU-1&lt;/b&gt;") && !html.contains("<b>SKU-1"));
        assert!(html.contains("/console/attention/ev-ORDER-1/retry"));
        assert!(html.contains(&long));
        assert_eq!(html.matches("name=\"csrf\" value=\"tok\"").count(), 2 + 3);
        assert!(html.contains("Flourish"));
    }

    #[test]
    fn filters_narrow_by_reason_source_and_kind() {
        let filter = AttentionFilter {
            reason: Some("SKU".into()),
            source: Some("leaflink".into()),
            kind: Some(" ".into()),
            notice: None,
        };
        assert!(filter.keeps(&item("a", Some("unknown SKU"))));
        assert!(!filter.keeps(&item("a", Some("unknown license"))));
    }
}
