//! Group commit: one writer task stores the events of many concurrent requests in one
//! transaction, then answers each request. Nothing is acknowledged before its commit.

use std::time::Duration;

use std::sync::Arc;

use tokio::sync::{Notify, mpsc, oneshot};

use crate::store::events::{self, NewEvent, Stored};
use crate::store::{Db, now_ms};

/// Most events committed together.
const MAX_BATCH: usize = 256;

type Reply = oneshot::Sender<Result<Stored, String>>;

/// Handle to the writer; cheap to clone. Dropping every handle stops the writer.
#[derive(Clone, Debug)]
pub struct Ingest {
    sender: mpsc::Sender<(NewEvent, Reply)>,
}

/// Why an event could not be stored (the request answers 503, the sender retries).
#[derive(Debug, thiserror::Error)]
#[error("the event could not be stored: {0}")]
pub struct IngestError(pub String);

impl Ingest {
    /// Starts the writer task; `new_jobs` is notified after every commit that added jobs.
    pub fn start(db: Db, dedupe_retention: Duration, new_jobs: Arc<Notify>) -> Self {
        let (sender, receiver) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(writer(db, dedupe_retention, new_jobs, receiver));
        Self { sender }
    }

    /// Stores an event durably; returns once it is committed (or found to be a duplicate).
    pub async fn store(&self, event: NewEvent) -> Result<Stored, IngestError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send((event, reply))
            .await
            .map_err(|_| IngestError("the writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| IngestError("the writer stopped before answering".into()))?
            .map_err(IngestError)
    }
}

async fn writer(
    db: Db,
    retention: Duration,
    new_jobs: Arc<Notify>,
    mut receiver: mpsc::Receiver<(NewEvent, Reply)>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let now = now_ms();
        let cutoff = now - retention.as_millis() as i64;
        match commit(&db, &batch, now, cutoff).await {
            Ok(results) => {
                for ((_, reply), result) in batch.drain(..).zip(results) {
                    let _ = reply.send(Ok(result));
                }
            }
            Err(error) => {
                // One bad row must not fail its neighbours: store each alone.
                tracing::warn!(%error, batch = batch.len(), "group commit failed, storing one by one");
                for (event, reply) in batch.drain(..) {
                    let result = commit(&db, std::slice::from_ref(&(event, ())), now, cutoff).await;
                    let _ = reply.send(result.map(|mut r| r.remove(0)).map_err(|e| e.to_string()));
                }
            }
        }
        new_jobs.notify_waiters();
    }
}

async fn commit<T>(
    db: &Db,
    batch: &[(NewEvent, T)],
    now: i64,
    cutoff: i64,
) -> sqlx::Result<Vec<Stored>> {
    let events: Vec<&NewEvent> = batch.iter().map(|(event, _)| event).collect();
    let mut tx = db.pool.begin().await?;
    let results = events::insert_batch(&mut tx, &events, now, cutoff).await?;
    tx.commit().await?;
    Ok(results)
}
