//! Typed client for LeafLink Marketplace V2: auth header, trailing slashes, `limit`/`offset`
//! pagination following absolute `next` URLs, and the endpoints leafbridge uses. Rate limiting,
//! retries and error classification come from `crate::remote::Transport`.

use chrono::{DateTime, FixedOffset, SecondsFormat};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::remote::{ClientError, Transport, TransportConfig};

use super::model::Page;

mod catalog;
mod orders;

pub use catalog::ProductQuery;
pub use orders::{CustomerQuery, OrderQuery};

/// Page size requested on every list.
pub const PAGE_LIMIT: u32 = 100;

/// How the API key is presented.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AuthScheme {
    /// `Authorization: App <key>`: a company-scoped application key (the default).
    #[default]
    App,
    /// `Authorization: Token <key>`: a legacy user key.
    Token,
}

/// Where and how to reach LeafLink.
#[derive(Clone, Debug)]
pub struct LeafLinkConfig {
    /// E.g. `https://app.leaflink.com/api/v2/` (a trailing slash is added when missing).
    pub base_url: String,
    pub api_key: crate::config::Secret,
    pub auth_scheme: AuthScheme,
    pub transport: TransportConfig,
}

/// A LeafLink API client; cheap to clone.
#[derive(Clone)]
pub struct LeafLinkClient {
    transport: Transport,
    base_url: url::Url,
    authorization: crate::config::Secret,
}

impl std::fmt::Debug for LeafLinkClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeafLinkClient")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl LeafLinkClient {
    /// The requests this client (and its clones) sent so far.
    pub fn usage(&self) -> &std::sync::Arc<crate::remote::Usage> {
        self.transport.usage()
    }

    /// The sustained request rate this client keeps to.
    pub fn requests_per_minute(&self) -> u32 {
        self.transport.requests_per_minute()
    }

    /// This client following `mode`: in shadow mode every write fails with
    /// [`ClientError::ShadowWrite`] before anything is sent.
    pub fn with_mode(mut self, mode: crate::remote::ModeSwitch) -> Self {
        self.transport.set_mode(mode);
        self
    }

    pub fn new(config: LeafLinkConfig) -> Result<Self, ClientError> {
        let mut base_url = config.base_url.trim().to_owned();
        if !base_url.ends_with('/') {
            base_url.push('/');
        }
        let base_url =
            url::Url::parse(&base_url).map_err(|source| ClientError::InvalidBaseUrl {
                platform: "LeafLink",
                source,
            })?;
        let scheme = match config.auth_scheme {
            AuthScheme::App => "App",
            AuthScheme::Token => "Token",
        };
        Ok(Self {
            transport: Transport::new("leaflink", config.transport)?,
            base_url,
            authorization: format!("{scheme} {}", config.api_key.expose()).into(),
        })
    }

    /// The absolute URL of `segments` (each percent-encoded as one segment), ending in `/` as
    /// LeafLink wants.
    fn url(&self, segments: &[&str]) -> Result<url::Url, ClientError> {
        let mut url = crate::remote::url_with_segments(&self.base_url, segments)?;
        url.path_segments_mut()
            .map_err(|()| ClientError::BaseUrlCannotTakePath {
                base: self.base_url.to_string(),
            })?
            .push("");
        Ok(url)
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &[&str],
        query: &[(&str, String)],
    ) -> Result<T, ClientError> {
        let url = self.url(path)?;
        let reply = self
            .transport
            .send(true, |http| {
                http.get(url.clone())
                    .header("authorization", self.authorization.expose())
                    .query(query)
            })
            .await?;
        reply.json()
    }

    async fn write<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &[&str],
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<T, ClientError> {
        let url = self.url(path)?;
        // PATCH always carries full values here, so repeating it is harmless; POST is not.
        let idempotent = method == reqwest::Method::PATCH;
        let reply = self
            .transport
            .send(idempotent, |http| {
                let request = http
                    .request(method.clone(), url.clone())
                    .header("authorization", self.authorization.expose());
                match body {
                    Some(body) => request.json(body),
                    None => request,
                }
            })
            .await?;
        reply.json()
    }

    /// Reads every page of a list, following `next` until it is null.
    async fn list_all<T: DeserializeOwned>(
        &self,
        path: &[&str],
        filters: &[(&str, String)],
    ) -> Result<Vec<T>, ClientError> {
        let mut query: Vec<(&str, String)> = filters.to_vec();
        query.push(("limit", PAGE_LIMIT.to_string()));
        query.push(("offset", "0".to_owned()));
        let mut page: Page<T> = self.get(path, &query).await?;
        let mut items = std::mem::take(&mut page.results);
        while let Some(next) = page.next.take() {
            page = self.get_next(&next).await?;
            items.append(&mut page.results);
        }
        Ok(items)
    }

    /// `next` links are absolute and carry the filters. Only their path and query are used, on
    /// the configured origin: the key never goes to another host, and a proxy that rewrote the
    /// scheme (an `http://` link behind TLS) does not break paging.
    async fn get_next<T: DeserializeOwned>(&self, next: &str) -> Result<T, ClientError> {
        let url = on_origin(&self.base_url, next)?;
        let reply = self
            .transport
            .send(true, |http| {
                http.get(url.clone())
                    .header("authorization", self.authorization.expose())
            })
            .await?;
        reply.json()
    }
}

/// `link`'s path and query on `base`'s scheme, host and port.
fn on_origin(base: &url::Url, link: &str) -> Result<url::Url, ClientError> {
    let bad = |e: url::ParseError| ClientError::Decode(format!("unusable next link {link:?}: {e}"));
    let link = url::Url::parse(link).map_err(bad)?;
    let mut url = base.clone();
    url.set_path(link.path());
    url.set_query(link.query());
    Ok(url)
}

/// A timestamp as LeafLink's `__gte` filters take it.
fn timestamp(at: &DateTime<FixedOffset>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_links_are_followed_on_the_configured_origin() {
        let base = url::Url::parse("https://app.leaflink.com/api/v2/").unwrap();
        let next = "http://internal:8000/api/v2/products/?limit=100&offset=100";
        let url = on_origin(&base, next).unwrap();
        assert_eq!(
            url.as_str(),
            "https://app.leaflink.com/api/v2/products/?limit=100&offset=100"
        );
        assert!(on_origin(&base, "not a url").is_err());
    }
}
