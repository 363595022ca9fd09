//! Retention passes: old settled events, their jobs and attempts, and old resyncs are deleted in
//! small batches with a pause between them, so that webhooks and jobs never wait long behind it.

use std::time::Duration;

use crate::metrics::Metrics;
use crate::store::retention::{self, Deleted};
use crate::store::{Db, now_ms};

/// Events deleted per transaction.
pub const BATCH: i64 = 500;

/// Pause between two batches of one pass.
const PAUSE: Duration = Duration::from_millis(50);

/// Deletes everything older than `keep` that retention may delete, `batch` events at a time;
/// counts the pass in `metrics` and logs one line for it.
pub async fn run_pass(
    db: &Db,
    metrics: &Metrics,
    keep: Duration,
    batch: i64,
) -> sqlx::Result<Deleted> {
    let cutoff = now_ms() - keep.as_millis() as i64;
    let started = std::time::Instant::now();
    let mut total = Deleted::default();
    let mut batches = 0_u64;
    loop {
        let deleted = retention::delete_batch(db, cutoff, batch).await?;
        batches += 1;
        total.add(deleted);
        if deleted.events < batch as u64 && deleted.resyncs < batch as u64 {
            break;
        }
        tokio::time::sleep(PAUSE).await;
    }
    metrics.retention_pass(&total.by_table());
    tracing::info!(
        events = total.events,
        jobs = total.jobs,
        attempts = total.attempts,
        resyncs = total.resyncs,
        batches,
        duration_ms = started.elapsed().as_millis() as u64,
        "retention pass done"
    );
    Ok(total)
}
