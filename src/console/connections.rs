//! Connections: the webhook URLs to paste into LeafLink and Flourish (with copy buttons) and
//! the webhook keys' fingerprints — never a secret.

use axum::Extension;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use maud::{Markup, html};
use sha2::{Digest, Sha256};

use super::session::Session;
use super::{HtmlError, layout};
use crate::config::Secret;
use crate::http::AppState;
use crate::store::connections;

/// What the page shows of one connection.
#[derive(Clone, Debug)]
pub struct ConnectionView {
    pub name: String,
    /// The address operators reach leafbridge at (from the request).
    pub base_url: String,
    /// `/<name>` after `/webhooks/<platform>`, or empty for the bare paths.
    pub webhook_suffix: String,
    pub leaflink_keys: Vec<String>,
    pub flourish_keys: Vec<String>,
    pub platforms_configured: bool,
}

/// The first 8 bytes of a secret's SHA-256, to tell keys apart without showing one.
pub fn fingerprint(secret: &Secret) -> String {
    let digest = Sha256::digest(secret.expose().as_bytes());
    digest[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The address the request came to: the proxy's forwarded scheme and host when present.
fn base_url(headers: &HeaderMap) -> String {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let host = get("x-forwarded-host")
        .or_else(|| get("host"))
        .unwrap_or("localhost");
    let scheme = get("x-forwarded-proto").unwrap_or("http");
    format!("{scheme}://{host}")
}

/// `GET /console/connections`: every running connection for the admin, its own for a
/// connection session.
pub async fn page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
) -> Result<Response, HtmlError> {
    let scoped = session.scope(&state);
    let base_url = base_url(&headers);
    let mut running = state.connections.all();
    running.sort_by(|a, b| a.name().cmp(b.name()));
    let mut views: Vec<ConnectionView> = running
        .iter()
        .filter(|r| session.connection.is_none() || r.name() == scoped.connection)
        .map(|r| ConnectionView {
            name: r.name().to_owned(),
            base_url: base_url.clone(),
            webhook_suffix: webhook_suffix(&state, r.name()),
            leaflink_keys: r.leaflink_keys.iter().map(fingerprint).collect(),
            flourish_keys: r.flourish_keys.iter().map(fingerprint).collect(),
            platforms_configured: r.sync.is_some(),
        })
        .collect();
    // A connection not running (stored without a key to open it, say): its stored keys'
    // fingerprints, so the page still says which keys it has.
    if views.is_empty() {
        let stored = connections::secrets(&state.db.pool, Some(scoped.connection.as_str())).await?;
        let of = |setting: &str| -> Vec<String> {
            stored
                .iter()
                .filter(|s| s.setting == setting)
                .map(|s| s.fingerprint.clone())
                .collect()
        };
        views.push(ConnectionView {
            name: scoped.connection.clone(),
            base_url,
            webhook_suffix: webhook_suffix(&state, &scoped.connection),
            leaflink_keys: of("leaflink_webhook_key"),
            flourish_keys: of("flourish_webhook_key"),
            platforms_configured: scoped.sync.is_some(),
        });
    }
    Ok(super::html(layout::page(
        "Connections",
        "/console/connections",
        &session,
        None,
        render(&views),
    )))
}

/// What follows `/webhooks/<platform>` for `name`: nothing for the service's own connection
/// (the bare paths), `/<name>` for any other.
fn webhook_suffix(state: &AppState, name: &str) -> String {
    if name == state.connection {
        String::new()
    } else {
        format!("/{name}")
    }
}

fn url_row(label: &str, url: &str, keys: &[String]) -> Markup {
    html! {
        tr {
            th scope="row" { (label) }
            td { code { (url) } " " button type="button" data-copy=(url) hidden aria-label=(format!("Copy the {label} URL")) { "Copy" } }
            td { @if keys.is_empty() { span.bad { "no key set" } } @for key in keys { code { (key) } br; } }
        }
    }
}

/// Every connection with its webhook URLs and key fingerprints.
pub fn render(connections: &[ConnectionView]) -> Markup {
    html! {
        @for c in connections {
            section {
                h2 { "Connection " code { (c.name) } }
                table {
                    thead { tr { th scope="col" { "Webhook" } th scope="col" { "URL to paste into the platform" } th scope="col" { "Signing key fingerprints (SHA-256)" } } }
                    tbody {
                        (url_row("LeafLink", &format!("{}/webhooks/leaflink{}", c.base_url, c.webhook_suffix), &c.leaflink_keys))
                        (url_row("Flourish", &format!("{}/webhooks/flourish{}", c.base_url, c.webhook_suffix), &c.flourish_keys))
                    }
                }
                p { "Platform API access: "
                    @if c.platforms_configured { span.ok { "both API keys set" } }
                    @else { span.warn { "not configured (set LEAFBRIDGE_LEAFLINK_API_KEY and LEAFBRIDGE_FLOURISH_API_KEY)" } } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_fingerprints_show_and_secrets_do_not() {
        let secret = Secret::new("super-secret-key");
        let view = ConnectionView {
            name: "default".into(),
            base_url: "http://lb.example:8080".into(),
            webhook_suffix: String::new(),
            leaflink_keys: vec![fingerprint(&secret)],
            flourish_keys: Vec::new(),
            platforms_configured: false,
        };
        let html = render(&[view]).into_string();
        assert!(html.contains("http://lb.example:8080/webhooks/leaflink"));
        assert!(html.contains("data-copy=\"http://lb.example:8080/webhooks/flourish\""));
        assert!(html.contains(&fingerprint(&secret)) && !html.contains("super-secret-key"));
        assert!(html.contains("no key set"));
        assert_eq!(fingerprint(&secret).len(), 8 * 3 - 1);
    }

    #[test]
    fn every_control_has_a_label() {
        let view = ConnectionView {
            name: "default".into(),
            base_url: "http://lb".into(),
            webhook_suffix: "/brand-b".into(),
            leaflink_keys: Vec::new(),
            flourish_keys: Vec::new(),
            platforms_configured: true,
        };
        let html = render(&[view]).into_string();
        assert!(html.contains("http://lb/webhooks/leaflink/brand-b"));
        crate::console::a11y::assert_labelled(&html);
    }
}
