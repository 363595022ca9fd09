//! What an operator can do — resync entities, replay events, list and retry what needs
//! attention — as functions over the store and the ingest path. The HTTP API and the CLI both
//! call these, so a CLI run against the database and an API call behave the same.

pub mod attention;
pub mod cutover;
pub mod estimate;
pub mod remote;
pub mod replay;
pub mod resync;
pub mod shadow_render;
pub mod shadow_report;
mod targets;

use std::sync::Arc;

use crate::envelope::Envelope;
use crate::ingest::Ingest;
use crate::jobs::Processors;
use crate::store::Db;
use crate::store::events::{NewEvent, Stored};
use crate::sync::SyncContext;

/// Everything the operator functions need; built from the HTTP state (`http::admin`) or by the
/// CLI.
#[derive(Clone)]
pub struct Operator {
    pub db: Db,
    pub ingest: Ingest,
    /// For dry runs.
    pub processors: Processors,
    /// The platforms' clients, for listing what changed; `None` when the API keys are unset.
    pub sync: Option<Arc<SyncContext>>,
    pub connection: String,
}

impl Operator {
    /// The sync context, or why the request cannot be served without it (409: the service's
    /// configuration, not the request, has to change).
    fn platforms(&self, why: &str) -> Result<&Arc<SyncContext>, OperatorError> {
        self.sync.as_ref().ok_or_else(|| {
            OperatorError::Conflict(format!(
                "{why} needs both platforms' API keys: set LEAFBRIDGE_LEAFLINK_API_KEY and \
                 LEAFBRIDGE_FLOURISH_API_KEY"
            ))
        })
    }

    /// Stores an operator event through the one ingest path (event + job in one commit).
    async fn store(&self, event: OperatorEvent) -> Result<String, OperatorError> {
        let envelope = Envelope {
            kind: event.kind,
            action: Some(event.action.into()),
            entity_key: event.entity_key,
            job_kind: Some(event.job_kind),
        };
        let body = event.body.to_string();
        let stored = self
            .ingest
            .store(NewEvent::new(&self.connection, "operator", envelope, body))
            .await
            .map_err(|e| OperatorError::Unavailable(e.to_string()))?;
        match stored {
            Stored::Accepted { event_id } => Ok(event_id),
            // Bodies carry a fresh id, so this means the same request was stored twice.
            Stored::Duplicate => Err(OperatorError::Conflict(
                "this operator event was already stored".into(),
            )),
        }
    }
}

/// An event an operator asks for, stored like a webhook for the same entity.
struct OperatorEvent {
    kind: String,
    action: &'static str,
    entity_key: String,
    job_kind: String,
    /// Made unique by the resync or replay id it carries.
    body: serde_json::Value,
}

/// Reports progress of long operations (the CLI draws a bar; HTTP ignores it).
pub trait Progress: Send + Sync {
    /// The amount of work is known.
    fn start(&self, total: u64);
    /// One more unit is done.
    fn advance(&self);
}

/// Progress nobody watches.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: u64) {}
    fn advance(&self) {}
}

/// Why an operator request failed; maps one to one onto API errors.
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    #[error("{0}")]
    NotFound(String),
    /// A field has a value the operation cannot use; the message names the field.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    /// The platforms are not configured or the store is not accepting events.
    #[error("{0}")]
    Unavailable(String),
    /// A platform refused or failed while listing.
    #[error("{0}")]
    Platform(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for OperatorError {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(error.into())
    }
}

impl From<crate::remote::ClientError> for OperatorError {
    fn from(error: crate::remote::ClientError) -> Self {
        Self::Platform(format!("a platform call failed: {error}"))
    }
}
