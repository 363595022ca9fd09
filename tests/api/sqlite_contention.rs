//! SQLite write contention: many senders post job-producing webhooks while the worker claims,
//! runs and completes their jobs, on a file database in WAL mode as `serve` uses. Every webhook
//! is acknowledged, no group commit falls back to one-by-one, no claim, heartbeat or completion
//! is refused, and every job ends done. Timing belongs to `benches/ingest.rs`, not here.
//!
//! The test takes the busy timeout away from every connection of the write pool, so that two
//! writers of this process meeting at the file lock fail at once instead of waiting for it (a
//! wait that reached the 10 s timeout on a loaded machine when writes went through the
//! general pool). Through the one write connection they never meet.

use std::sync::Arc;
use std::time::Duration;

use crate::helpers::{
    TestApp, TestDatabase, TestProcessor, all_kinds, order_webhook, spawn_app_on, test_config,
};

const SENDERS: usize = 32;
const PER_SENDER: usize = 40;
/// Worker slots: each claims, heartbeats and completes through the write connection.
const WORKERS: usize = 32;

#[tokio::test]
async fn concurrent_job_producing_webhooks_on_sqlite_never_contend_for_the_file_lock() {
    // SQLite whatever the suite's backend: the contention under test is SQLite's file lock.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("contention.db").display());
    let processor = Arc::new(TestProcessor {
        delay: Duration::from_millis(2),
        ..TestProcessor::default()
    });
    let app = spawn_app_on(
        TestDatabase::existing(&url),
        |url: &str| {
            let mut config = test_config(url);
            config.workers = WORKERS;
            config
        },
        all_kinds(processor.clone()),
        true,
    )
    .await;
    settle_startup_maintenance(&app).await;
    no_busy_timeout_on_writes(&app.db).await;
    let app = Arc::new(app);

    let mut senders = Vec::new();
    for sender in 0..SENDERS {
        let app = Arc::clone(&app);
        senders.push(tokio::spawn(async move {
            let mut refused = Vec::new();
            for i in 0..PER_SENDER {
                let body = order_webhook(&format!("contention-{sender}-{i}"), i);
                let status = app.post_leaflink(&body).await.status();
                if !status.is_success() {
                    refused.push(format!("sender {sender}, webhook {i}: {status}"));
                }
            }
            refused
        }));
    }
    let mut refused = Vec::new();
    for sender in senders {
        refused.extend(sender.await.unwrap());
    }
    assert!(
        refused.is_empty(),
        "{} webhooks not acknowledged, first: {:?}",
        refused.len(),
        &refused[..refused.len().min(3)]
    );

    // Stop the background worker (running jobs finish within the grace period), then drive
    // whatever it left to empty.
    let Ok(app) = Arc::try_unwrap(app) else {
        panic!("every sender has finished with the app");
    };
    let TestApp {
        server,
        worker,
        db,
        state,
        shutdown,
        ..
    } = app;
    shutdown.cancel();
    server.await.unwrap().unwrap();
    let now = leafbridge::store::now_ms();
    worker.run_pending(now).await.unwrap();

    let metrics = &state.metrics;
    assert_eq!(
        metrics.group_commit_fallbacks(),
        0,
        "a group commit failed and was stored one by one"
    );
    assert_eq!(
        metrics.job_store_errors(),
        0,
        "a job claim, heartbeat or completion was refused"
    );
    let queue = leafbridge::store::jobs::stats(&db.pool, now).await.unwrap();
    let total = (SENDERS * PER_SENDER) as i64;
    assert_eq!(
        (queue.pending, queue.running, queue.dead, queue.done),
        (0, 0, 0, total)
    );
    assert_eq!(
        processor.overlaps.load(std::sync::atomic::Ordering::SeqCst),
        0
    );
    let exposed = state.metrics.render(&queue);
    assert!(exposed.contains("leafbridge_group_commit_fallbacks_total 0"));
}

/// Waits for the maintenance pass the app runs at start (it writes through the general pool).
async fn settle_startup_maintenance(app: &TestApp) {
    let queue = app.queue().await;
    while !app
        .state
        .metrics
        .render(&queue)
        .contains("leafbridge_retention_passes_total 1")
    {
        tokio::task::yield_now().await;
    }
}

/// Sets `busy_timeout = 0` on every connection the write pool can hold: all are taken at once,
/// so each is a different one, and they stay open in the pool afterwards.
async fn no_busy_timeout_on_writes(db: &leafbridge::store::Db) {
    let mut held = Vec::new();
    for _ in 0..db.writes.options().get_max_connections() {
        held.push(db.writes.acquire().await.unwrap());
    }
    for connection in &mut held {
        sqlx::query("PRAGMA busy_timeout = 0")
            .execute(&mut **connection)
            .await
            .unwrap();
    }
}
