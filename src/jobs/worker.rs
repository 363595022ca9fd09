//! The worker: claims one job at a time per slot under a lease, runs its processor outside any
//! transaction (heartbeating the lease), and records the result in a short completion. A slot
//! that dies is logged, counted and started again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::{JobContext, JobError, Processed, Processors, backoff};
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

/// Runs jobs from the store through the registered processors.
pub struct Worker {
    db: Db,
    processors: Processors,
    settings: WorkerSettings,
    owner: String,
    new_jobs: Arc<Notify>,
    metrics: Metrics,
}

impl Worker {
    pub fn new(
        db: Db,
        processors: Processors,
        settings: WorkerSettings,
        new_jobs: Arc<Notify>,
        metrics: Metrics,
    ) -> Self {
        let owner = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
        Self {
            db,
            processors,
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

    /// Claims and runs one job; false when nothing was runnable.
    pub async fn run_one(&self, now: i64, shutdown: &CancellationToken) -> anyhow::Result<bool> {
        let lease_until = now + self.settings.lease.as_millis() as i64;
        let kinds = self.processors.kinds();
        let claimed = jobs::claim(&self.db, &kinds, &self.owner, now, lease_until, 1)
            .await
            .inspect_err(|_| self.metrics.job_store_error("claim"))
            .context("claiming a job")?;
        let Some(job) = claimed.into_iter().next() else {
            return Ok(false);
        };
        // There may be more: pass the wake-up on to one idle slot, which passes it on in turn
        // while it finds jobs. Waking every slot at each commit would make all of them queue
        // for the write connection to claim, nearly all for nothing.
        self.new_jobs.notify_one();
        self.run_job(job, now, shutdown).await?;
        Ok(true)
    }

    async fn run_job(
        &self,
        job: ClaimedJob,
        now: i64,
        shutdown: &CancellationToken,
    ) -> anyhow::Result<()> {
        let span = tracing::info_span!("job", job.id = %job.id, job.kind = %job.kind, job.attempt = job.attempt);
        self.run_in_span(job, now, shutdown).instrument(span).await
    }

    async fn run_in_span(
        &self,
        job: ClaimedJob,
        now: i64,
        shutdown: &CancellationToken,
    ) -> anyhow::Result<()> {
        let started = Instant::now();
        let result = match self.context(&job).await? {
            Ok(context) => self.execute(&job, context, shutdown).await,
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
        context: JobContext,
        shutdown: &CancellationToken,
    ) -> Option<Result<Processed, JobError>> {
        let Some(processor) = self.processors.get(&job.kind).cloned() else {
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
