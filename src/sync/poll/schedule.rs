//! Running the pollers in the background: each one on its own interval, a pass at start-up
//! (to cover the time leafbridge was down), until shutdown.

use std::sync::Arc;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{Poller, run_once};
use crate::ingest::Ingest;
use crate::store::{now_ms, watermarks};
use crate::sync::SyncContext;

/// Starts every poller whose interval is not zero; each runs a pass at once, then once per
/// interval, until `shutdown`.
pub fn spawn(
    ctx: Arc<SyncContext>,
    ingest: Ingest,
    shutdown: CancellationToken,
) -> Vec<JoinHandle<()>> {
    Poller::ALL
        .into_iter()
        .filter(|poller| !poller.interval(&ctx.settings).is_zero())
        .map(|poller| {
            let (ctx, ingest, shutdown) = (Arc::clone(&ctx), ingest.clone(), shutdown.clone());
            tokio::spawn(run_every(ctx, ingest, poller, shutdown))
        })
        .collect()
}

async fn run_every(
    ctx: Arc<SyncContext>,
    ingest: Ingest,
    poller: Poller,
    shutdown: CancellationToken,
) {
    let mut every = tokio::time::interval(poller.interval(&ctx.settings));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = shutdown.cancelled() => return,
        }
        if !due(&ctx, poller).await {
            continue;
        }
        // Stopping mid-pass is safe: the watermark only moves once the pass is complete.
        let result = tokio::select! {
            result = run_once(&ctx, &ingest, poller, now_ms()) => result,
            _ = shutdown.cancelled() => {
                let released = watermarks::release(&ctx.db.pool, &ctx.connection, poller.name());
                if let Err(error) = released.await {
                    tracing::warn!(poller = poller.name(), %error, "poll lease not released; it expires on its own");
                }
                return;
            }
        };
        match result {
            Ok(report) if report.busy => tracing::debug!(
                poller = poller.name(),
                "another instance is running this poller"
            ),
            Ok(report) if report.enqueued > 0 => tracing::info!(
                poller = poller.name(),
                poll.enqueued = report.enqueued,
                poll.skipped = report.skipped,
                "poll found changes webhooks had not brought"
            ),
            Ok(report) => tracing::debug!(
                poller = poller.name(),
                poll.listed = report.listed,
                "poll found nothing new"
            ),
            Err(error) => {
                tracing::warn!(poller = poller.name(), error = %format!("{error:#}"), "poll failed; will retry on the next interval")
            }
        }
    }
}

/// False when another instance finished a pass of `poller` less than 90 % of an interval ago:
/// replicas share one pass per interval instead of each running their own.
async fn due(ctx: &SyncContext, poller: Poller) -> bool {
    let interval = poller.interval(&ctx.settings).as_millis() as i64;
    match watermarks::get(&ctx.db.pool, &ctx.connection, poller.name()).await {
        Ok(state) => state
            .last_success_at
            .is_none_or(|at| now_ms() - at >= interval * 9 / 10),
        // The pass will meet the same trouble and record it.
        Err(_) => true,
    }
}
