//! HTTP plumbing shared by the platform clients: timeouts, rate limiting, quick retries and the
//! classification of failures into retryable and permanent ones for the job layer.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::StatusCode;
use tracing::Instrument;

mod mode;
mod usage;

pub use mode::{Mode, ModeSwitch};
pub use usage::{MethodCount, PlatformCalls, Usage};

/// Longest `Retry-After` the client sleeps through itself; longer waits go back to the job layer.
pub const MAX_INLINE_RETRY_AFTER: Duration = Duration::from_secs(10);

/// How a client reaches its platform.
#[derive(Clone, Debug)]
pub struct TransportConfig {
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Sustained requests per minute.
    pub requests_per_minute: u32,
    /// Requests that may go out at once before the sustained rate applies.
    pub burst: u32,
    /// Extra attempts after the first for transport errors, 502/503/504 and 429.
    pub max_retries: u32,
    /// First backoff between quick retries; doubles each time.
    pub retry_backoff: Duration,
}

impl TransportConfig {
    /// LeafLink: 300 requests/minute sustained, with bursts.
    pub fn leaflink_default() -> Self {
        Self {
            requests_per_minute: 300,
            burst: 50,
            ..Self::base()
        }
    }

    /// Flourish: 10 requests/second.
    pub fn flourish_default() -> Self {
        Self {
            requests_per_minute: 600,
            burst: 10,
            ..Self::base()
        }
    }

    fn base() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            requests_per_minute: 600,
            burst: 10,
            max_retries: 3,
            retry_backoff: Duration::from_millis(200),
        }
    }
}

/// Why a platform call failed, classified for the retry policy.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No answer: the connection failed, timed out or broke while the body was read.
    #[error("transport error: {0}")]
    Transport(#[source] reqwest::Error),
    /// The configured base URL is not a URL.
    #[error("transport error: invalid {platform} base URL: {source}")]
    InvalidBaseUrl {
        platform: &'static str,
        source: url::ParseError,
    },
    /// The configured base URL cannot have a path (`mailto:…`, `data:…`).
    #[error("transport error: base URL {base} cannot take a path")]
    BaseUrlCannotTakePath { base: String },
    #[error("rate limited by the platform (retry after {retry_after:?})")]
    RateLimited { retry_after: Option<Duration> },
    #[error("platform error {status}: {message}")]
    Server { status: u16, message: String },
    /// 408, 409 or 425 (or a status not known to be permanent): the platform did not act on the
    /// request this time (timed out, a concurrent change, too early); it may succeed later.
    #[error("not done this time ({status}): {message}")]
    Transient { status: u16, message: String },
    #[error("rejected by the platform ({status}): {message}")]
    BadRequest { status: u16, message: String },
    #[error("credentials refused ({status}): {message}")]
    Unauthorized { status: u16, message: String },
    #[error("not found: {message}")]
    NotFound { message: String },
    #[error("unexpected response body: {0}")]
    Decode(String),
    /// A write reached the client while its connection is in shadow mode: a programming error
    /// (flows stop at the plan in shadow mode). The request was not sent.
    #[error("write attempted in shadow mode: {method} {path} was not sent")]
    ShadowWrite { method: String, path: String },
}

impl ClientError {
    /// Transport failures, 408, 409, 425, 429 and 5xx are worth retrying later; the refusals of
    /// [`PERMANENT_STATUSES`] (and any other 4xx) are permanent.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Transport(_)
                | Self::InvalidBaseUrl { .. }
                | Self::BaseUrlCannotTakePath { .. }
                | Self::RateLimited { .. }
                | Self::Server { .. }
                | Self::Transient { .. }
        )
    }

    /// The wait the platform asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }

    /// Classifies a non-success status with the body the platform sent.
    pub fn from_status(status: StatusCode, retry_after: Option<Duration>, body: &[u8]) -> Self {
        let message = error_message(body);
        let code = status.as_u16();
        match code {
            429 => Self::RateLimited { retry_after },
            401 | 403 => Self::Unauthorized {
                status: code,
                message,
            },
            404 => Self::NotFound { message },
            500..=599 => Self::Server {
                status: code,
                message,
            },
            code if PERMANENT_STATUSES.contains(&code) => Self::BadRequest {
                status: code,
                message,
            },
            // 408, 409, 425 and anything unlisted: retried, and dead-lettered if it persists.
            _ => Self::Transient {
                status: code,
                message,
            },
        }
    }
}

/// The refusals (besides 401, 403 and 404, which have their own variants) that mean "this
/// request will never succeed as it is": the data or the configuration must change. Any status
/// not listed here and not a success is retried (408, 409, 425, 429, 5xx, and the unexpected).
pub const PERMANENT_STATUSES: &[u16] = &[400, 402, 405, 406, 410, 411, 413, 414, 415, 422, 451];

/// The platform's own words from an error body, shortened for logs and outcomes.
fn error_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let mut message: String = text.chars().take(500).collect();
    if message.is_empty() {
        message = "(empty body)".to_owned();
    }
    message
}

/// `base` with `segments` appended to its path, each percent-encoded as exactly one segment, so
/// an identifier cannot add path segments, a query or a fragment. Empty, `.` and `..`
/// segments (which URL normalisation would drop or resolve) are refused before any call.
pub fn url_with_segments(base: &url::Url, segments: &[&str]) -> Result<url::Url, ClientError> {
    if let Some(segment) = segments
        .iter()
        .find(|s| s.is_empty() || **s == "." || **s == "..")
    {
        return Err(ClientError::BadRequest {
            status: 400,
            message: format!("refused before calling: {segment:?} is not a usable identifier"),
        });
    }
    let mut url = base.clone();
    url.path_segments_mut()
        .map_err(|()| ClientError::BaseUrlCannotTakePath {
            base: base.to_string(),
        })?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

/// Whether `method` only reads (allowed in shadow mode).
fn is_read(method: &reqwest::Method) -> bool {
    matches!(
        *method,
        reqwest::Method::GET | reqwest::Method::HEAD | reqwest::Method::OPTIONS
    )
}

/// A successful response, read in full.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Bytes,
}

impl Reply {
    /// Deserialises the body, naming the target type on failure.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, ClientError> {
        serde_json::from_slice(&self.body)
            .map_err(|e| ClientError::Decode(format!("{} ({e})", std::any::type_name::<T>())))
    }
}

/// A rate-limited HTTP client with quick retries.
#[derive(Clone)]
pub struct Transport {
    http: reqwest::Client,
    limiter: Arc<DefaultDirectRateLimiter>,
    config: TransportConfig,
    usage: Arc<Usage>,
    mode: ModeSwitch,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// A transport to `platform` (`leaflink` or `flourish`, as its usage is labelled).
    pub fn new(platform: &'static str, config: TransportConfig) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("leafbridge/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .build()
            .map_err(ClientError::Transport)?;
        let per_minute = NonZeroU32::new(config.requests_per_minute.max(1)).expect("nonzero");
        let burst = NonZeroU32::new(config.burst.max(1)).expect("nonzero");
        let limiter = RateLimiter::direct(Quota::per_minute(per_minute).allow_burst(burst));
        Ok(Self {
            http,
            limiter: Arc::new(limiter),
            config,
            usage: Arc::new(Usage::new(platform)),
            mode: ModeSwitch::default(),
        })
    }

    /// Makes this transport follow `mode`: in shadow mode it refuses every request but `GET`,
    /// `HEAD` and `OPTIONS` without sending it.
    pub fn set_mode(&mut self, mode: ModeSwitch) {
        self.mode = mode;
    }

    /// What this transport (and its clones) sent so far.
    pub fn usage(&self) -> &Arc<Usage> {
        &self.usage
    }

    /// The sustained rate this transport keeps to.
    pub fn requests_per_minute(&self) -> u32 {
        self.config.requests_per_minute
    }

    /// The underlying client, for building requests.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Sends the request `build` makes, waiting for the rate limiter. Transport errors and
    /// 502/503/504 are retried only when `idempotent`; 429 is always retried (the platform did
    /// not act on it), sleeping `Retry-After` when it is short.
    pub async fn send(
        &self,
        idempotent: bool,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<Reply, ClientError> {
        let mut attempt = 0;
        loop {
            let waiting = Instant::now();
            self.limiter.until_ready().await;
            self.usage.waited(waiting.elapsed());
            let result = self.attempt(build(&self.http)).await;
            let error = match result {
                Ok(reply) => return Ok(reply),
                Err(error) => error,
            };
            let again = attempt < self.config.max_retries
                && match &error {
                    ClientError::RateLimited { retry_after } => {
                        retry_after.is_none_or(|d| d <= MAX_INLINE_RETRY_AFTER)
                    }
                    ClientError::Transport(_) => idempotent,
                    ClientError::Server { status, .. } => idempotent && matches!(status, 502..=504),
                    ClientError::Transient { status, .. } => {
                        idempotent && matches!(status, 408 | 425)
                    }
                    _ => false,
                };
            if !again {
                return Err(error);
            }
            let wait = error
                .retry_after()
                .unwrap_or(self.config.retry_backoff * 2u32.saturating_pow(attempt));
            tracing::debug!(attempt, wait_ms = wait.as_millis() as u64, %error, "retrying platform call");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// One request, in a `platform_call` span (debug level) that names its method and path.
    async fn attempt(&self, request: reqwest::RequestBuilder) -> Result<Reply, ClientError> {
        let (http, request) = request.build_split();
        let request = request.map_err(ClientError::Transport)?;
        let method = request.method().as_str().to_owned();
        if self.mode.is_shadow() && !is_read(request.method()) {
            tracing::error!(platform = self.usage.platform(), %method, path = request.url().path(), "write attempted in shadow mode; not sent");
            return Err(ClientError::ShadowWrite {
                method,
                path: request.url().path().to_owned(),
            });
        }
        let span = tracing::debug_span!(
            "platform_call",
            platform = self.usage.platform(),
            method = %method,
            path = request.url().path(),
        );
        self.exchange(http, request, method).instrument(span).await
    }

    async fn exchange(
        &self,
        http: reqwest::Client,
        request: reqwest::Request,
        method: String,
    ) -> Result<Reply, ClientError> {
        let sent = http.execute(request).await;
        let now_ms = chrono::Utc::now().timestamp_millis();
        self.usage.record(
            &method,
            sent.as_ref().ok().map(|r| r.status().as_u16()),
            now_ms,
        );
        let response = sent.map_err(ClientError::Transport)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = response.bytes().await.map_err(ClientError::Transport)?;
        if status.is_success() {
            Ok(Reply { status, body })
        } else {
            Err(ClientError::from_status(status, retry_after, &body))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(code: u16) -> ClientError {
        let status = StatusCode::from_u16(code).expect("valid status");
        ClientError::from_status(status, None, b"{\"message\": \"no\"}")
    }

    #[test]
    fn timeouts_conflicts_and_too_early_are_retryable() {
        for code in [408, 409, 425, 429, 500, 502, 503, 504] {
            assert!(classify(code).is_retryable(), "{code} is retryable");
        }
        assert!(matches!(
            classify(409),
            ClientError::Transient { status: 409, .. }
        ));
    }

    #[test]
    fn only_the_listed_refusals_are_permanent() {
        for &code in PERMANENT_STATUSES {
            assert!(
                matches!(classify(code), ClientError::BadRequest { status, .. } if status == code),
                "{code} is a refusal"
            );
        }
        for code in [401, 403, 404] {
            assert!(!classify(code).is_retryable(), "{code} is permanent");
        }
        // Unlisted statuses are retried (and dead-lettered if they persist), never dropped.
        assert!(classify(418).is_retryable());
    }
}
