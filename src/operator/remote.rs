//! The operator API of a running instance, for the CLI's `--url` mode: the same requests and
//! answers as the in-process functions, over HTTP with the admin token.

use anyhow::{Context, bail};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::attention::AttentionPage;
use super::replay::{ReplayFilter, ReplayReport, Replayed};
use super::resync::{ResyncRequest, ResyncResponse};
use crate::store::resyncs::ResyncView;

/// The `{code, message}` body of every API error, as this client reads it. A deliberate mirror
/// of `http::error::ErrorBody` (the server's side of the same wire shape), so that the operator
/// functions do not depend on the HTTP layer that calls them.
#[derive(Deserialize)]
struct WireError {
    code: String,
    message: String,
}

/// A client for `/api/v1` of one instance.
pub struct Remote {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Remote {
    /// `base` is the instance's root URL, e.g. `http://127.0.0.1:8080`.
    pub fn new(base: &str, token: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            token: token.trim().to_owned(),
            http: reqwest::Client::new(),
        }
    }

    pub async fn resync(&self, request: &ResyncRequest) -> anyhow::Result<ResyncResponse> {
        self.send(reqwest::Method::POST, "/api/v1/resync", Some(request))
            .await
    }

    pub async fn resync_status(&self, id: &str) -> anyhow::Result<ResyncView> {
        self.send::<(), _>(reqwest::Method::GET, &format!("/api/v1/resyncs/{id}"), None)
            .await
    }

    pub async fn replay_event(&self, id: &str) -> anyhow::Result<Replayed> {
        let path = format!("/api/v1/events/{id}/replay");
        self.send::<(), _>(reqwest::Method::POST, &path, None).await
    }

    pub async fn replay_matching(&self, filter: &ReplayFilter) -> anyhow::Result<ReplayReport> {
        self.send(reqwest::Method::POST, "/api/v1/events/replay", Some(filter))
            .await
    }

    pub async fn attention(&self, cursor: Option<&str>) -> anyhow::Result<AttentionPage> {
        let mut path = "/api/v1/attention?limit=200".to_owned();
        if let Some(cursor) = cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        self.send::<(), _>(reqwest::Method::GET, &path, None).await
    }

    pub async fn retry_attention(&self, id: &str) -> anyhow::Result<Replayed> {
        let path = format!("/api/v1/attention/{id}/retry");
        self.send::<(), _>(reqwest::Method::POST, &path, None).await
    }

    pub async fn shadow_report(
        &self,
        since: i64,
        until: i64,
        settings: super::shadow_report::ReportSettings,
    ) -> anyhow::Result<super::shadow_report::ShadowReport> {
        let time = |ms: i64| {
            chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
                .unwrap_or_default()
        };
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("since", &time(since))
            .append_pair("until", &time(until))
            .append_pair(
                "price_change_percent",
                &settings.price_change_percent.to_string(),
            )
            .finish();
        let path = format!("/api/v1/shadow-report?{query}");
        self.send::<(), _>(reqwest::Method::GET, &path, None).await
    }

    pub async fn cutover(&self, dry_run: bool) -> anyhow::Result<super::cutover::CutoverReport> {
        let body = serde_json::json!({ "dry_run": dry_run });
        self.send(reqwest::Method::POST, "/api/v1/cutover", Some(&body))
            .await
    }

    async fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&B>,
    ) -> anyhow::Result<T> {
        let url = format!("{}{path}", self.base);
        let mut request = self.http.request(method, &url).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("calling {url}"))?;
        let status = response.status();
        let bytes = response.bytes().await.context("reading the answer")?;
        if !status.is_success() {
            match serde_json::from_slice::<WireError>(&bytes) {
                Ok(error) => bail!("{status}: {} ({})", error.message, error.code),
                Err(_) => bail!("{status} from {url}"),
            }
        }
        serde_json::from_slice(&bytes).with_context(|| format!("reading the answer of {url}"))
    }
}
