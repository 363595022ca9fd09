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

/// `GET /console/connections`.
pub async fn page(
    State(state): State<AppState>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
) -> Result<Response, HtmlError> {
    let scoped = session.scope(&state);
    // The service's own keys belong to its connection; another connection's are stored
    // (sealed) with their fingerprints.
    let (leaflink_keys, flourish_keys) = if scoped.connection == state.connection {
        (
            state.leaflink_keys.iter().map(fingerprint).collect(),
            state.flourish_keys.iter().map(fingerprint).collect(),
        )
    } else {
        let stored = connections::secrets(&state.db.pool, Some(scoped.connection.as_str())).await?;
        let of = |setting: &str| -> Vec<String> {
            stored
                .iter()
                .filter(|s| s.setting == setting)
                .map(|s| s.fingerprint.clone())
                .collect()
        };
        (of("leaflink_webhook_key"), of("flourish_webhook_key"))
    };
    let view = ConnectionView {
        name: scoped.connection.clone(),
        base_url: base_url(&headers),
        leaflink_keys,
        flourish_keys,
        platforms_configured: scoped.sync.is_some(),
    };
    Ok(super::html(layout::page(
        "Connections",
        "/console/connections",
        &session,
        None,
        render(&[view]),
    )))
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
                        (url_row("LeafLink", &format!("{}/webhooks/leaflink", c.base_url), &c.leaflink_keys))
                        (url_row("Flourish", &format!("{}/webhooks/flourish", c.base_url), &c.flourish_keys))
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
            leaflink_keys: Vec::new(),
            flourish_keys: Vec::new(),
            platforms_configured: true,
        };
        crate::console::a11y::assert_labelled(&render(&[view]).into_string());
    }
}
