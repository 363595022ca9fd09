//! Background jobs: the processor interface, the registry of processors per job kind, the retry
//! schedule and the worker that runs jobs under leases.

pub mod backoff;
pub mod retention;
pub mod worker;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

/// What a processor is given: the job and its stored event.
#[derive(Clone, Debug)]
pub struct JobContext {
    pub job_id: String,
    pub kind: String,
    pub entity_key: String,
    pub attempt: i64,
    pub event_id: String,
    pub source: String,
    pub event_kind: String,
    /// The verified webhook (or poll/resync) body as stored.
    pub body: serde_json::Value,
}

/// A processed event: its outcome and why, with the plan and writes as detail.
#[derive(Clone, Debug, Serialize)]
pub struct Processed {
    pub outcome: String,
    pub reason: Option<String>,
    pub detail: Option<serde_json::Value>,
}

/// A failed run. Retryable failures follow the schedule; permanent ones go to `dead` at once.
#[derive(Clone, Debug, thiserror::Error)]
pub enum JobError {
    #[error("{message}")]
    Retryable {
        message: String,
        retry_after: Option<Duration>,
    },
    #[error("{0}")]
    Permanent(String),
}

impl JobError {
    pub fn retryable(message: impl Into<String>) -> Self {
        Self::Retryable {
            message: message.into(),
            retry_after: None,
        }
    }
}

impl From<crate::remote::ClientError> for JobError {
    fn from(error: crate::remote::ClientError) -> Self {
        if error.is_retryable() {
            Self::Retryable {
                message: error.to_string(),
                retry_after: error.retry_after(),
            }
        } else {
            Self::Permanent(error.to_string())
        }
    }
}

/// Handles one kind of job. Every processor must be idempotent: a job whose worker died runs
/// again.
#[async_trait::async_trait]
pub trait Processor: Send + Sync {
    async fn process(&self, job: &JobContext) -> Result<Processed, JobError>;

    /// Reads and plans like [`Processor::process`] but writes nothing: the plan, or the outcome
    /// that stops it, as JSON (operators' `dry_run`).
    async fn dry_run(&self, job: &JobContext) -> Result<serde_json::Value, JobError> {
        Err(JobError::Permanent(format!(
            "job kind {} has no dry run",
            job.kind
        )))
    }
}

/// Processors by job kind (e.g. `leaflink.order`). Jobs of kinds nobody handles stay pending.
#[derive(Clone, Default)]
pub struct Processors {
    by_kind: BTreeMap<String, Arc<dyn Processor>>,
}

impl Processors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn register(
        &mut self,
        kind: impl Into<String>,
        processor: Arc<dyn Processor>,
    ) -> &mut Self {
        self.by_kind.insert(kind.into(), processor);
        self
    }

    pub fn get(&self, kind: &str) -> Option<&Arc<dyn Processor>> {
        self.by_kind.get(kind)
    }

    /// Replaces every registered processor by what `wrap` makes of it (e.g. the shadow-mode
    /// gate around the sync flows).
    pub fn wrap(&mut self, wrap: impl Fn(Arc<dyn Processor>) -> Arc<dyn Processor>) {
        for processor in self.by_kind.values_mut() {
            *processor = wrap(Arc::clone(processor));
        }
    }

    /// The kinds this worker claims.
    pub fn kinds(&self) -> Vec<String> {
        self.by_kind.keys().cloned().collect()
    }
}

/// The message of a panic payload (`panic!` with a literal or a formatted string).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}
