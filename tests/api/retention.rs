//! Retention: old settled events go with their jobs and attempts, in batches; dead jobs, open
//! attention items and recent events stay; a metric counts the pass.

use std::sync::Arc;
use std::time::Duration;

use leafbridge::jobs::{JobContext, JobError, Processed, Processor, Processors};
use serde_json::Value;

use crate::helpers::{TestApp, order_number, order_webhook, spawn_app};

const DAY_MS: i64 = 86_400_000;

/// Answers by order: `dead-1` fails for good, `attention-1` and `attention-2` need attention
/// unless the order says it was `fixed`, the rest are synced.
struct ByNumber;

#[async_trait::async_trait]
impl Processor for ByNumber {
    async fn process(&self, job: &JobContext) -> Result<Processed, JobError> {
        let number = job.body.pointer("/data/number").and_then(Value::as_str);
        let is = |label: &str| number == Some(order_number(label).as_str());
        if is("dead-1") {
            return Err(JobError::Permanent("wrong on purpose".into()));
        }
        let fixed = job.body.pointer("/data/fixed") == Some(&Value::Bool(true));
        let outcome = if (is("attention-1") || is("attention-2")) && !fixed {
            "needs_attention"
        } else {
            "synced"
        };
        Ok(Processed {
            outcome: outcome.into(),
            reason: None,
            detail: None,
        })
    }
}

async fn post(app: &TestApp, number: &str, seq: usize) -> String {
    let ack: Value = app
        .post_leaflink(&order_webhook(number, seq))
        .await
        .json()
        .await
        .unwrap();
    ack["event_id"].as_str().unwrap().to_owned()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn exists(app: &TestApp, id: &str) -> bool {
    app.admin_get(&format!("/api/v1/events/{id}"))
        .await
        .status()
        == 200
}

#[tokio::test]
async fn old_settled_events_are_deleted_in_batches_and_open_work_is_kept() {
    let mut processors = Processors::new();
    processors.register("leaflink.order", Arc::new(ByNumber));
    let app = spawn_app(processors).await;
    let mut old_done = Vec::new();
    for i in 0..25 {
        old_done.push(post(&app, &format!("done-{i}"), i).await);
    }
    let dead = post(&app, "dead-1", 100).await;
    let attention = post(&app, "attention-1", 101).await;
    // An attention item that a later success closed: its event may go.
    let closed = post(&app, "attention-2", 102).await;
    app.drain(Duration::ZERO).await;
    let fix = serde_json::json!({"action": "edit", "type": "order",
        "data": {"number": order_number("attention-2"), "status": "Submitted", "seq": 103, "fixed": true}});
    let ack: Value = app.post_leaflink(&fix).await.json().await.unwrap();
    let fixed = ack["event_id"].as_str().unwrap().to_owned();
    sqlx::query("UPDATE events SET received_at = received_at - $1")
        .bind(40 * DAY_MS)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let recent = post(&app, "done-recent", 104).await;
    let pending = {
        // Not drained: its job is still pending.
        let id = post(&app, "done-pending", 105).await;
        sqlx::query("UPDATE events SET received_at = received_at - $1 WHERE id = $2")
            .bind(40 * DAY_MS)
            .bind(&id)
            .execute(&app.db.pool)
            .await
            .unwrap();
        id
    };
    // `fixed` is finished but `pending` is not: run only what is due and leave `pending`.
    app.drain(Duration::ZERO).await;
    sqlx::query("UPDATE jobs SET state = 'pending' WHERE event_id = $1")
        .bind(&pending)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let attempts_before = count(&app, "job_attempts").await;

    let deleted = leafbridge::jobs::retention::run_pass(
        &app.db,
        &app.state.metrics,
        Duration::from_secs(30 * 86_400),
        10,
    )
    .await
    .unwrap();

    // 25 done + the closed attention event, in three batches. Its fix waits for the next
    // pass: deleting it before the closed event would have reopened the attention item.
    assert_eq!(deleted.events, 26);
    assert_eq!(deleted.jobs, 26);
    assert_eq!(deleted.attempts, 26);
    assert_eq!(count(&app, "job_attempts").await, attempts_before - 26);
    assert!(exists(&app, &fixed).await);
    for id in old_done.iter().chain([&closed]) {
        assert!(!exists(&app, id).await, "old settled event {id} kept");
    }
    for id in [&dead, &attention, &recent, &pending] {
        assert!(exists(&app, id).await, "event {id} deleted");
    }
    assert_eq!(count(&app, "jobs").await, 5);
    let metrics = app
        .http
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("leafbridge_retention_deleted_rows_total{table=\"events\"} 26"),
        "{metrics}"
    );
    // The second pass deletes the fix, then nothing is left to delete.
    let again = leafbridge::jobs::retention::run_pass(
        &app.db,
        &app.state.metrics,
        Duration::from_secs(30 * 86_400),
        10,
    )
    .await
    .unwrap();
    assert_eq!(again.events, 1);
    assert!(!exists(&app, &fixed).await);
    let last = leafbridge::jobs::retention::run_pass(
        &app.db,
        &app.state.metrics,
        Duration::from_secs(30 * 86_400),
        10,
    )
    .await
    .unwrap();
    assert_eq!(last.events, 0);
    for id in [&dead, &attention, &recent, &pending] {
        assert!(exists(&app, id).await, "event {id} deleted");
    }
}
