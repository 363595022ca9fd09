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
use crate::store::connections;
use crate::store::console::{self, AttentionQuery};
use crate::store::links::Link;

/// Entities shown per page.
pub const PAGE_SIZE: i64 = 50;
/// Entities retried per database read when a whole group is retried.
const GROUP_BATCH: i64 = 200;
/// The group of entities whose latest event recorded no reason.
const NO_REASON: &str = "no reason recorded";

/// The page's filters, all answered by the store (not by the page in memory).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AttentionFilter {
    /// The reason contains this.
    pub reason: Option<String>,
    /// Where the fix is made: `LeafLink` or `Flourish`.
    pub system: Option<String>,
    pub source: Option<String>,
    pub kind: Option<String>,
    /// Text anywhere in the entity key or the reason.
    pub q: Option<String>,
    /// For the admin: the connection to look at.
    pub connection: Option<String>,
    /// The last event id of the previous page.
    pub before: Option<String>,
    /// Entities per page (1 to [`MAX_LIMIT`]; [`PAGE_SIZE`] when absent).
    pub limit: Option<i64>,
    pub notice: Option<String>,
}

impl AttentionFilter {
    /// The store's query for this filter.
    pub fn query(&self) -> AttentionQuery {
        AttentionQuery {
            reason_contains: given(self.reason.clone()),
            reason_is: None,
            system: given(self.system.clone()),
            source: given(self.source.clone()),
            kind: given(self.kind.clone()),
            text: given(self.q.clone()),
            before_id: given(self.before.clone()),
        }
    }

    /// Entities per page.
    pub fn page_size(&self) -> i64 {
        self.limit.unwrap_or(PAGE_SIZE).clamp(1, MAX_LIMIT)
    }

    /// This filter's address with `before` set: the next, older page.
    pub fn older(&self, before: &str) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("reason", &self.reason),
            ("system", &self.system),
            ("source", &self.source),
            ("kind", &self.kind),
            ("q", &self.q),
            ("connection", &self.connection),
        ] {
            if let Some(value) = given(value.clone()) {
                query.append_pair(name, &value);
            }
        }
        if let Some(limit) = self.limit {
            query.append_pair("limit", &limit.to_string());
        }
        query.append_pair("before", before);
        format!("/console/attention?{}", query.finish())
    }
}

/// One entity waiting for a fix, with what leafbridge has linked for its key.
#[derive(Clone, Debug)]
pub struct Entry {
    pub item: AttentionItem,
    pub links: Vec<Link>,
}

/// What the page shows.
#[derive(Clone, Debug, Default)]
pub struct View {
    pub connection: String,
    pub entries: Vec<Entry>,
    /// The `before` of the next page, when there is one.
    pub older: Option<String>,
    /// For the admin: every stored connection (empty for a connection's session).
    pub connections: Vec<String>,
}

/// The identity inside an entity key (`leaflink.order:N` → `N`), as links store it.
fn link_key(entity_key: &str) -> &str {
    let key = entity_key.split_once(':').map_or(entity_key, |(_, k)| k);
    key.strip_prefix(crate::envelope::BY_ORDER_NUMBER)
        .unwrap_or(key)
}

/// `GET /console/attention`.
pub async fn page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(filter): Query<AttentionFilter>,
) -> Result<Response, HtmlError> {
    let service = state.connection.clone();
    let state = session.pick(&state, filter.connection.as_deref())?;
    let (pool, connection) = (&state.db.pool, &state.connection);
    let size = filter.page_size();
    let mut rows = console::attention_page(pool, connection, &filter.query(), size + 1).await?;
    let more = rows.len() as i64 > size;
    rows.truncate(size as usize);
    let older = more
        .then(|| rows.last().map(|r| r.event_id.clone()))
        .flatten();
    let mut entries = Vec::with_capacity(rows.len());
    for row in rows {
        let item = AttentionItem::from(row);
        let links =
            console::links_matching(pool, connection, link_key(&item.entity_key), 10).await?;
        entries.push(Entry { item, links });
    }
    let mut names = Vec::new();
    if session.connection.is_none() {
        names.push(service);
        for stored in connections::list(pool).await? {
            if !names.contains(&stored.name) {
                names.push(stored.name);
            }
        }
    }
    let view = View {
        connection: connection.clone(),
        entries,
        older,
        connections: names,
    };
    Ok(super::html(layout::page(
        "Needs attention",
        "/console/attention",
        &session,
        filter.notice.as_deref(),
        render(&session, &filter, &view),
    )))
}

fn select(id: &str, name: &str, label: &str, current: Option<&str>, values: &[String]) -> Markup {
    html! {
        label for=(id) { (label) }
        select id=(id) name=(name) {
            option value="" { "any" }
            @for value in values {
                option value=(value) selected[current == Some(value.as_str())] { (value) }
            }
        }
    }
}

fn owned(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

/// The filter form.
fn filters(filter: &AttentionFilter, view: &View) -> Markup {
    html! {
        form.filters method="get" action="/console/attention" role="search" aria-label="Filter the attention queue" {
            div {
                label for="att-q" { "Search key or reason" }
                input id="att-q" type="search" name="q" value=(filter.q.clone().unwrap_or_default());
            }
            div {
                label for="att-reason" { "Reason contains" }
                input id="att-reason" name="reason" value=(filter.reason.clone().unwrap_or_default());
            }
            div { (select("att-system", "system", "Fix in", filter.system.as_deref(), &owned(&["LeafLink", "Flourish"]))) }
            div { (select("att-source", "source", "Source", filter.source.as_deref(), &owned(&["leaflink", "flourish", "poller", "operator"]))) }
            div {
                label for="att-kind" { "Kind" }
                input id="att-kind" name="kind" value=(filter.kind.clone().unwrap_or_default());
            }
            @if !view.connections.is_empty() {
                div { (select("att-connection", "connection", "Connection", Some(view.connection.as_str()), &view.connections)) }
            }
            button type="submit" { "Filter" }
        }
    }
}

/// The attention page body.
pub fn render(session: &Session, filter: &AttentionFilter, view: &View) -> Markup {
    let mut groups: BTreeMap<Option<String>, Vec<&Entry>> = BTreeMap::new();
    for entry in &view.entries {
        groups
            .entry(entry.item.reason.clone())
            .or_default()
            .push(entry);
    }
    html! {
        (filters(filter, view))
        p { "Connection " code { (view.connection) } }
        @if groups.is_empty() {
            p.ok { @if filter.before.is_some() { "No older entities need attention." } @else { "Nothing needs attention." } }
        }
        @for (reason, group) in &groups {
            @let title = reason.as_deref().unwrap_or(NO_REASON);
            section.group {
                h2 { (title) " " small { "(" (group.len()) " on this page)" } }
                form.inline method="post" action="/console/attention/retry-group" {
                    (csrf(session))
                    input type="hidden" name="reason" value=(reason.clone().unwrap_or_default());
                    @if reason.is_none() { input type="hidden" name="reasonless" value="1"; }
                    input type="hidden" name="connection" value=(view.connection);
                    button type="submit" { "Retry every entity waiting for this reason" }
                }
                table {
                    caption.sr-only { "Entities waiting because: " (title) }
                    thead { tr {
                        th scope="col" { "Record" }
                        th scope="col" { "Fix" }
                        th scope="col" { "Linked records" }
                        th scope="col" { "Seen" }
                        th scope="col" { span.sr-only { "Actions" } }
                    } }
                    tbody {
                        @for entry in group {
                            (row(session, entry))
                        }
                    }
                }
            }
        }
        @if let Some(before) = &view.older {
            p { a href=(filter.older(before)) rel="next" { "Older entities →" } }
        }
    }
}

fn row(session: &Session, entry: &Entry) -> Markup {
    let item = &entry.item;
    html! {
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

/// `POST /console/attention/{id}/retry`.
pub async fn retry_one(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
) -> Result<Response, HtmlError> {
    let state = session.scope(&state);
    let replayed = Operator::from_state(&state).retry_attention(&id).await?;
    Ok(back(
        "/console/attention",
        &format!("Retry queued as event {}.", replayed.event_id),
    ))
}

#[derive(Debug, Deserialize)]
pub struct GroupForm {
    #[serde(default)]
    pub reason: String,
    /// Set for the group of entities whose event recorded no reason.
    pub reasonless: Option<String>,
    pub connection: Option<String>,
}

/// `POST /console/attention/retry-group`: retries every entity waiting for this reason (all
/// pages), reading the queue in batches.
pub async fn retry_group(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Form(form): Form<GroupForm>,
) -> Result<Response, HtmlError> {
    let state = session.pick(&state, form.connection.as_deref())?;
    let operator = Operator::from_state(&state);
    let reason = form.reasonless.is_none().then(|| form.reason.clone());
    let mut query = AttentionQuery {
        reason_is: Some(reason),
        ..AttentionQuery::default()
    };
    let mut retried = 0;
    loop {
        let rows =
            console::attention_page(&state.db.pool, &state.connection, &query, GROUP_BATCH).await?;
        for row in &rows {
            operator.retry_attention(&row.event_id).await?;
            retried += 1;
        }
        match rows.last() {
            Some(last) if rows.len() as i64 == GROUP_BATCH => {
                query.before_id = Some(last.event_id.clone());
            }
            _ => break,
        }
    }
    let title = if form.reasonless.is_some() {
        NO_REASON
    } else {
        form.reason.as_str()
    };
    Ok(back(
        "/console/attention",
        &format!("{retried} retries queued for “{title}”."),
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
        Session::admin("tok")
    }

    fn view(entries: Vec<Entry>, older: Option<&str>) -> View {
        View {
            connection: "default".into(),
            entries,
            older: older.map(str::to_owned),
            connections: vec!["default".into(), "brand-b".into()],
        }
    }

    #[test]
    fn nothing_waiting_says_so() {
        let html = render(
            &session(),
            &AttentionFilter::default(),
            &view(Vec::new(), None),
        )
        .into_string();
        assert!(html.contains("Nothing needs attention."));
        assert!(!html.contains("Older entities"));
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
        let filter = AttentionFilter {
            system: Some("Flourish".into()),
            q: Some("a&b".into()),
            ..AttentionFilter::default()
        };
        let html = render(&session(), &filter, &view(entries, Some("ev-9"))).into_string();
        assert!(html.contains("unknown SKU") && html.contains("(2 on this page)"));
        assert!(html.contains("no reason recorded") && html.contains("name=\"reasonless\""));
        assert!(html.contains("&lt;b&gt;SKU-1&lt;/b&gt;") && !html.contains("<b>SKU-1"));
        assert!(html.contains("/console/attention/ev-ORDER-1/retry"));
        assert!(html.contains(&long));
        assert_eq!(html.matches("name=\"csrf\" value=\"tok\"").count(), 2 + 3);
        assert!(html.contains("<option value=\"Flourish\" selected>"));
        assert!(html.contains("/console/attention?system=Flourish&amp;q=a%26b&amp;before=ev-9"));
        assert!(
            html.contains("<option value=\"brand-b\">"),
            "the admin picks a connection"
        );
    }

    #[test]
    fn every_input_has_a_label() {
        let entries = vec![Entry {
            item: item("ORDER-1", Some("unknown SKU")),
            links: Vec::new(),
        }];
        let html = render(
            &session(),
            &AttentionFilter::default(),
            &view(entries, None),
        );
        crate::console::a11y::assert_labelled(&html.into_string());
    }

    #[test]
    fn link_keys_are_the_identity_inside_the_entity_key() {
        assert_eq!(link_key("leaflink.order:N-1"), "N-1");
        assert_eq!(link_key("flourish.order:number:N-1"), "N-1");
        assert_eq!(link_key("bare"), "bare");
    }
}
