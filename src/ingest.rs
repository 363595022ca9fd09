//! Group commit: one writer task stores the events of many concurrent requests in one
//! transaction, then answers each request. Nothing is acknowledged before its commit.

use std::sync::Arc;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::{Any, Connection};
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
    let mut writer = Writer::new(db);
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let now = now_ms();
        let cutoff = now - retention.as_millis() as i64;
        let (events, replies): (Vec<NewEvent>, Vec<Reply>) = batch.drain(..).unzip();
        let results = writer.store(&events, now, cutoff).await;
        for (reply, result) in replies.into_iter().zip(results) {
            let _ = reply.send(result);
        }
        new_jobs.notify_waiters();
    }
}

/// Commits batches on a connection it keeps between batches, which saves taking one from the
/// pool (and checking it) every time.
pub(crate) struct Writer {
    db: Db,
    connection: Option<PoolConnection<Any>>,
}

impl Writer {
    pub(crate) fn new(db: Db) -> Self {
        Self {
            db,
            connection: None,
        }
    }

    /// Stores `events` in one transaction, falling back to one transaction each when that
    /// fails so that one bad row does not fail its neighbours. Answers in order.
    pub(crate) async fn store(
        &mut self,
        events: &[NewEvent],
        now: i64,
        cutoff: i64,
    ) -> Vec<Result<Stored, String>> {
        let all: Vec<&NewEvent> = events.iter().collect();
        match self.commit(&all, now, cutoff).await {
            Ok(results) => results.into_iter().map(Ok).collect(),
            Err(error) => {
                tracing::warn!(%error, batch = events.len(), "group commit failed, storing one by one");
                let mut results = Vec::with_capacity(events.len());
                for event in all {
                    let result = self.commit(&[event], now, cutoff).await;
                    results.push(result.map(|mut r| r.remove(0)).map_err(|e| e.to_string()));
                }
                results
            }
        }
    }

    async fn commit(
        &mut self,
        events: &[&NewEvent],
        now: i64,
        cutoff: i64,
    ) -> sqlx::Result<Vec<Stored>> {
        let connection = match &mut self.connection {
            Some(connection) => connection,
            slot => slot.insert(self.db.pool.acquire().await?),
        };
        let result = async {
            let mut tx = connection.begin().await?;
            let results = events::insert_batch(&mut tx, events, now, cutoff).await?;
            tx.commit().await?;
            Ok(results)
        }
        .await;
        if result.is_err() {
            // The connection may be broken: give it back and take a checked one next time.
            self.connection = None;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::events::tests::{order, sqlite_db};

    #[tokio::test]
    async fn one_bad_row_fails_alone_and_its_neighbours_are_stored() {
        // SQLite whatever the test backend: the trigger below is in its dialect.
        let (db, _dir) = sqlite_db().await;
        // A trigger stands in for whatever makes one row unstorable.
        sqlx::query(
            "CREATE TRIGGER refuse_poison BEFORE INSERT ON events \
             WHEN NEW.entity_key = 'leaflink.order:poison' \
             BEGIN SELECT RAISE(ABORT, 'poisoned row'); END",
        )
        .execute(&db.pool)
        .await
        .unwrap();
        let mut writer = Writer::new(db.clone());
        let batch = [order("A", "a"), order("poison", "p"), order("B", "b")];
        let results = writer.store(&batch, 1_000, 0).await;
        let ok: Vec<bool> = results.iter().map(Result::is_ok).collect();
        assert_eq!(ok, [true, false, true]);
        assert!(results[1].as_ref().unwrap_err().contains("poisoned row"));
        let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(events, 2);
        let next = writer.store(&[order("C", "c")], 2_000, 0).await;
        assert!(matches!(next[0], Ok(Stored::Accepted { .. })));
    }
}
