//! Prometheus metrics: webhooks by source and result, job runs and their duration, and queue
//! gauges read from the store at scrape time.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::store::jobs::{Finish, QueueStats};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WebhookLabels {
    source: String,
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    kind: String,
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: String,
}

type HistogramFamily = Family<KindLabels, Histogram, fn() -> Histogram>;

struct Inner {
    registry: Registry,
    webhooks: Family<WebhookLabels, Counter>,
    job_runs: Family<JobLabels, Counter>,
    job_seconds: HistogramFamily,
    jobs: Family<StateLabels, Gauge>,
    oldest_pending: Gauge<f64, AtomicU64>,
}

/// Shared handle to every metric; cheap to clone.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

/// How a webhook request ended, as counted.
#[derive(Clone, Copy, Debug)]
pub enum WebhookResult {
    Accepted,
    Duplicate,
    Ignored,
    RejectedSignature,
    BadRequest,
    TooLarge,
    Unavailable,
}

impl WebhookResult {
    fn label(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Duplicate => "duplicate",
            Self::Ignored => "ignored",
            Self::RejectedSignature => "rejected_signature",
            Self::BadRequest => "bad_request",
            Self::TooLarge => "too_large",
            Self::Unavailable => "unavailable",
        }
    }
}

fn job_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("leafbridge");
        let webhooks = Family::<WebhookLabels, Counter>::default();
        registry.register(
            "webhooks_received",
            "Webhook requests by source and result",
            webhooks.clone(),
        );
        let job_runs = Family::<JobLabels, Counter>::default();
        registry.register("job_runs", "Job runs by kind and result", job_runs.clone());
        let job_seconds: HistogramFamily = Family::new_with_constructor(job_buckets);
        registry.register(
            "job_duration_seconds",
            "Time spent processing one job run",
            job_seconds.clone(),
        );
        let jobs = Family::<StateLabels, Gauge>::default();
        registry.register("jobs", "Jobs by state", jobs.clone());
        let oldest_pending = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "oldest_pending_job_age_seconds",
            "Age of the oldest job waiting to run",
            oldest_pending.clone(),
        );
        let inner = Inner {
            registry,
            webhooks,
            job_runs,
            job_seconds,
            jobs,
            oldest_pending,
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    pub fn webhook(&self, source: &str, result: WebhookResult) {
        let labels = WebhookLabels {
            source: source.to_owned(),
            result: result.label().to_owned(),
        };
        self.inner.webhooks.get_or_create(&labels).inc();
    }

    pub fn observe_job(&self, kind: &str, finish: &Finish, elapsed: Duration) {
        let result = match finish {
            Finish::Done { .. } => "done",
            Finish::Retry { .. } => "retry",
            Finish::Dead { .. } => "dead",
            Finish::Release => "released",
        };
        let labels = JobLabels {
            kind: kind.to_owned(),
            result: result.to_owned(),
        };
        self.inner.job_runs.get_or_create(&labels).inc();
        let kind = KindLabels {
            kind: kind.to_owned(),
        };
        self.inner
            .job_seconds
            .get_or_create(&kind)
            .observe(elapsed.as_secs_f64());
    }

    /// Renders the text exposition format, with the queue gauges set from `queue`.
    pub fn render(&self, queue: &QueueStats) -> String {
        let states = [
            ("pending", queue.pending),
            ("running", queue.running),
            ("done", queue.done),
            ("dead", queue.dead),
        ];
        for (state, count) in states {
            self.inner
                .jobs
                .get_or_create(&StateLabels {
                    state: state.to_owned(),
                })
                .set(count);
        }
        self.inner
            .oldest_pending
            .set(queue.oldest_pending_age_ms as f64 / 1000.0);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.inner.registry)
            .expect("writing to a String cannot fail");
        text
    }
}
