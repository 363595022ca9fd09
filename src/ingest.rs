//! Group commit: one writer task stores the events of many concurrent requests in one
//! transaction, then answers each request. Nothing is acknowledged before its commit. The writer
//! is supervised: if it panics, the requests of its batch fail (and are retried by their
//! senders), and it is started again on the same queue, so later requests only wait.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt;
use sqlx::pool::PoolConnection;
use sqlx::{Any, Connection};
use tokio::sync::{Notify, mpsc, oneshot};

use crate::jobs::worker::{MAX_RESTART_DELAY, MIN_RESTART_DELAY};
use crate::metrics::Metrics;
use crate::store::events::{self, NewEvent, Stored};
use crate::store::{Backend, Db, now_ms, set_durable_commits};

/// Most events committed together.
const MAX_BATCH: usize = 256;

type Reply = oneshot::Sender<Result<Stored, sqlx::Error>>;

/// What the writer is asked to do.
enum Request {
    Store(Box<NewEvent>, Reply),
    /// Panic, so that tests can show the writer is restarted ([`Ingest::inject_writer_panic`]).
    Panic,
}

/// Handle to the writer; cheap to clone. Dropping every handle stops the writer.
#[derive(Clone, Debug)]
pub struct Ingest {
    sender: mpsc::Sender<Request>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Store(event, _) => f.debug_tuple("Store").field(&event.entity_key).finish(),
            Self::Panic => f.write_str("Panic"),
        }
    }
}

/// Why an event could not be stored (the request answers 503, the sender retries).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("the event could not be stored: the writer has stopped")]
    WriterStopped,
    #[error("the event could not be stored: the writer stopped before answering")]
    NoAnswer,
    /// The database refused the commit.
    #[error("the event could not be stored: {0}")]
    Database(#[source] sqlx::Error),
}

impl Ingest {
    /// Starts the writer task; `new_jobs` is notified (one waiter) after every commit.
    pub fn start(db: Db, dedupe_retention: Duration, new_jobs: Arc<Notify>) -> Self {
        Self::start_with(db, dedupe_retention, new_jobs, Metrics::new())
    }

    /// Like [`Ingest::start`], counting the writer's restarts and downtime in `metrics`.
    pub fn start_with(
        db: Db,
        dedupe_retention: Duration,
        new_jobs: Arc<Notify>,
        metrics: Metrics,
    ) -> Self {
        let (sender, receiver) = mpsc::channel(4 * MAX_BATCH);
        let writer = Supervised {
            db,
            retention: dedupe_retention,
            new_jobs,
            metrics,
        };
        tokio::spawn(writer.run(receiver));
        Self { sender }
    }

    /// Stores an event durably; returns once it is committed (or found to be a duplicate).
    pub async fn store(&self, event: NewEvent) -> Result<Stored, IngestError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Request::Store(Box::new(event), reply))
            .await
            .map_err(|_| IngestError::WriterStopped)?;
        answer
            .await
            .map_err(|_| IngestError::NoAnswer)?
            .map_err(IngestError::Database)
    }

    /// Makes the writer panic when it reaches this request, as a fault in logging or a driver
    /// would. Nothing in leafbridge calls it: tests use it to show that ingest carries on.
    pub async fn inject_writer_panic(&self) {
        let _ = self.sender.send(Request::Panic).await;
    }
}

/// The writer's loop and what it needs to start again.
struct Supervised {
    db: Db,
    retention: Duration,
    new_jobs: Arc<Notify>,
    metrics: Metrics,
}

impl Supervised {
    /// Runs the writer until every handle is dropped, restarting it after each panic with a
    /// pause that doubles while it keeps dying; readiness reports it down during the pause.
    async fn run(self, mut receiver: mpsc::Receiver<Request>) {
        let mut delay = MIN_RESTART_DELAY;
        let mut started = Instant::now();
        loop {
            let run = AssertUnwindSafe(self.write(&mut receiver)).catch_unwind();
            let Err(panic) = run.await else { return };
            if started.elapsed() > MAX_RESTART_DELAY * 4 {
                delay = MIN_RESTART_DELAY;
            }
            self.metrics.writer_down(true);
            self.metrics.task_restarted("writer");
            tracing::error!(
                panic = %crate::jobs::panic_message(panic.as_ref()),
                restart_in_ms = delay.as_millis() as u64,
                "the group-commit writer panicked; restarting it"
            );
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(MAX_RESTART_DELAY);
            started = Instant::now();
            self.metrics.writer_down(false);
        }
    }

    async fn write(&self, receiver: &mut mpsc::Receiver<Request>) {
        let mut writer = Writer::new(self.db.clone(), self.metrics.clone());
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
            let now = now_ms();
            let cutoff = now - self.retention.as_millis() as i64;
            let mut events = Vec::with_capacity(batch.len());
            let mut replies = Vec::with_capacity(batch.len());
            let mut panic = false;
            for request in batch.drain(..) {
                match request {
                    Request::Store(event, reply) => {
                        events.push(*event);
                        replies.push(reply);
                    }
                    Request::Panic => panic = true,
                }
            }
            let results = writer.store(&events, now, cutoff).await;
            for (reply, result) in replies.into_iter().zip(results) {
                let _ = reply.send(result);
            }
            self.new_jobs.notify_one();
            if panic {
                panic!("the writer was asked to panic");
            }
        }
    }
}

/// Commits batches on a write connection. On PostgreSQL it keeps the connection between batches,
/// which saves taking one from the pool (and checking it) every time; on SQLite it gives the one
/// write connection back after each batch.
pub(crate) struct Writer {
    db: Db,
    connection: Option<PoolConnection<Any>>,
    metrics: Metrics,
}

impl Writer {
    /// A writer on `db`'s write pool, counting its fallbacks in `metrics`.
    pub(crate) fn new(db: Db, metrics: Metrics) -> Self {
        Self {
            db,
            connection: None,
            metrics,
        }
    }

    /// Stores `events` in one transaction, falling back to one transaction each when that
    /// fails so that one bad row does not fail its neighbours. Answers in order.
    pub(crate) async fn store(
        &mut self,
        events: &[NewEvent],
        now: i64,
        cutoff: i64,
    ) -> Vec<Result<Stored, sqlx::Error>> {
        let all: Vec<&NewEvent> = events.iter().collect();
        match self.commit(&all, now, cutoff).await {
            Ok(results) => results.into_iter().map(Ok).collect(),
            Err(error) => {
                self.metrics.group_commit_fallback();
                tracing::warn!(%error, batch = events.len(), "group commit failed, storing one by one");
                let mut results = Vec::with_capacity(events.len());
                for event in all {
                    let result = self.commit(&[event], now, cutoff).await;
                    results.push(result.map(|mut r| r.remove(0)));
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
            slot => slot.insert(self.db.writes.acquire().await?),
        };
        let sqlite = self.db.backend == Backend::Sqlite;
        let result = async {
            if sqlite {
                // Nothing is acknowledged before it is on disk.
                set_durable_commits(connection, true).await?;
            }
            let mut tx = connection.begin().await?;
            let results =
                events::insert_batch(&mut tx, self.db.backend, events, now, cutoff).await?;
            tx.commit().await?;
            Ok(results)
        }
        .await;
        if sqlite
            && result.is_ok()
            && let Err(error) = set_durable_commits(connection, false).await
        {
            // Committed all the same; the connection just keeps syncing every commit.
            tracing::warn!(%error, "could not switch the write connection back to unsynced commits");
        }
        if result.is_err() || sqlite {
            // On error the connection may be broken: give it back and take a checked one next
            // time. SQLite's one write connection is shared with job claims and completions.
            self.connection = None;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::events::tests::{order, sqlite_db};

    /// `PRAGMA synchronous` of one connection of `pool`: 1 is NORMAL, 2 is FULL.
    async fn synchronous(pool: &sqlx::AnyPool) -> i64 {
        sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(pool)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn events_are_committed_with_synced_commits_and_job_writes_without() {
        let (db, _dir) = sqlite_db().await;
        // Refuses any event stored by a connection that would not sync its commit.
        sqlx::query(
            "CREATE TRIGGER only_durable BEFORE INSERT ON events \
             WHEN (SELECT synchronous FROM pragma_synchronous) < 2 \
             BEGIN SELECT RAISE(ABORT, 'commit would not be synced'); END",
        )
        .execute(&db.pool)
        .await
        .unwrap();
        assert_eq!(synchronous(&db.writes).await, 1, "claims and completions");
        assert_eq!(synchronous(&db.pool).await, 2, "everything else");
        let metrics = Metrics::new();
        let mut writer = Writer::new(db.clone(), metrics.clone());
        let results = writer
            .store(&[order("A", "a"), order("B", "b")], 1_000, 0)
            .await;
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        assert_eq!(metrics.group_commit_fallbacks(), 0);
        assert_eq!(synchronous(&db.writes).await, 1, "back to unsynced commits");
    }

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
        let metrics = Metrics::new();
        let mut writer = Writer::new(db.clone(), metrics.clone());
        let batch = [order("A", "a"), order("poison", "p"), order("B", "b")];
        let results = writer.store(&batch, 1_000, 0).await;
        let ok: Vec<bool> = results.iter().map(Result::is_ok).collect();
        assert_eq!(ok, [true, false, true]);
        assert!(
            results[1]
                .as_ref()
                .unwrap_err()
                .to_string()
                .contains("poisoned row")
        );
        let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(events, 2);
        assert_eq!(metrics.group_commit_fallbacks(), 1);
        let next = writer.store(&[order("C", "c")], 2_000, 0).await;
        assert!(matches!(next[0], Ok(Stored::Accepted { .. })));
    }
}
