//! Orders and Products: search by LeafLink order number or short id, SKU, license number or
//! either side's id; the record shows both sides' ids, its links, and every event that touched
//! it (the newest [`EVENTS_SHOWN`], by the entity keys the record's ids make).

use axum::Extension;
use axum::extract::{Query, State};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use super::layout;
use super::session::Session;
use super::{HtmlError, given};
use crate::http::AppState;
use crate::store::console;
use crate::store::events::EventRow;
use crate::store::links::{Link, LinkKind};

/// Events listed for a record.
pub const EVENTS_SHOWN: i64 = 100;
/// Ids of a record looked up as entity keys (what was typed, short ids' numbers, link ends).
const MAX_IDS: usize = 25;

#[derive(Debug, Default, Deserialize)]
pub struct Search {
    pub q: Option<String>,
}

/// Which records a page searches.
#[derive(Clone, Copy, Debug)]
pub struct Section {
    pub title: &'static str,
    pub path: &'static str,
    pub kinds: &'static [LinkKind],
    pub hint: &'static str,
    /// How events name these records: an id `x` is the entity key `{prefix}x`.
    pub prefixes: &'static [&'static str],
    /// Whether what is typed may be a LeafLink order short id.
    pub short_ids: bool,
}

const ORDERS: Section = Section {
    title: "Orders",
    path: "/console/orders",
    kinds: &[LinkKind::Order],
    hint: "LeafLink order number or short id, or a Flourish order id",
    prefixes: &[
        "leaflink.order:",
        "flourish.order:",
        "flourish.order:number:",
    ],
    short_ids: true,
};

const PRODUCTS: Section = Section {
    title: "Products",
    path: "/console/products",
    kinds: &[
        LinkKind::Product,
        LinkKind::Item,
        LinkKind::Destination,
        LinkKind::Strain,
    ],
    hint: "SKU, Flourish item id, LeafLink product id, or a license number",
    prefixes: &[
        "leaflink.product:",
        "flourish.item:",
        "flourish.inventory_summary:",
        "leaflink.customer:",
    ],
    short_ids: false,
};

/// What was found for a search.
#[derive(Clone, Debug, Default)]
pub struct Found {
    pub query: String,
    /// The LeafLink order numbers whose short id is the query.
    pub numbers: Vec<String>,
    pub links: Vec<Link>,
    pub events: Vec<EventRow>,
}

pub async fn orders(
    state: State<AppState>,
    session: Extension<Session>,
    query: Query<Search>,
) -> Result<Response, HtmlError> {
    show(ORDERS, state, session, query).await
}

pub async fn products(
    state: State<AppState>,
    session: Extension<Session>,
    query: Query<Search>,
) -> Result<Response, HtmlError> {
    show(PRODUCTS, state, session, query).await
}

async fn show(
    section: Section,
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(search): Query<Search>,
) -> Result<Response, HtmlError> {
    let state = session.scope(&state);
    let found = match given(search.q) {
        Some(q) => Some(find(&state, section, &q).await?),
        None => None,
    };
    Ok(super::html(layout::page(
        section.title,
        section.path,
        &session,
        None,
        render(section, found.as_ref()),
    )))
}

fn push_unique(list: &mut Vec<String>, value: &str) {
    if list.len() < MAX_IDS && !list.iter().any(|v| v == value) {
        list.push(value.to_owned());
    }
}

/// The entity keys events of a record with these ids carry.
pub fn entity_keys(section: Section, ids: &[String]) -> Vec<String> {
    let mut keys = Vec::with_capacity(ids.len() * (section.prefixes.len() + 1));
    for id in ids {
        keys.push(id.clone());
        keys.extend(section.prefixes.iter().map(|p| format!("{p}{id}")));
    }
    keys
}

async fn find(state: &AppState, section: Section, q: &str) -> Result<Found, HtmlError> {
    let (pool, connection) = (&state.db.pool, &state.connection);
    let numbers = if section.short_ids {
        console::numbers_by_short_id(pool, connection, q, 10).await?
    } else {
        Vec::new()
    };
    let mut typed = vec![q.to_owned()];
    for number in &numbers {
        push_unique(&mut typed, number);
    }
    let mut found_links: Vec<Link> = Vec::new();
    for text in &typed {
        for link in console::links_matching(pool, connection, text, 50).await? {
            if section.kinds.contains(&link.kind) && !found_links.iter().any(|l| l.id == link.id) {
                found_links.push(link);
            }
        }
    }
    // The ids events carry: what was typed, the short id's numbers, both ends of every link.
    let mut ids = typed;
    for link in &found_links {
        push_unique(&mut ids, &link.key);
        push_unique(&mut ids, &link.remote_id);
    }
    let keys = entity_keys(section, &ids);
    let events = console::events_of_keys(pool, connection, &keys, EVENTS_SHOWN).await?;
    Ok(Found {
        query: q.to_owned(),
        numbers,
        links: found_links,
        events,
    })
}

/// The search form and, after a search, the record.
pub fn render(section: Section, found: Option<&Found>) -> Markup {
    html! {
        form.filters method="get" action=(section.path) role="search" {
            label for="record-q" { "Search (" (section.hint) ")" }
            input id="record-q" type="search" name="q" value=(found.map(|f| f.query.as_str()).unwrap_or("")) required;
            button type="submit" { "Search" }
        }
        @if let Some(found) = found {
            @if found.links.is_empty() && found.events.is_empty() {
                p { "Nothing matches " code { (found.query) } "." }
            } @else {
                @for number in &found.numbers {
                    p { "Short id " code { (found.query) } " is LeafLink order " code { (number) } "." }
                }
                h2 { "Linked records" }
                @if found.links.is_empty() {
                    p { "No link yet: leafbridge has not paired this record with the other platform." }
                } @else {
                    table {
                        thead { tr { th scope="col" { "Kind" } th scope="col" { "This side" } th scope="col" { "Other side" } th scope="col" { "Detail" } th scope="col" { "Pinned" } } }
                        tbody {
                            @for link in &found.links {
                                tr {
                                    td { (link.kind.as_str()) }
                                    td { code { (link.key) } }
                                    td { code { (link.remote_id) } }
                                    td { @if let Some(extra) = &link.extra { code { (extra.to_string()) } } }
                                    td { @if link.pinned { "pinned by an operator" } @else { "found by sync" }
                                        " · " a href=(format!("/console/links?kind={}&key={}", link.kind.as_str(), super::events::urlencode(&link.key))) { "manage" } }
                                }
                            }
                        }
                    }
                }
                h2 { "Events that touched it" }
                (super::events::table(&found.events))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn before_a_search_only_the_form_shows() {
        let html = render(ORDERS, None).into_string();
        assert!(html.contains("LeafLink order number") && !html.contains("Linked records"));
    }

    #[test]
    fn nothing_found_is_said_and_escaped() {
        let found = Found {
            query: "<SKU>".into(),
            ..Found::default()
        };
        let html = render(PRODUCTS, Some(&found)).into_string();
        assert!(html.contains("Nothing matches <code>&lt;SKU&gt;</code>"));
    }

    #[test]
    fn a_record_shows_both_sides_ids() {
        let found = Found {
            query: "LL-1".into(),
            numbers: Vec::new(),
            links: vec![Link {
                id: "l1".into(),
                kind: LinkKind::Order,
                key: "LL-1".into(),
                remote_id: "FO-7".into(),
                extra: Some(serde_json::json!({"facility_id": "f"})),
                pinned: false,
                created_at: 0,
                updated_at: 0,
            }],
            events: Vec::new(),
        };
        let html = render(ORDERS, Some(&found)).into_string();
        assert!(html.contains("<code>LL-1</code>") && html.contains("<code>FO-7</code>"));
        assert!(html.contains("No events."));
    }

    #[test]
    fn a_short_id_names_its_order_and_inputs_are_labelled() {
        let found = Found {
            query: "AB12CD34".into(),
            numbers: vec!["N-0001".into()],
            ..Found::default()
        };
        let html = render(ORDERS, Some(&found)).into_string();
        assert!(
            html.contains("Nothing matches"),
            "no event, no link: {html}"
        );
        let found = Found {
            events: vec![crate::store::events::EventRow {
                id: "e1".into(),
                connection: "default".into(),
                source: "leaflink".into(),
                kind: "order".into(),
                action: None,
                entity_key: "leaflink.order:N-0001".into(),
                status: "done".into(),
                outcome: Some("synced".into()),
                reason: None,
                last_error: None,
                received_at: 0,
                updated_at: 0,
            }],
            ..found
        };
        let html = render(ORDERS, Some(&found)).into_string();
        assert!(html.contains("is LeafLink order <code>N-0001</code>"));
        crate::console::a11y::assert_labelled(&html);
        crate::console::a11y::assert_labelled(&render(PRODUCTS, None).into_string());
    }

    #[test]
    fn ids_become_the_entity_keys_events_carry() {
        let keys = entity_keys(ORDERS, &["N-1".into()]);
        assert_eq!(
            keys,
            [
                "N-1",
                "leaflink.order:N-1",
                "flourish.order:N-1",
                "flourish.order:number:N-1"
            ]
        );
        assert!(
            entity_keys(PRODUCTS, &["LIC-9".into()]).contains(&"leaflink.customer:LIC-9".into())
        );
    }
}
