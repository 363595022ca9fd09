//! Prometheus metrics: webhooks by source and result, job runs and their duration, queue gauges
//! read from the store at scrape time, restarts of supervised tasks and retention passes; plus
//! whether the supervised tasks (the group-commit writer, the worker slots) are up, for readiness;
//! what the platform clients spend: requests by method and status class, rate-limiter waits;
//! and the signs of write contention: group commits that fell back to one-by-one, failed job
//! claims, heartbeats and completions.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use std::sync::{Arc, Mutex};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::remote::Usage;
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

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TaskLabels {
    task: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TableLabels {
    table: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: String,
}

/// Whether the supervised tasks are up.
#[derive(Debug, Default)]
struct Tasks {
    writer_down: AtomicBool,
    slots_wanted: AtomicUsize,
    slots_running: AtomicUsize,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    platform: String,
    method: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PlatformLabels {
    platform: String,
}

/// The platform clients' usage, read at scrape time.
#[derive(Debug, Default)]
struct PlatformCollector {
    usages: Mutex<Vec<Arc<Usage>>>,
}

impl PlatformCollector {
    fn usages(&self) -> Vec<Arc<Usage>> {
        self.usages
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Collector for PlatformCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let usages = self.usages();
        let mut calls = encoder.encode_descriptor(
            "platform_requests",
            "Requests sent to a platform (retries included), by method and status class",
            None,
            MetricType::Counter,
        )?;
        for usage in &usages {
            for count in usage.by_method() {
                let labels = CallLabels {
                    platform: usage.platform().to_owned(),
                    method: count.method,
                    status: count.status.to_owned(),
                };
                ConstCounter::new(count.calls).encode(calls.encode_family(&labels)?)?;
            }
        }
        let mut waits = encoder.encode_descriptor(
            "platform_limiter_wait_seconds",
            "Time spent waiting for a platform's rate limiter before sending",
            None,
            MetricType::Counter,
        )?;
        for usage in &usages {
            let labels = PlatformLabels {
                platform: usage.platform().to_owned(),
            };
            ConstCounter::new(usage.limiter_wait().as_secs_f64())
                .encode(waits.encode_family(&labels)?)?;
        }
        Ok(())
    }
}

type HistogramFamily = Family<KindLabels, Histogram, fn() -> Histogram>;

struct Inner {
    registry: Registry,
    webhooks: Family<WebhookLabels, Counter>,
    job_runs: Family<JobLabels, Counter>,
    job_seconds: HistogramFamily,
    jobs: Family<StateLabels, Gauge>,
    oldest_pending: Gauge<f64, AtomicU64>,
    restarts: Family<TaskLabels, Counter>,
    retention_deleted: Family<TableLabels, Counter>,
    retention_passes: Counter,
    group_commit_fallbacks: Counter,
    job_store_errors: Family<OperationLabels, Counter>,
    tasks: Tasks,
    platforms: Arc<PlatformCollector>,
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
        let restarts = Family::<TaskLabels, Counter>::default();
        registry.register(
            "task_restarts",
            "Supervised tasks (writer, worker) restarted after they died",
            restarts.clone(),
        );
        let retention_deleted = Family::<TableLabels, Counter>::default();
        registry.register(
            "retention_deleted_rows",
            "Rows deleted by retention, by table",
            retention_deleted.clone(),
        );
        let retention_passes = Counter::default();
        registry.register(
            "retention_passes",
            "Completed retention passes",
            retention_passes.clone(),
        );
        let platforms = Arc::new(PlatformCollector::default());
        registry.register_collector(Box::new(Arc::clone(&platforms)));
        let group_commit_fallbacks = Counter::default();
        registry.register(
            "group_commit_fallbacks",
            "Group commits that failed and were stored one event at a time",
            group_commit_fallbacks.clone(),
        );
        let job_store_errors = Family::<OperationLabels, Counter>::default();
        registry.register(
            "job_store_errors",
            "Job claims, heartbeats and completions the database refused, by operation",
            job_store_errors.clone(),
        );
        let inner = Inner {
            registry,
            webhooks,
            job_runs,
            job_seconds,
            jobs,
            oldest_pending,
            restarts,
            retention_deleted,
            retention_passes,
            group_commit_fallbacks,
            job_store_errors,
            tasks: Tasks::default(),
            platforms,
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
            Finish::Done { outcome, .. } if outcome == crate::sync::shadow::SHADOWED => "shadowed",
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

    /// Reports what a platform client spends (its requests and rate-limiter waits) from now on.
    pub fn watch_platform(&self, usage: &Arc<Usage>) {
        self.inner
            .platforms
            .usages
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(Arc::clone(usage));
    }

    /// Counts one restart of a supervised task (`writer` or `worker`).
    pub fn task_restarted(&self, task: &str) {
        let labels = TaskLabels {
            task: task.to_owned(),
        };
        self.inner.restarts.get_or_create(&labels).inc();
    }

    /// Counts one finished retention pass and the rows it deleted per table.
    pub fn retention_pass(&self, deleted: &[(&str, u64)]) {
        for (table, rows) in deleted {
            let labels = TableLabels {
                table: (*table).to_owned(),
            };
            self.inner
                .retention_deleted
                .get_or_create(&labels)
                .inc_by(*rows);
        }
        self.inner.retention_passes.inc();
    }

    /// Counts one group commit that failed and fell back to one transaction per event.
    pub fn group_commit_fallback(&self) {
        self.inner.group_commit_fallbacks.inc();
    }

    /// Group commits that fell back to one transaction per event since start.
    pub fn group_commit_fallbacks(&self) -> u64 {
        self.inner.group_commit_fallbacks.get()
    }

    /// Counts one job `operation` (`claim`, `heartbeat` or `finish`) the database refused.
    pub fn job_store_error(&self, operation: &str) {
        let labels = OperationLabels {
            operation: operation.to_owned(),
        };
        self.inner.job_store_errors.get_or_create(&labels).inc();
    }

    /// Job claims, heartbeats and completions the database refused since start, all together.
    pub fn job_store_errors(&self) -> u64 {
        ["claim", "heartbeat", "finish"]
            .iter()
            .map(|operation| {
                let labels = OperationLabels {
                    operation: (*operation).to_owned(),
                };
                self.inner.job_store_errors.get_or_create(&labels).get()
            })
            .sum()
    }

    /// Marks the group-commit writer down (between its death and its restart) or up.
    pub fn writer_down(&self, down: bool) {
        self.inner.tasks.writer_down.store(down, Ordering::SeqCst);
    }

    /// How many worker slots should be running (0 when this process runs no worker).
    pub fn worker_slots_wanted(&self, slots: usize) {
        self.inner.tasks.slots_wanted.store(slots, Ordering::SeqCst);
    }

    /// A worker slot started; the guard counts it stopped when dropped, panic or not.
    pub fn worker_slot_running(&self) -> SlotRunning {
        self.inner
            .tasks
            .slots_running
            .fetch_add(1, Ordering::SeqCst);
        SlotRunning(self.clone())
    }

    /// What is down, for readiness: `None` when the writer and every wanted worker slot run.
    pub fn tasks_down(&self) -> Option<String> {
        let tasks = &self.inner.tasks;
        if tasks.writer_down.load(Ordering::SeqCst) {
            return Some("the group-commit writer is restarting".into());
        }
        let wanted = tasks.slots_wanted.load(Ordering::SeqCst);
        let running = tasks.slots_running.load(Ordering::SeqCst);
        (running < wanted).then(|| format!("{running} of {wanted} worker slots are running"))
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

/// A running worker slot, counted until dropped.
pub struct SlotRunning(Metrics);

impl Drop for SlotRunning {
    fn drop(&mut self) {
        self.0
            .inner
            .tasks
            .slots_running
            .fetch_sub(1, Ordering::SeqCst);
    }
}
