//! The worker: retries with backoff, dead jobs, panics, leases after a crash, per-entity ordering
//! and graceful shutdown. Tests drive the worker instead of sleeping.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use leafbridge::store::jobs;
use leafbridge::store::now_ms;
use serde_json::Value;

use crate::helpers::{TestProcessor, all_kinds, order_key, order_webhook, spawn_app};

const LATER: Duration = Duration::from_secs(10 * 86_400);

async fn event(app: &crate::helpers::TestApp, id: &str) -> Value {
    app.admin_get(&format!("/api/v1/events/{id}"))
        .await
        .json()
        .await
        .unwrap()
}

async fn post(app: &crate::helpers::TestApp, number: &str, seq: usize) -> String {
    let ack: Value = app
        .post_leaflink(&order_webhook(number, seq))
        .await
        .json()
        .await
        .unwrap();
    ack["event_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_job_that_fails_twice_is_retried_after_its_backoff_and_then_succeeds() {
    let processor = Arc::new(TestProcessor {
        fail_times: 2,
        ..Default::default()
    });
    let app = spawn_app(all_kinds(processor.clone())).await;
    let id = post(&app, "flaky", 1).await;
    assert_eq!(app.drain(Duration::ZERO).await, 1);
    // The retry is scheduled in the future: nothing runs now.
    assert_eq!(app.drain(Duration::ZERO).await, 0);
    let pending = event(&app, &id).await;
    assert_eq!(pending["status"], "retrying");
    assert_eq!(pending["last_error"], "transient failure 1");
    // Ten days on, both remaining runs are due: the second retry succeeds.
    assert_eq!(app.drain(LATER).await, 2);
    assert_eq!(app.drain(LATER).await, 0);
    let done = event(&app, &id).await;
    assert_eq!(done["status"], "done");
    let results: Vec<&str> = done["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["result"].as_str().unwrap())
        .collect();
    assert_eq!(results, ["retry", "retry", "synced"]);
    assert_eq!(processor.calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_permanent_error_makes_the_job_dead_at_once_with_the_error_recorded() {
    let processor = Arc::new(TestProcessor {
        permanent: true,
        ..Default::default()
    });
    let app = spawn_app(all_kinds(processor.clone())).await;
    let id = post(&app, "broken", 1).await;
    assert_eq!(app.drain(LATER).await, 1);
    assert_eq!(app.drain(LATER).await, 0);
    let dead = event(&app, &id).await;
    assert_eq!(dead["status"], "dead");
    assert_eq!(dead["outcome"], "failed");
    assert_eq!(dead["last_error"], "the data is wrong on purpose");
    assert_eq!(app.queue().await.dead, 1);
}

#[tokio::test]
async fn a_job_that_keeps_failing_is_dead_once_the_schedule_is_exhausted() {
    let processor = Arc::new(TestProcessor {
        fail_times: usize::MAX,
        ..Default::default()
    });
    let app = spawn_app(all_kinds(processor.clone())).await;
    let id = post(&app, "hopeless", 1).await;
    // The test schedule has three delays: one first run and three retries, then dead.
    assert_eq!(app.drain(LATER).await, 4);
    assert_eq!(app.drain(LATER).await, 0);
    let dead = event(&app, &id).await;
    assert_eq!(dead["status"], "dead");
    assert!(
        dead["last_error"]
            .as_str()
            .unwrap()
            .contains("gave up after 4 attempts")
    );
}

#[tokio::test]
async fn a_panicking_processor_is_a_failed_attempt_not_a_dead_worker() {
    let processor = Arc::new(TestProcessor {
        panic: true,
        ..Default::default()
    });
    let app = spawn_app(all_kinds(processor.clone())).await;
    let id = post(&app, "panics", 1).await;
    assert_eq!(app.drain(Duration::ZERO).await, 1);
    let failed = event(&app, &id).await;
    assert_eq!(failed["status"], "retrying");
    assert!(failed["last_error"].as_str().unwrap().contains("panicked"));
    // The worker is still alive and keeps taking jobs.
    post(&app, "next", 2).await;
    assert_eq!(app.drain(Duration::ZERO).await, 1);
}

#[tokio::test]
async fn a_job_abandoned_by_a_crashed_worker_runs_again_once_its_lease_expires() {
    let processor = Arc::new(TestProcessor::default());
    let app = spawn_app(all_kinds(processor.clone())).await;
    let id = post(&app, "crashed", 1).await;
    // A worker claims the job and dies without finishing it.
    let kinds = vec!["leaflink.order".to_owned()];
    let now = now_ms();
    let claimed = jobs::claim(&app.db, &kinds, "dead-worker", now, now + 60_000, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    // While the lease holds, nobody else runs it.
    assert_eq!(app.drain(Duration::ZERO).await, 0);
    // After the lease expires, it runs again, as a second attempt.
    assert_eq!(app.drain(Duration::from_secs(61)).await, 1);
    let done = event(&app, &id).await;
    assert_eq!(done["status"], "done");
    assert_eq!(done["attempts"][0]["attempt"], 2);
    // A completed job never runs again, and the dead worker cannot record a late result.
    assert_eq!(app.drain(LATER).await, 0);
    let late = jobs::finish(
        &app.db.pool,
        &claimed[0],
        "dead-worker",
        now,
        now_ms(),
        &jobs::Finish::Dead {
            error: "late".into(),
        },
    )
    .await
    .unwrap();
    assert!(!late);
    assert_eq!(processor.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn jobs_of_one_entity_run_one_at_a_time_in_arrival_order_while_entities_run_in_parallel() {
    let processor = Arc::new(TestProcessor {
        delay: Duration::from_millis(2),
        ..Default::default()
    });
    let app = spawn_app(all_kinds(processor.clone())).await;
    let entities = 5;
    let per_entity = 8;
    for seq in 0..per_entity {
        for entity in 0..entities {
            post(&app, &format!("entity-{entity}"), seq).await;
        }
    }
    let total = (entities * per_entity) as i64;
    while app.queue().await.done < total {
        let runs = (0..6).map(|_| app.drain(Duration::ZERO));
        futures::future::join_all(runs).await;
    }
    assert_eq!(
        processor.overlaps.load(Ordering::SeqCst),
        0,
        "two jobs of one entity ran at once"
    );
    let seen = processor.seen.lock().clone();
    for entity in 0..entities {
        let key = order_key(&format!("entity-{entity}"));
        let order: Vec<String> = seen
            .iter()
            .filter(|(k, _)| *k == key)
            .map(|(_, s)| s.clone())
            .collect();
        let expected: Vec<String> = (0..per_entity).map(|s| s.to_string()).collect();
        assert_eq!(order, expected, "{key} ran out of order");
    }
    assert_eq!(app.queue().await.pending, 0);
}

#[tokio::test]
async fn a_waiting_retry_holds_back_later_jobs_of_the_same_entity_only() {
    let processor = Arc::new(TestProcessor {
        fail_times: 1,
        ..Default::default()
    });
    let app = spawn_app(all_kinds(processor.clone())).await;
    post(&app, "held", 1).await;
    post(&app, "held", 2).await;
    post(&app, "free", 1).await;
    // First run fails (retry later); the second job of "held" must wait, "free" runs.
    assert_eq!(app.drain(Duration::ZERO).await, 2);
    let seen = processor.seen.lock().clone();
    assert_eq!(seen, [(order_key("free"), "1".to_owned())]);
    assert_eq!(app.drain(LATER).await, 2);
    let seen = processor.seen.lock().clone();
    assert_eq!(
        &seen[1..],
        [
            (order_key("held"), "1".to_owned()),
            (order_key("held"), "2".to_owned())
        ]
    );
}

#[tokio::test]
async fn graceful_shutdown_lets_a_running_job_finish() {
    let processor = Arc::new(TestProcessor {
        delay: Duration::from_millis(300),
        ..Default::default()
    });
    let database = crate::helpers::fresh_database().await;
    let app = crate::helpers::spawn_app_on(
        database,
        crate::helpers::test_config,
        all_kinds(processor.clone()),
        true,
    )
    .await;
    let id = post(&app, "slow", 1).await;
    // Wait until the worker has picked the job up, then ask for shutdown.
    processor.started.notified().await;
    let db = app.db.clone();
    let address = app.address.clone();
    app.stop().await;
    let done = leafbridge::store::events::get(&db.pool, "default", &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.event.status, "done");
    // The server no longer accepts requests.
    assert!(reqwest::get(format!("{address}/healthz")).await.is_err());
}

#[tokio::test]
async fn shutdown_gives_back_a_job_that_outlives_the_grace_period() {
    let processor = Arc::new(TestProcessor {
        delay: Duration::from_secs(30),
        ..Default::default()
    });
    let database = crate::helpers::fresh_database().await;
    fn short_grace(url: &str) -> leafbridge::config::Config {
        let mut config = crate::helpers::test_config(url);
        config.shutdown_grace = Duration::from_millis(100);
        config
    }
    let app =
        crate::helpers::spawn_app_on(database, short_grace, all_kinds(processor.clone()), true)
            .await;
    let id = post(&app, "too-slow", 1).await;
    processor.started.notified().await;
    let db = app.db.clone();
    app.stop().await;
    let event = leafbridge::store::events::get(&db.pool, "default", &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(event.event.status, "pending");
    let queue = jobs::stats(&db.pool, now_ms()).await.unwrap();
    assert_eq!((queue.pending, queue.running), (1, 0));
}

async fn admin_post(app: &crate::helpers::TestApp, path: &str) -> u16 {
    app.http
        .post(format!("{}{path}", app.address))
        .bearer_auth(crate::helpers::ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn dead_in_stats_and_metrics(app: &crate::helpers::TestApp) -> (i64, String) {
    let stats: Value = app.admin_get("/api/v1/stats").await.json().await.unwrap();
    let metrics = app
        .http
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let gauge = metrics
        .lines()
        .find_map(|l| l.strip_prefix("leafbridge_jobs{state=\"dead\"} "))
        .unwrap_or("missing")
        .to_owned();
    (stats["queue"]["dead"].as_i64().unwrap(), gauge)
}

/// Posts an order whose job fails four times: with the tests' three retries it ends dead.
async fn dead_order(app: &crate::helpers::TestApp) -> String {
    let id = post(app, "doomed", 1).await;
    while app.drain(LATER).await > 0 {}
    assert_eq!(event(app, &id).await["status"], "dead");
    assert_eq!(dead_in_stats_and_metrics(app).await, (1, "1".to_owned()));
    id
}

#[tokio::test]
async fn a_replayed_dead_job_leaves_the_dead_count_once_the_replay_succeeds() {
    let processor = Arc::new(TestProcessor {
        fail_times: 4,
        ..Default::default()
    });
    let app = spawn_app(all_kinds(processor.clone())).await;
    let id = dead_order(&app).await;
    assert_eq!(
        admin_post(&app, &format!("/api/v1/events/{id}/replay")).await,
        202
    );
    assert_eq!(app.drain(Duration::ZERO).await, 1);
    assert_eq!(dead_in_stats_and_metrics(&app).await, (0, "0".to_owned()));
    let jobs: Value = app.admin_get("/api/v1/jobs").await.json().await.unwrap();
    let states: Vec<&str> = jobs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["superseded", "done"]);
}

#[tokio::test]
async fn a_retried_dead_job_leaves_the_dead_count_once_it_succeeds() {
    let processor = Arc::new(TestProcessor {
        fail_times: 4,
        ..Default::default()
    });
    let app = spawn_app(all_kinds(processor.clone())).await;
    dead_order(&app).await;
    let jobs: Value = app
        .admin_get("/api/v1/jobs?state=dead")
        .await
        .json()
        .await
        .unwrap();
    let job = jobs["items"][0]["id"].as_str().unwrap();
    assert_eq!(
        admin_post(&app, &format!("/api/v1/jobs/{job}/retry")).await,
        200
    );
    assert_eq!(app.drain(Duration::ZERO).await, 1);
    assert_eq!(dead_in_stats_and_metrics(&app).await, (0, "0".to_owned()));
}
