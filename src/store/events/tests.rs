//! Batched insertion against a real database: SQLite in a temp dir, or a scratch PostgreSQL
//! database when `LEAFBRIDGE_TEST_BACKEND=postgres` and `LEAFBRIDGE_TEST_POSTGRES_URL` are set.

use sqlx::{Connection, Row};

use super::*;
use crate::store::Db;

/// A migrated, empty database; the temp dir (SQLite) lives as long as the value.
pub(crate) async fn fresh_db() -> (Db, Option<tempfile::TempDir>) {
    if !std::env::var("LEAFBRIDGE_TEST_BACKEND").is_ok_and(|b| b == "postgres") {
        return sqlite_db().await;
    }
    let server = std::env::var("LEAFBRIDGE_TEST_POSTGRES_URL")
        .expect("LEAFBRIDGE_TEST_BACKEND=postgres needs LEAFBRIDGE_TEST_POSTGRES_URL");
    sqlx::any::install_default_drivers();
    let name = format!("lb_unit_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::AnyConnection::connect(&server).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let mut url = url::Url::parse(&server).unwrap();
    url.set_path(&name);
    let db = Db::connect(url.as_str()).await.unwrap();
    db.migrate().await.unwrap();
    (db, None)
}

/// A migrated, empty SQLite database whatever the test backend.
pub(crate) async fn sqlite_db() -> (Db, Option<tempfile::TempDir>) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&format!(
        "sqlite://{}",
        dir.path().join("events.db").display()
    ))
    .await
    .unwrap();
    db.migrate().await.unwrap();
    (db, Some(dir))
}

/// An order event for `number`; `body` tells bodies apart.
pub(crate) fn order(number: &str, body: &str) -> NewEvent {
    NewEvent {
        connection: "default".into(),
        source: "leaflink".into(),
        kind: "order".into(),
        action: Some("edit".into()),
        entity_key: format!("leaflink.order:{number}"),
        body: body.into(),
        body_hash: format!("hash of {body}"),
        job_kind: Some("leaflink.order".into()),
        ignored_reason: None,
    }
}

async fn store(db: &Db, events: &[NewEvent], now: i64, cutoff: i64) -> Vec<Stored> {
    let events: Vec<&NewEvent> = events.iter().collect();
    let mut tx = db.pool.begin().await.unwrap();
    let stored = insert_batch(&mut tx, db.backend, &events, now, cutoff)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    stored
}

async fn count(db: &Db, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

fn accepted(stored: &[Stored]) -> Vec<bool> {
    stored
        .iter()
        .map(|s| matches!(s, Stored::Accepted { .. }))
        .collect()
}

#[tokio::test]
async fn identical_bodies_in_one_batch_store_one_event_and_the_rest_are_duplicates() {
    let (db, _dir) = fresh_db().await;
    let batch = [
        order("A", "a"),
        order("B", "b"),
        order("A", "a"),
        order("A", "a"),
    ];
    let stored = store(&db, &batch, 1_000, 0).await;
    assert_eq!(accepted(&stored), [true, true, false, false]);
    assert_eq!(
        (count(&db, "events").await, count(&db, "jobs").await),
        (2, 2)
    );
}

#[tokio::test]
async fn a_body_seen_inside_the_window_is_a_duplicate_and_past_it_is_stored_again() {
    let (db, _dir) = fresh_db().await;
    store(&db, &[order("A", "a")], 1_000, 0).await;
    let again = store(&db, &[order("A", "a"), order("A", "a2")], 2_000, 500).await;
    assert_eq!(accepted(&again), [false, true]);
    let later = store(&db, &[order("A", "a"), order("A", "a")], 3_000, 1_500).await;
    assert_eq!(accepted(&later), [true, false]);
    assert_eq!(count(&db, "events").await, 3);
}

#[tokio::test]
async fn each_answer_names_the_event_stored_for_that_request() {
    let (db, _dir) = fresh_db().await;
    let batch: Vec<NewEvent> = (0..20)
        .map(|i| order(&i.to_string(), &format!("body {i}")))
        .collect();
    for (event, stored) in batch.iter().zip(store(&db, &batch, 1_000, 0).await) {
        let Stored::Accepted { event_id } = stored else {
            panic!("a fresh body was called a duplicate")
        };
        let (_, _, body) = body(&db.pool, &event_id).await.unwrap().unwrap();
        assert_eq!(body, event.body);
    }
}

#[tokio::test]
async fn jobs_are_numbered_in_batch_order_so_each_entity_keeps_its_arrival_order() {
    let (db, _dir) = fresh_db().await;
    let batch: Vec<NewEvent> = (0..12)
        .map(|i| order(["A", "B", "C"][i % 3], &format!("body {i}")))
        .collect();
    let stored = store(&db, &batch, 1_000, 0).await;
    let rows = sqlx::query("SELECT event_id FROM jobs ORDER BY seq")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    let in_seq: Vec<String> = rows.iter().map(|r| r.get("event_id")).collect();
    let in_batch: Vec<String> = stored
        .into_iter()
        .map(|s| match s {
            Stored::Accepted { event_id } => event_id,
            Stored::Duplicate => panic!("distinct bodies were called duplicates"),
        })
        .collect();
    assert_eq!(in_seq, in_batch);
}

#[tokio::test]
async fn ignored_events_are_recorded_without_a_job() {
    let (db, _dir) = fresh_db().await;
    let mut ignored = order("R", "retail");
    ignored.job_kind = None;
    ignored.ignored_reason = Some("not acted on".into());
    let stored = store(&db, &[ignored, order("A", "a")], 1_000, 0).await;
    assert_eq!(accepted(&stored), [true, true]);
    let statuses: Vec<String> = sqlx::query_scalar("SELECT status FROM events ORDER BY body")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(statuses, ["pending", "ignored"]);
    assert_eq!(count(&db, "jobs").await, 1);
}

#[tokio::test]
async fn a_batch_larger_than_one_chunk_is_stored_whole_and_deduplicated_across_chunks() {
    let (db, _dir) = fresh_db().await;
    let mut batch: Vec<NewEvent> = (0..CHUNK + 40)
        .map(|i| order(&i.to_string(), &format!("body {i}")))
        .collect();
    batch[CHUNK + 5] = order("0", "body 0");
    let stored = store(&db, &batch, 1_000, 0).await;
    let duplicates: Vec<usize> = (0..stored.len())
        .filter(|&i| stored[i] == Stored::Duplicate)
        .collect();
    assert_eq!(duplicates, [CHUNK + 5]);
    assert_eq!(count(&db, "events").await, (CHUNK + 39) as i64);
}
