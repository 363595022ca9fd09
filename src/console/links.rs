//! Links: search by kind and key, pin a pair by hand, unlink.

use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{self, action_button, csrf};
use super::session::Session;
use super::{HtmlError, back, given};
use crate::http::admin::links::{self as api, LinkPage, LinkQuery, PinLink};
use crate::http::{ApiError, AppState};
use crate::store::links::LinkKind;

#[derive(Debug, Default, Deserialize)]
pub struct LinksQuery {
    pub kind: Option<String>,
    pub key: Option<String>,
    pub cursor: Option<String>,
    pub notice: Option<String>,
}

/// `GET /console/links`.
pub async fn page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Query(query): Query<LinksQuery>,
) -> Result<Response, HtmlError> {
    let state = session.scope(&state);
    let page = api::list_page(
        &state,
        LinkQuery {
            kind: given(query.kind.clone()),
            key: given(query.key.clone()),
            limit: Some(100),
            cursor: given(query.cursor.clone()),
        },
    )
    .await?;
    Ok(super::html(layout::page(
        "Links",
        "/console/links",
        &session,
        query.notice.as_deref(),
        render(&session, &query, &page),
    )))
}

fn kind_select(name: &str, current: Option<&str>, any: bool) -> Markup {
    html! {
        select name=(name) id=(format!("{name}-select")) {
            @if any { option value="" { "any" } }
            @for kind in LinkKind::ALL {
                option value=(kind.as_str()) selected[current == Some(kind.as_str())] { (kind.as_str()) }
            }
        }
    }
}

/// The links page body.
pub fn render(session: &Session, query: &LinksQuery, page: &LinkPage) -> Markup {
    html! {
        form.filters method="get" action="/console/links" role="search" {
            label { "Kind" (kind_select("kind", query.kind.as_deref(), true)) }
            label { "Key" input name="key" value=(query.key.clone().unwrap_or_default()); }
            button type="submit" { "Search" }
        }
        @if page.items.is_empty() {
            p { "No links match." }
        } @else {
            table {
                thead { tr { th scope="col" { "Kind" } th scope="col" { "Key" } th scope="col" { "Other side's id" } th scope="col" { "Pinned" } th scope="col" { span.sr-only { "Actions" } } } }
                tbody {
                    @for link in &page.items {
                        tr {
                            td { (link.kind.as_str()) }
                            td { code { (link.key) } }
                            td { code { (link.remote_id) } @if let Some(extra) = &link.extra { " " small { (extra.to_string()) } } }
                            td { @if link.pinned { "yes" } @else { "no" } }
                            td { (action_button(session, &format!("/console/links/{}/unlink", link.id), "Unlink", &format!("Unlink {}", link.key))) }
                        }
                    }
                }
            }
            @if let Some(cursor) = &page.next_cursor {
                p { a href=(format!("/console/links?cursor={}", super::events::urlencode(cursor))) rel="next" { "More →" } }
            }
        }
        h2 { "Pin a pair by hand" }
        p { "For records the rules cannot pair: sync never replaces a pinned link." }
        form.stack method="post" action="/console/links" {
            (csrf(session))
            label for="pin-kind-select" { "Kind" }
            (kind_select("pin-kind", None, false))
            label for="pin-key" { "Key (SKU, Flourish item id, license number, LeafLink order number or strain)" }
            input id="pin-key" name="key" required;
            label for="pin-remote" { "The other platform's id" }
            input id="pin-remote" name="remote_id" required;
            button type="submit" { "Pin" }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct PinForm {
    #[serde(rename = "pin-kind")]
    pub kind: String,
    pub key: String,
    pub remote_id: String,
}

/// `POST /console/links`.
pub async fn pin(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Form(form): Form<PinForm>,
) -> Result<Response, HtmlError> {
    let state = session.scope(&state);
    let kind = LinkKind::parse(&form.kind)
        .ok_or_else(|| ApiError::Unprocessable(format!("kind: unknown value {:?}", form.kind)))?;
    let link = api::pin_pair(
        &state,
        PinLink {
            kind,
            key: form.key,
            remote_id: form.remote_id,
            extra: None,
        },
    )
    .await?;
    Ok(back(
        "/console/links",
        &format!(
            "Pinned {} {} → {}.",
            link.kind.as_str(),
            link.key,
            link.remote_id
        ),
    ))
}

/// `POST /console/links/{id}/unlink`.
pub async fn unlink(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
) -> Result<Response, HtmlError> {
    let state = session.scope(&state);
    api::unlink(&state, &id).await?;
    Ok(back("/console/links", "Link removed."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::links::Link;

    #[test]
    fn no_links_and_a_pin_form_with_csrf() {
        let page = LinkPage {
            items: Vec::new(),
            next_cursor: None,
        };
        let html = render(&Session::admin("z"), &LinksQuery::default(), &page).into_string();
        assert!(html.contains("No links match."));
        assert!(html.contains("name=\"csrf\" value=\"z\""));
    }

    #[test]
    fn links_are_escaped_with_unlink_buttons() {
        let link = Link {
            id: "l1".into(),
            kind: LinkKind::Product,
            key: "<SKU>".into(),
            remote_id: "9".repeat(1_000),
            extra: None,
            pinned: true,
            created_at: 0,
            updated_at: 0,
        };
        let page = LinkPage {
            items: vec![link],
            next_cursor: None,
        };
        let html = render(&Session::admin("z"), &LinksQuery::default(), &page).into_string();
        assert!(html.contains("&lt;SKU&gt;") && html.contains("/console/links/l1/unlink"));
    }

    #[test]
    fn every_input_has_a_label() {
        let page = LinkPage {
            items: Vec::new(),
            next_cursor: None,
        };
        let html = render(&Session::admin("z"), &LinksQuery::default(), &page).into_string();
        crate::console::a11y::assert_labelled(&html);
    }
}
