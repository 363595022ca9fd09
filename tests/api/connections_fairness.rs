//! Fairness between connections: a backlog of thousands of jobs on one connection does not
//! delay another connection's order — the worker claims from the connections in turn. Counted
//! in claims (runs of the worker), not in wall-clock time.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use leafbridge::connections::runtime::{Origin, Running};
use leafbridge::store::events::{NewEvent, Stored};
use leafbridge::store::now_ms;
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use crate::helpers::{TestApp, TestProcessor, all_kinds, order_key, spawn_app, test_config};

const BACKLOG: usize = 2_000;

fn order_event(connection: &str, label: &str) -> NewEvent {
    let body = serde_json::json!({"connection": connection, "label": label}).to_string();
    NewEvent {
        connection: connection.into(),
        source: "leaflink".into(),
        kind: "order".into(),
        action: Some("edit".into()),
        entity_key: order_key(label),
        body_hash: hex::encode(Sha256::digest(body.as_bytes())),
        body,
        job_kind: Some("leaflink.order".into()),
        ignored_reason: None,
    }
}

/// Stores order events `from..from + count` of `connection` (distinct orders), through the
/// group commit.
async fn flood(app: &TestApp, connection: &str, from: usize, count: usize) {
    let stores = (from..from + count).map(|i| {
        app.state
            .ingest
            .store(order_event(connection, &format!("{connection}-{i}")))
    });
    for stored in futures::future::join_all(stores).await {
        assert!(matches!(stored.unwrap(), Stored::Accepted { .. }));
    }
}

#[tokio::test]
async fn a_backlog_on_one_connection_does_not_delay_another_connections_order() {
    let busy = Arc::new(TestProcessor::default());
    let quiet = Arc::new(TestProcessor::default());
    let app = spawn_app(all_kinds(busy.clone())).await;
    let mut brand_b = test_config(&app._database.url).connection;
    brand_b.name = "brand-b".into();
    app.state.connections.start(Running::with(
        brand_b,
        Origin::File,
        &app._database.url,
        all_kinds(quiet.clone()),
        None,
    ));

    flood(&app, "default", 0, BACKLOG).await;
    // The backlog is already being worked on when brand-b's order arrives.
    let never = CancellationToken::new();
    for _ in 0..3 {
        assert!(app.worker.run_one(now_ms(), &never).await.unwrap());
    }
    app.state
        .ingest
        .store(order_event("brand-b", "b-order"))
        .await
        .unwrap();

    let mut claims = 0;
    while quiet.calls.load(Ordering::SeqCst) == 0 {
        assert!(app.worker.run_one(now_ms(), &never).await.unwrap());
        claims += 1;
        assert!(claims <= 2, "brand-b's order waited behind {claims} claims");
    }
    assert_eq!(quiet.seen.lock()[0].0, order_key("b-order"));
    let done = busy.calls.load(Ordering::SeqCst);
    assert!(done <= 5, "the backlog ran {done} jobs first");
    let queue = app.queue().await;
    assert_eq!(queue.pending as usize, BACKLOG - done);

    // With brand-b idle again, the backlog keeps every claim.
    for _ in 0..3 {
        assert!(app.worker.run_one(now_ms(), &never).await.unwrap());
    }
    assert_eq!(busy.calls.load(Ordering::SeqCst), done + 3);
    assert_eq!(quiet.calls.load(Ordering::SeqCst), 1);
    app.stop().await;
}

#[tokio::test]
async fn jobs_of_a_connection_that_is_not_running_wait_and_run_once_it_starts() {
    let own = Arc::new(TestProcessor::default());
    let app = spawn_app(all_kinds(own.clone())).await;
    flood(&app, "brand-c", 0, 3).await;
    assert_eq!(app.drain(std::time::Duration::ZERO).await, 0);
    assert_eq!(
        own.calls.load(Ordering::SeqCst),
        0,
        "never run by another connection's processors"
    );

    let theirs = Arc::new(TestProcessor::default());
    let mut brand_c = test_config(&app._database.url).connection;
    brand_c.name = "brand-c".into();
    app.state.connections.start(Running::with(
        brand_c,
        Origin::File,
        &app._database.url,
        all_kinds(theirs.clone()),
        None,
    ));
    assert_eq!(app.drain(std::time::Duration::ZERO).await, 3);
    assert_eq!(theirs.calls.load(Ordering::SeqCst), 3);
    assert!(app.state.connections.stop("brand-c"));
    flood(&app, "brand-c", 3, 1).await;
    assert_eq!(
        app.drain(std::time::Duration::ZERO).await,
        0,
        "stopped at once"
    );
    assert_eq!(app.queue().await.pending, 1);
    app.stop().await;
}
