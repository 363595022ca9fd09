//! Orders and Products: search by LeafLink order number, SKU, license number or either side's
//! id; the record shows both sides' ids, its links, and every event that touched it.

use axum::Extension;
use axum::extract::{Query, State};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use super::layout;
use super::session::Session;
use super::{HtmlError, given};
use crate::http::AppState;
use crate::store::events::{self, EventFilter, EventRow};
use crate::store::links::{self, Link, LinkKind};

/// Events listed per key of a record.
const EVENTS_PER_KEY: i64 = 100;

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
}

const ORDERS: Section = Section {
    title: "Orders",
    path: "/console/orders",
    kinds: &[LinkKind::Order],
    hint: "LeafLink order number or short id, or a Flourish order id",
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
};

/// What was found for a search.
#[derive(Clone, Debug, Default)]
pub struct Found {
    pub query: String,
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

async fn find(state: &AppState, section: Section, q: &str) -> Result<Found, HtmlError> {
    let (pool, connection) = (&state.db.pool, &state.connection);
    let links: Vec<Link> = links::find(pool, connection, q, 50)
        .await?
        .into_iter()
        .filter(|l| section.kinds.contains(&l.kind))
        .collect();
    // The keys events carry: what was typed, and both sides' ids of every link found.
    let mut keys = vec![q.to_owned()];
    for link in &links {
        for key in [&link.key, &link.remote_id] {
            if !keys.contains(key) {
                keys.push(key.clone());
            }
        }
    }
    let mut found = Vec::new();
    for key in keys {
        let filter = EventFilter {
            entity_key: Some(key),
            ..EventFilter::default()
        };
        found.extend(events::list(pool, connection, &filter, EVENTS_PER_KEY).await?);
    }
    found.sort_by(|a, b| b.id.cmp(&a.id));
    found.dedup_by(|a, b| a.id == b.id);
    Ok(Found {
        query: q.to_owned(),
        links,
        events: found,
    })
}

/// The search form and, after a search, the record.
pub fn render(section: Section, found: Option<&Found>) -> Markup {
    html! {
        form.filters method="get" action=(section.path) role="search" {
            label { "Search (" (section.hint) ")"
                input type="search" name="q" value=(found.map(|f| f.query.as_str()).unwrap_or("")) required; }
            button type="submit" { "Search" }
        }
        @if let Some(found) = found {
            @if found.links.is_empty() && found.events.is_empty() {
                p { "Nothing matches " code { (found.query) } "." }
            } @else {
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
}
