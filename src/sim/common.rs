//! What both simulators share: the request log, fault injection (as Rust calls and as `/_sim/`
//! control endpoints) and the outbox that delivers signed webhooks in the background.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

/// Headers whose values are never logged.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "x-api-key",
    "ll-signature",
    "auth-signature",
];

/// One request as the simulator saw it (secrets redacted).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    /// The JSON body, or `null` when there was none or it was not JSON.
    pub body: serde_json::Value,
}

/// Faults to inject into the next platform requests (control endpoints are never affected).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Faults {
    /// Answer the next `count` requests with `status` and an error body.
    #[serde(default)]
    pub fail_next: Option<FailNext>,
    /// Answer the next `count` requests with 429 and `Retry-After: retry_after`.
    #[serde(default)]
    pub rate_limit_next: Option<RateLimitNext>,
    /// Delay added to every request.
    #[serde(default)]
    pub latency_ms: u64,
    /// Drop the connection of the next `drop_next` requests before a complete response.
    #[serde(default)]
    pub drop_next: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FailNext {
    pub count: u32,
    pub status: u16,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RateLimitNext {
    pub count: u32,
    pub retry_after: u64,
}

/// Shared control state of one simulator: its request log and pending faults.
#[derive(Default)]
pub struct SimControl {
    requests: Mutex<Vec<LoggedRequest>>,
    faults: Mutex<Faults>,
}

impl SimControl {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Replaces the pending faults.
    pub fn set_faults(&self, faults: Faults) {
        *self.faults.lock() = faults;
    }

    pub fn fail_next(&self, count: u32, status: u16) {
        self.faults.lock().fail_next = Some(FailNext { count, status });
    }

    pub fn rate_limit_next(&self, count: u32, retry_after: u64) {
        self.faults.lock().rate_limit_next = Some(RateLimitNext { count, retry_after });
    }

    pub fn set_latency(&self, latency: Duration) {
        self.faults.lock().latency_ms = latency.as_millis() as u64;
    }

    pub fn drop_next(&self, count: u32) {
        self.faults.lock().drop_next = count;
    }

    pub fn faults(&self) -> Faults {
        self.faults.lock().clone()
    }

    /// Every platform request seen so far, oldest first.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.requests.lock().clone()
    }

    pub fn clear_requests(&self) {
        self.requests.lock().clear();
    }

    /// Decides the fault for one request, consuming it.
    fn take_fault(&self) -> (Duration, Option<Injected>) {
        let mut faults = self.faults.lock();
        let latency = Duration::from_millis(faults.latency_ms);
        if faults.drop_next > 0 {
            faults.drop_next -= 1;
            return (latency, Some(Injected::Drop));
        }
        if let Some(limit) = faults.rate_limit_next.as_mut() {
            let injected = Injected::RateLimit(limit.retry_after);
            limit.count = limit.count.saturating_sub(1);
            if limit.count == 0 {
                faults.rate_limit_next = None;
            }
            return (latency, Some(injected));
        }
        if let Some(fail) = faults.fail_next.as_mut() {
            let injected = Injected::Fail(fail.status);
            fail.count = fail.count.saturating_sub(1);
            if fail.count == 0 {
                faults.fail_next = None;
            }
            return (latency, Some(injected));
        }
        (latency, None)
    }
}

enum Injected {
    Fail(u16),
    RateLimit(u64),
    Drop,
}

/// Middleware: logs each platform request and applies pending faults. Paths under `/_sim/` pass.
pub async fn log_and_inject(
    State(control): State<Arc<SimControl>>,
    request: Request,
    next: Next,
) -> Response {
    if request.uri().path().starts_with("/_sim/") {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, 16 * 1024 * 1024).await {
        Ok(bytes) => bytes,
        Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "body too large").into_response(),
    };
    control.requests.lock().push(LoggedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: redacted_headers(&parts.headers),
        body: serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    });
    let (latency, injected) = control.take_fault();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match injected {
        Some(Injected::Fail(status)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = serde_json::json!({"detail": format!("simulated failure ({status})")});
            (status, Json(body)).into_response()
        }
        Some(Injected::RateLimit(seconds)) => (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", seconds.to_string())],
            Json(serde_json::json!({"detail": "Request was throttled."})),
        )
            .into_response(),
        Some(Injected::Drop) => dropped_response(),
        None => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
    }
}

/// A response whose body fails after the headers, so the client sees a broken connection.
fn dropped_response() -> Response {
    let stream = futures::stream::once(async {
        Err::<bytes::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "simulated dropped connection",
        ))
    });
    Response::new(Body::from_stream(stream))
}

fn redacted_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let name = name.as_str().to_owned();
            let value = if SECRET_HEADERS.contains(&name.as_str()) {
                "[redacted]".to_owned()
            } else {
                value.to_str().unwrap_or("[binary]").to_owned()
            };
            (name, value)
        })
        .collect()
}

/// Control endpoints under `/_sim/`: `GET/PUT/DELETE /_sim/faults`, `GET/DELETE /_sim/requests`.
pub fn control_router(control: Arc<SimControl>) -> Router {
    Router::new()
        .route(
            "/_sim/faults",
            get(get_faults)
                .put(put_faults)
                .post(put_faults)
                .delete(clear_faults),
        )
        .route("/_sim/requests", get(get_requests).delete(clear_requests))
        .with_state(control)
}

async fn get_faults(State(control): State<Arc<SimControl>>) -> Json<Faults> {
    Json(control.faults())
}

async fn put_faults(
    State(control): State<Arc<SimControl>>,
    Json(faults): Json<Faults>,
) -> StatusCode {
    control.set_faults(faults);
    StatusCode::NO_CONTENT
}

async fn clear_faults(State(control): State<Arc<SimControl>>) -> StatusCode {
    control.set_faults(Faults::default());
    StatusCode::NO_CONTENT
}

async fn get_requests(State(control): State<Arc<SimControl>>) -> Json<Vec<LoggedRequest>> {
    Json(control.requests())
}

async fn clear_requests(State(control): State<Arc<SimControl>>) -> StatusCode {
    control.clear_requests();
    StatusCode::NO_CONTENT
}

/// Where a simulator delivers its webhooks and how it signs them.
#[derive(Clone)]
pub struct WebhookTarget {
    pub url: String,
    pub key: Vec<u8>,
    /// The platform's signature header name.
    pub header: &'static str,
    /// The platform's signing scheme: (key, raw body) → header value.
    pub sign: fn(&[u8], &[u8]) -> String,
}

/// Delivery tricks for the next webhooks, to test receivers against real-world behaviour.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct DeliveryQuirks {
    /// Deliver each of the next N webhooks twice.
    #[serde(default)]
    pub duplicate_next: u32,
    /// Hold the next webhook back and deliver it after the one that follows (a reordered pair).
    #[serde(default)]
    pub reorder_next: bool,
    /// Sign the next N webhooks with a wrong key.
    #[serde(default)]
    pub bad_signature_next: u32,
    /// Swallow the next N webhooks (a lost delivery).
    #[serde(default)]
    pub drop_next: u32,
}

/// One delivery attempt's result, kept for tests and the demo.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Delivery {
    pub body: serde_json::Value,
    /// HTTP status from the receiver, or `None` on a transport error or a dropped webhook.
    pub status: Option<u16>,
    /// 1 for the first delivery of a webhook, 2 for its first redelivery, and so on.
    #[serde(default = "first_attempt")]
    pub attempt: u32,
}

fn first_attempt() -> u32 {
    1
}

/// The delays between redeliveries of a webhook the receiver did not take (no answer or a
/// non-2xx status); after the last one the webhook is given up. Empty: never redelivered.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RetrySchedule(pub Vec<Duration>);

impl RetrySchedule {
    /// LeafLink's observed behaviour: about 14 tries over about 7 minutes.
    pub fn leaflink() -> Self {
        Self(vec![Duration::from_secs(32); 13])
    }

    /// `retries` redeliveries, `delay` apart (tests use a few milliseconds).
    pub fn every(delay: Duration, retries: usize) -> Self {
        Self(vec![delay; retries])
    }
}

/// A webhook waiting for its (next) delivery.
#[derive(Clone)]
struct Pending {
    body: Vec<u8>,
    /// Deliveries made so far.
    attempts: u32,
    /// Signed with a wrong key (a redelivery is the same request again).
    bad_signature: bool,
}

struct OutboxState {
    queue: VecDeque<Pending>,
    held: Option<Pending>,
    /// Redeliveries, each with the time it is due.
    retries: Vec<(tokio::time::Instant, Pending)>,
    schedule: RetrySchedule,
    in_flight: usize,
    quirks: DeliveryQuirks,
    deliveries: Vec<Delivery>,
}

impl OutboxState {
    /// Moves the redeliveries that are due into the queue; answers when the next one is due.
    fn release_due(&mut self) -> Option<tokio::time::Instant> {
        let now = tokio::time::Instant::now();
        let (due, later): (Vec<_>, Vec<_>) = self.retries.drain(..).partition(|(at, _)| *at <= now);
        self.retries = later;
        self.queue
            .extend(due.into_iter().map(|(_, pending)| pending));
        self.retries.iter().map(|(at, _)| *at).min()
    }
}

/// Delivers webhooks in order from a background task; `flush` waits until all went out.
pub struct WebhookOutbox {
    target: Mutex<Option<WebhookTarget>>,
    state: Mutex<OutboxState>,
    wake: Notify,
    idle: Notify,
    http: reqwest::Client,
}

impl WebhookOutbox {
    /// Creates the outbox and starts its delivery task on the current runtime.
    pub fn start(target: Option<WebhookTarget>) -> Arc<Self> {
        let outbox = Arc::new(Self {
            target: Mutex::new(target),
            state: Mutex::new(OutboxState {
                queue: VecDeque::new(),
                held: None,
                retries: Vec::new(),
                schedule: RetrySchedule::default(),
                in_flight: 0,
                quirks: DeliveryQuirks::default(),
                deliveries: Vec::new(),
            }),
            wake: Notify::new(),
            idle: Notify::new(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("http client"),
        });
        let weak = Arc::downgrade(&outbox);
        tokio::spawn(async move {
            while let Some(outbox) = weak.upgrade() {
                outbox.deliver_pending().await;
                // Re-check now and then so a dropped simulator ends this task, and when the
                // next redelivery is due.
                let next = outbox.state.lock().release_due();
                let mut wait = Duration::from_secs(1);
                if let Some(at) = next {
                    wait = wait.min(at.saturating_duration_since(tokio::time::Instant::now()));
                }
                let _ = tokio::time::timeout(wait, outbox.wake.notified()).await;
            }
        });
        outbox
    }

    pub fn set_target(&self, target: Option<WebhookTarget>) {
        *self.target.lock() = target;
    }

    pub fn set_quirks(&self, quirks: DeliveryQuirks) {
        self.state.lock().quirks = quirks;
    }

    /// How webhooks the receiver did not take are redelivered (default: never).
    pub fn set_retry_schedule(&self, schedule: RetrySchedule) {
        self.state.lock().schedule = schedule;
    }

    /// The redelivery schedule in force.
    pub fn retry_schedule(&self) -> RetrySchedule {
        self.state.lock().schedule.clone()
    }

    /// Waits until every webhook was delivered, redeliveries included: until each one was taken
    /// or given up. With a long schedule and a failing receiver this takes as long as it says.
    pub async fn flush_with_retries(&self) {
        loop {
            self.flush().await;
            let next = self.state.lock().retries.iter().map(|(at, _)| *at).min();
            let Some(at) = next else {
                return;
            };
            tokio::time::sleep_until(at).await;
            self.state.lock().release_due();
        }
    }

    /// Queues a webhook body; nothing is queued when no target is configured.
    pub fn emit(&self, body: &serde_json::Value) {
        if self.target.lock().is_none() {
            return;
        }
        let bytes = serde_json::to_vec(body).expect("json");
        self.state.lock().queue.push_back(Pending {
            body: bytes,
            attempts: 0,
            bad_signature: false,
        });
        self.wake.notify_one();
    }

    /// Every delivery attempt so far.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.state.lock().deliveries.clone()
    }

    /// Waits until every queued webhook was delivered (a held one is released first, and
    /// redeliveries already due are queued); redeliveries due later are not waited for.
    pub async fn flush(&self) {
        loop {
            let idle = self.idle.notified();
            {
                let mut state = self.state.lock();
                if let Some(held) = state.held.take() {
                    state.queue.push_back(held);
                }
                state.release_due();
                if state.queue.is_empty() && state.in_flight == 0 {
                    return;
                }
            }
            self.wake.notify_one();
            let _ = tokio::time::timeout(Duration::from_millis(200), idle).await;
        }
    }

    async fn deliver_pending(&self) {
        loop {
            let (mut pending, copies, dropped) = {
                let mut state = self.state.lock();
                let Some(mut pending) = state.queue.pop_front() else {
                    break;
                };
                if pending.attempts > 0 {
                    // A redelivery is the same request again: no new quirks apply.
                    state.in_flight += 1;
                    (pending, 1, false)
                } else {
                    if state.quirks.reorder_next && state.held.is_none() {
                        state.quirks.reorder_next = false;
                        state.held = Some(pending);
                        continue;
                    }
                    let copies = if state.quirks.duplicate_next > 0 {
                        state.quirks.duplicate_next -= 1;
                        2
                    } else {
                        1
                    };
                    pending.bad_signature = state.quirks.bad_signature_next > 0;
                    if pending.bad_signature {
                        state.quirks.bad_signature_next -= 1;
                    }
                    let dropped = state.quirks.drop_next > 0;
                    if dropped {
                        state.quirks.drop_next -= 1;
                    }
                    state.in_flight += 1;
                    (pending, copies, dropped)
                }
            };
            pending.attempts += 1;
            let mut taken = dropped;
            for _ in 0..copies {
                let status = if dropped {
                    None
                } else {
                    self.post(&pending.body, pending.bad_signature).await
                };
                taken |= status.is_some_and(|s| (200..300).contains(&s));
                let json = serde_json::from_slice(&pending.body).unwrap_or(serde_json::Value::Null);
                self.state.lock().deliveries.push(Delivery {
                    body: json,
                    status,
                    attempt: pending.attempts,
                });
            }
            let mut state = self.state.lock();
            state.in_flight -= 1;
            // A dropped webhook is lost for good; one the receiver refused or never answered
            // comes again after the next delay of the schedule, until the schedule runs out.
            let delay = state.schedule.0.get(pending.attempts as usize - 1).copied();
            if let (false, Some(delay)) = (taken, delay) {
                let at = tokio::time::Instant::now() + delay;
                state.retries.push((at, pending));
            }
            // A held webhook goes out right after the one that overtook it.
            if let Some(held) = state.held.take() {
                state.queue.push_front(held);
            }
        }
        self.idle.notify_waiters();
    }

    async fn post(&self, body: &[u8], bad_signature: bool) -> Option<u16> {
        let target = self.target.lock().clone()?;
        let key: &[u8] = if bad_signature {
            b"not-the-webhook-key"
        } else {
            &target.key
        };
        let signature = (target.sign)(key, body);
        let response = self
            .http
            .post(&target.url)
            .header("content-type", "application/json")
            .header(target.header, signature)
            .body(body.to_vec())
            .send()
            .await;
        match response {
            Ok(response) => Some(response.status().as_u16()),
            Err(error) => {
                tracing::warn!(%error, "simulator webhook delivery failed");
                None
            }
        }
    }
}
