//! Two instances on one PostgreSQL database share the jobs: none runs twice, per-entity order
//! holds. Skipped (loudly) when no PostgreSQL is configured.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::helpers::{
    TestProcessor, all_kinds, fresh_postgres, missing_prerequisite, order_key, order_webhook,
    postgres_url, spawn_app_on, test_config,
};

#[tokio::test]
async fn two_instances_on_one_postgres_database_never_run_a_job_twice() {
    let Some(server) = postgres_url() else {
        missing_prerequisite("no PostgreSQL: set LEAFBRIDGE_TEST_POSTGRES_URL to run it");
        return;
    };
    let database = fresh_postgres(&server).await;
    let url = database.url.clone();
    let processor = Arc::new(TestProcessor {
        delay: Duration::from_millis(1),
        ..Default::default()
    });
    let first = spawn_app_on(database, test_config, all_kinds(processor.clone()), false).await;
    let second = spawn_app_on(
        crate::helpers::TestDatabase::existing(&url),
        test_config,
        all_kinds(processor.clone()),
        false,
    )
    .await;
    let total = 120;
    for i in 0..total {
        let app = if i % 2 == 0 { &first } else { &second };
        let response = app
            .post_leaflink(&order_webhook(&format!("shared-{}", i % 12), i))
            .await;
        assert_eq!(response.status(), 202);
    }
    while first.queue().await.done < total as i64 {
        let runs = (0..4).flat_map(|_| [first.drain(Duration::ZERO), second.drain(Duration::ZERO)]);
        futures::future::join_all(runs).await;
    }
    assert_eq!(
        processor.calls.load(Ordering::SeqCst),
        total,
        "a job ran twice"
    );
    assert_eq!(processor.overlaps.load(Ordering::SeqCst), 0);
    let seen = processor.seen.lock().clone();
    for entity in 0..12 {
        let key = order_key(&format!("shared-{entity}"));
        let order: Vec<usize> = seen
            .iter()
            .filter(|(k, _)| *k == key)
            .map(|(_, s)| s.parse().unwrap())
            .collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted, "{key} ran out of order");
    }
}
