//! Operator resyncs: the request, the events it stored, and its progress read from those events'
//! statuses and outcomes (a resync has no state of its own to keep in step).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};

/// Records a resync before its events are stored, so progress is visible while it enqueues.
pub async fn create(
    pool: &AnyPool,
    connection: &str,
    id: &str,
    kind: &str,
    request: &serde_json::Value,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO resyncs (id, connection, kind, request, jobs, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 0, $5, $5)",
    )
    .bind(id)
    .bind(connection)
    .bind(kind)
    .bind(request.to_string())
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// When a resync began (ms since the epoch), if it exists.
pub async fn created_at(pool: &AnyPool, connection: &str, id: &str) -> sqlx::Result<Option<i64>> {
    let row = sqlx::query("SELECT created_at FROM resyncs WHERE connection = $1 AND id = $2")
        .bind(connection)
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.map(|row| row.try_get("created_at")).transpose()
}

/// Attaches one stored event to its resync and counts its job.
pub async fn add_event(
    pool: &AnyPool,
    resync_id: &str,
    event_id: &str,
    now: i64,
) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    let added = sqlx::query(
        "INSERT INTO resync_events (resync_id, event_id) VALUES ($1, $2) \
         ON CONFLICT (resync_id, event_id) DO NOTHING",
    )
    .bind(resync_id)
    .bind(event_id)
    .execute(&mut *tx)
    .await?;
    if added.rows_affected() == 1 {
        sqlx::query("UPDATE resyncs SET jobs = jobs + 1, updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(resync_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

/// A resync's request and progress.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResyncView {
    pub id: String,
    pub kind: String,
    /// The request as the operator sent it.
    pub request: serde_json::Value,
    /// Jobs enqueued.
    pub jobs: i64,
    /// Jobs not finished yet (pending or retrying).
    pub pending: i64,
    /// Jobs processed (see `outcomes`).
    pub done: i64,
    /// Jobs that failed for good.
    pub dead: i64,
    /// Processed events per outcome (`synced`, `unchanged`, `needs_attention`, ...).
    pub outcomes: BTreeMap<String, i64>,
    /// True once every job has finished, processed or dead.
    pub finished: bool,
    pub created_at: i64,
}

/// One resync with its progress; `None` when there is no such resync.
pub async fn get(pool: &AnyPool, connection: &str, id: &str) -> sqlx::Result<Option<ResyncView>> {
    let row = sqlx::query(
        "SELECT id, kind, request, jobs, created_at FROM resyncs WHERE connection = $1 AND id = $2",
    )
    .bind(connection)
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let request: String = row.try_get("request")?;
    let mut view = ResyncView {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        request: serde_json::from_str(&request).unwrap_or(serde_json::Value::Null),
        jobs: row.try_get("jobs")?,
        pending: 0,
        done: 0,
        dead: 0,
        outcomes: BTreeMap::new(),
        finished: false,
        created_at: row.try_get("created_at")?,
    };
    let counts = sqlx::query(
        "SELECT e.status, e.outcome, COUNT(*) AS n FROM resync_events r \
         JOIN events e ON e.id = r.event_id WHERE r.resync_id = $1 GROUP BY e.status, e.outcome",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    for row in counts {
        let status: String = row.try_get("status")?;
        let outcome: Option<String> = row.try_get("outcome")?;
        let n: i64 = row.try_get("n")?;
        match status.as_str() {
            "pending" | "retrying" => view.pending += n,
            "dead" => view.dead += n,
            _ => view.done += n,
        }
        if let Some(outcome) = outcome.filter(|_| status != "dead") {
            *view.outcomes.entry(outcome).or_default() += n;
        }
    }
    view.finished = view.pending == 0;
    Ok(Some(view))
}
