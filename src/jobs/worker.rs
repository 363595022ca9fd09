//! The worker: claims one job at a time per slot under a lease, runs its processor outside any
//! transaction (heartbeating the lease), and records the result in a short completion. A slot
//! that dies is logged, counted and started again.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use parking_lot::Mutex;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::{JobContext, JobError, Processed, Processor, Processors, backoff};
use crate::connections::runtime::{Registry, Running};
use crate::metrics::Metrics;
use crate::store::jobs::{self, ClaimedJob, Finish};
use crate::store::{Db, events, now_ms};

/// How the worker runs jobs.
#[derive(Clone, Debug)]
pub struct WorkerSettings {
    /// Jobs run at once by this process.
    pub concurrency: usize,
    pub lease: Duration,
    pub retry_schedule: Vec<Duration>,
    pub max_retry_after: Duration,
    /// How long running jobs may take to finish after shutdown starts.
    pub shutdown_grace: Duration,
}

/// The first pause before a dead task is started again.
pub const MIN_RESTART_DELAY: Duration = Duration::from_millis(200);
/// The longest pause before a task that keeps dying is started again.
pub const MAX_RESTART_DELAY: Duration = Duration::from_secs(10);

/// Runs the jobs of every running connection through that connection's processors (and the
/// processors every connection shares, such as notification delivery), claiming from the
/// connections in turn.
pub struct Worker {
    db: Db,
    /// Processors of every connection (notification delivery).
    processors: Processors,
    connections: Registry,
    /// The connection to try first at the next claim: the one after the last that had a job.
    turn: AtomicUsize,
    /// Jobs of each connection running in this process now (see [`slot_cap`]).
    busy: Mutex<HashMap<String, usize>>,
    settings: WorkerSettings,
    owner: String,
    new_jobs: Arc<Notify>,
    metrics: Metrics,
}

impl Worker {
    pub fn new(
        db: Db,
        processors: Processors,
        connections: Registry,
        settings: WorkerSettings,
        new_jobs: Arc<Notify>,
        metrics: Metrics,
    ) -> Self {
        let owner = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
        Self {
            db,
            processors,
            connections,
            turn: AtomicUsize::new(0),
            busy: Mutex::default(),
            settings,
            owner,
            new_jobs,
            metrics,
        }
    }

    /// How many jobs this worker runs at once.
    pub fn concurrency(&self) -> usize {
        self.settings.concurrency
    }

    /// Runs `concurrency` loops until `shutdown`, then lets running jobs finish within the grace
    /// period and gives back the rest. A loop that panics is started again after a pause that
    /// doubles with each death in a row (up to [`MAX_RESTART_DELAY`]); its job, still leased,
    /// runs again once the lease expires.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        let mut slots = tokio::task::JoinSet::new();
        self.metrics.worker_slots_wanted(self.settings.concurrency);
        for _ in 0..self.settings.concurrency {
            self.spawn_slot(&mut slots, &shutdown, Duration::ZERO);
        }
        let mut delay = MIN_RESTART_DELAY;
        let mut last_death = Instant::now();
        while let Some(joined) = slots.join_next().await {
            let Err(error) = joined else { continue };
            if shutdown.is_cancelled() || !error.is_panic() {
                continue;
            }
            let message = super::panic_message(error.into_panic().as_ref());
            if last_death.elapsed() > MAX_RESTART_DELAY * 4 {
                delay = MIN_RESTART_DELAY;
            }
            last_death = Instant::now();
            tracing::error!(panic = %message, restart_in_ms = delay.as_millis() as u64, "a worker slot panicked; restarting it");
            self.metrics.task_restarted("worker");
            self.spawn_slot(&mut slots, &shutdown, delay);
            delay = (delay * 2).min(MAX_RESTART_DELAY);
        }
        self.metrics.worker_slots_wanted(0);
        tracing::info!("worker stopped");
    }

    fn spawn_slot(
        self: &Arc<Self>,
        slots: &mut tokio::task::JoinSet<()>,
        shutdown: &CancellationToken,
        after: Duration,
    ) {
        let worker = Arc::clone(self);
        let shutdown = shutdown.clone();
        slots.spawn(async move {
            tokio::select! {
                _ = tokio::time::sleep(after) => {}
                _ = shutdown.cancelled() => return,
            }
            let _running = worker.metrics.worker_slot_running();
            worker.slot(shutdown).await
        });
    }

    async fn slot(&self, shutdown: CancellationToken) {
        while !shutdown.is_cancelled() {
            let woken = self.new_jobs.notified();
            match self.run_one(now_ms(), &shutdown).await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(error) => {
                    tracing::error!(error = format!("{error:#}"), "worker iteration failed")
                }
            }
            tokio::select! {
                _ = woken => {}
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = shutdown.cancelled() => {}
            }
        }
    }

    /// Runs every job that is runnable as of `now`, one after another, until none is left.
    /// Tests use this to drive the worker to empty instead of sleeping.
    pub async fn run_pending(&self, now: i64) -> anyhow::Result<usize> {
        let never = CancellationToken::new();
        let mut count = 0;
        while self.run_one(now, &never).await? {
            count += 1;
        }
        Ok(count)
    }

    /// Claims and runs one job; false when nothing was runnable. Connections take turns: the
    /// claim starts at the connection after the last one that had a job, so a backlog on one
    /// connection delays another's next job by at most one job per busier connection.
    pub async fn run_one(&self, now: i64, shutdown: &CancellationToken) -> anyhow::Result<bool> {
        let running = self.connections.all();
        let cap = slot_cap(self.settings.concurrency, running.len());
        let start = self.turn.load(Ordering::Relaxed);
        for step in 0..running.len() {
            let index = (start + step) % running.len();
            let connection = &running[index];
            let Some(_slot) = self.reserve(connection.name(), cap) else {
                continue;
            };
            let Some(job) = self.claim(connection, now).await? else {
                continue;
            };
            self.turn.store(index + 1, Ordering::Relaxed);
            // There may be more: pass the wake-up on to one idle slot, which passes it on in
            // turn while it finds jobs. Waking every slot at each commit would make all of
            // them queue for the write connection to claim, nearly all for nothing.
            self.new_jobs.notify_one();
            self.run_job(job, connection, now, shutdown).await?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Counts a slot of `connection` as busy, unless it already has `cap` running here; the
    /// slot is freed when the guard drops.
    fn reserve(&self, connection: &str, cap: usize) -> Option<BusySlot<'_>> {
        let mut busy = self.busy.lock();
        let count = busy.entry(connection.to_owned()).or_default();
        if *count >= cap {
            return None;
        }
        *count += 1;
        Some(BusySlot {
            busy: &self.busy,
            connection: connection.to_owned(),
        })
    }

    /// Claims the next runnable job of `connection` whose kind it (or every connection) runs.
    async fn claim(&self, connection: &Running, now: i64) -> anyhow::Result<Option<ClaimedJob>> {
        let lease_until = now + self.settings.lease.as_millis() as i64;
        let mut kinds = connection.processors.kinds();
        kinds.extend(self.processors.kinds());
        kinds.sort();
        kinds.dedup();
        let claimed = jobs::claim_for(
            &self.db,
            Some(connection.name()),
            &kinds,
            &self.owner,
            now,
            lease_until,
            1,
        )
        .await
        .inspect_err(|_| self.metrics.job_store_error("claim"))
        .context("claiming a job")?;
        Ok(claimed.into_iter().next())
    }

    async fn run_job(
        &self,
        job: ClaimedJob,
        connection: &Running,
        now: i64,
        shutdown: &CancellationToken,
    ) -> anyhow::Result<()> {
        let span = tracing::info_span!("job", job.id = %job.id, job.kind = %job.kind, job.attempt = job.attempt, connection = %job.connection);
        let processor = connection
            .processors
            .get(&job.kind)
            .or_else(|| self.processors.get(&job.kind))
            .cloned();
        self.run_in_span(job, processor, now, shutdown)
            .instrument(span)
            .await
    }

    async fn run_in_span(
        &self,
        job: ClaimedJob,
        processor: Option<Arc<dyn Processor>>,
        now: i64,
        shutdown: &CancellationToken,
    ) -> anyhow::Result<()> {
        let started = Instant::now();
        let result = match self.context(&job).await? {
            Ok(context) => self.execute(&job, processor, context, shutdown).await,
            Err(error) => Some(Err(error)),
        };
        let finish = match result {
            None => Finish::Release,
            Some(result) => self.finish_for(&job, result),
        };
        let elapsed = started.elapsed();
        self.metrics.observe_job(&job.kind, &finish, elapsed);
        match &finish {
            Finish::Done { outcome, .. } => {
                tracing::info!(%outcome, duration_ms = elapsed.as_millis() as u64, "job done")
            }
            Finish::Retry { error, .. } => tracing::warn!(%error, "job failed, will retry"),
            Finish::Dead { error } => tracing::error!(%error, "job dead"),
            Finish::Release => tracing::info!("job released at shutdown"),
        }
        let recorded = jobs::finish(
            &self.db.writes,
            &job,
            &self.owner,
            now,
            now_ms().max(now),
            &finish,
        )
        .await
        .inspect_err(|_| self.metrics.job_store_error("finish"))
        .context("recording a job result")?;
        if !recorded {
            tracing::warn!("job lease was lost before completion; its result was not recorded");
        }
        Ok(())
    }

    /// The job's context, or the permanent failure of a job whose event is gone or whose stored
    /// body is not JSON (a processor must never see a made-up `null`).
    async fn context(&self, job: &ClaimedJob) -> anyhow::Result<Result<JobContext, JobError>> {
        let Some((source, event_kind, body)) = events::body(&self.db.pool, &job.event_id).await?
        else {
            let gone = "the event of this job no longer exists";
            return Ok(Err(JobError::Permanent(gone.into())));
        };
        let body = match serde_json::from_str(&body) {
            Ok(body) => body,
            Err(error) => {
                let reason = format!("the stored event body is not JSON: {error}");
                return Ok(Err(JobError::Permanent(reason)));
            }
        };
        Ok(Ok(JobContext {
            job_id: job.id.clone(),
            kind: job.kind.clone(),
            entity_key: job.entity_key.clone(),
            attempt: job.attempt,
            event_id: job.event_id.clone(),
            source,
            event_kind,
            body,
        }))
    }

    /// Runs the processor in its own task (a panic becomes a failed run) while renewing the
    /// lease; `None` when shutdown's grace period ran out first.
    async fn execute(
        &self,
        job: &ClaimedJob,
        processor: Option<Arc<dyn Processor>>,
        context: JobContext,
        shutdown: &CancellationToken,
    ) -> Option<Result<Processed, JobError>> {
        let Some(processor) = processor else {
            return Some(Err(JobError::Permanent(format!(
                "no processor for job kind {}",
                job.kind
            ))));
        };
        let work = async move { processor.process(&context).await };
        let mut work = tokio::spawn(work.instrument(tracing::Span::current()));
        let mut beat = tokio::time::interval(self.settings.lease / 3);
        beat.tick().await;
        let grace = self.settings.shutdown_grace;
        let expired = grace_expired(shutdown, grace);
        tokio::pin!(expired);
        loop {
            tokio::select! {
                joined = &mut work => {
                    return Some(joined.unwrap_or_else(|error| Err(panic_error(error))));
                }
                _ = beat.tick() => {
                    let until = now_ms() + self.settings.lease.as_millis() as i64;
                    if let Err(error) = jobs::heartbeat(&self.db.writes, job, &self.owner, until).await {
                        self.metrics.job_store_error("heartbeat");
                        tracing::warn!(%error, "lease heartbeat failed");
                    }
                }
                _ = &mut expired => {
                    work.abort();
                    return None;
                }
            }
        }
    }

    fn finish_for(&self, job: &ClaimedJob, result: Result<Processed, JobError>) -> Finish {
        match result {
            Ok(processed) => Finish::Done {
                outcome: processed.outcome,
                reason: processed.reason,
                detail: processed.detail.map(|d| d.to_string()),
            },
            Err(JobError::Permanent(error)) => Finish::Dead { error },
            Err(JobError::Retryable {
                message,
                retry_after,
            }) => {
                let s = &self.settings;
                match backoff::next_delay(
                    &s.retry_schedule,
                    job.attempt,
                    retry_after,
                    s.max_retry_after,
                ) {
                    Some(delay) => Finish::Retry {
                        error: message,
                        run_at: now_ms() + delay.as_millis() as i64,
                    },
                    None => Finish::Dead {
                        error: format!("{message} (gave up after {} attempts)", job.attempt),
                    },
                }
            }
        }
    }
}

/// How many of this process's slots one connection may hold at once: all of them when it is
/// the only connection, else all but one, so a connection whose jobs are slow (a platform
/// timing out) always leaves a slot to the others.
pub fn slot_cap(concurrency: usize, connections: usize) -> usize {
    if connections > 1 {
        concurrency.saturating_sub(1).max(1)
    } else {
        concurrency.max(1)
    }
}

/// A slot counted as busy for a connection until dropped.
struct BusySlot<'a> {
    busy: &'a Mutex<HashMap<String, usize>>,
    connection: String,
}

impl Drop for BusySlot<'_> {
    fn drop(&mut self) {
        let mut busy = self.busy.lock();
        if let Some(count) = busy.get_mut(&self.connection) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                busy.remove(&self.connection);
            }
        }
    }
}

async fn grace_expired(shutdown: &CancellationToken, grace: Duration) {
    shutdown.cancelled().await;
    tokio::time::sleep(grace).await;
}

fn panic_error(error: tokio::task::JoinError) -> JobError {
    let message = match error.try_into_panic() {
        Ok(payload) => super::panic_message(payload.as_ref()),
        Err(_) => "cancelled".into(),
    };
    JobError::retryable(format!("processor panicked: {message}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_connection_may_not_hold_every_slot_when_there_are_others() {
        assert_eq!(slot_cap(4, 1), 4);
        assert_eq!(slot_cap(4, 2), 3);
        assert_eq!(slot_cap(4, 10), 3);
        assert_eq!(slot_cap(1, 3), 1);
    }
}
