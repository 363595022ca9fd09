//! Jobs as operators see them: listing by state, one job, retrying a dead job, and the job kind
//! of an event (for replays).

use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};

/// A job row for the operator API.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JobRow {
    pub id: String,
    pub event_id: String,
    pub kind: String,
    pub entity_key: String,
    /// `pending`, `running`, `done`, `dead`, or `superseded` (dead, then a later job of the same
    /// kind for the entity succeeded).
    pub state: String,
    pub attempts: i64,
    /// When a pending job may run next (ms since the epoch).
    pub run_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str =
    "id, event_id, kind, entity_key, state, attempts, run_at, last_error, created_at, updated_at";

fn job_row(row: &sqlx::any::AnyRow) -> sqlx::Result<JobRow> {
    Ok(JobRow {
        id: row.try_get("id")?,
        event_id: row.try_get("event_id")?,
        kind: row.try_get("kind")?,
        entity_key: row.try_get("entity_key")?,
        state: row.try_get("state")?,
        attempts: row.try_get("attempts")?,
        run_at: row.try_get("run_at")?,
        last_error: row.try_get("last_error")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Jobs, optionally in one state, oldest first (ids are UUIDv7), after `after_id`.
pub async fn list(
    pool: &AnyPool,
    connection: &str,
    state: Option<&str>,
    after_id: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<JobRow>> {
    let mut sql = format!("SELECT {COLUMNS} FROM jobs WHERE connection = $1");
    let mut binds = vec![connection];
    if let Some(state) = state {
        binds.push(state);
        sql.push_str(&format!(" AND state = ${}", binds.len()));
    }
    if let Some(after) = after_id {
        binds.push(after);
        sql.push_str(&format!(" AND id > ${}", binds.len()));
    }
    sql.push_str(&format!(" ORDER BY id LIMIT {limit}"));
    let mut query = sqlx::query(&sql);
    for value in binds {
        query = query.bind(value);
    }
    query.fetch_all(pool).await?.iter().map(job_row).collect()
}

pub async fn get(pool: &AnyPool, connection: &str, id: &str) -> sqlx::Result<Option<JobRow>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM jobs WHERE connection = $1 AND id = $2"
    ))
    .bind(connection)
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(job_row).transpose()
}

/// Makes a dead job pending and due now, and its event pending again; false when the job is
/// not dead (nothing changes). The attempt count is kept, so the retry is one more run: if it
/// fails again the job goes back to dead.
pub async fn retry_dead(
    pool: &AnyPool,
    connection: &str,
    id: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let event_id: Option<String> = sqlx::query_scalar(
        "UPDATE jobs SET state = 'pending', run_at = $1, updated_at = $1 \
         WHERE connection = $2 AND id = $3 AND state = 'dead' RETURNING event_id",
    )
    .bind(now)
    .bind(connection)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(event_id) = event_id else {
        tx.rollback().await?;
        return Ok(false);
    };
    sqlx::query(
        "UPDATE events SET status = 'pending', outcome = NULL, updated_at = $1 WHERE id = $2",
    )
    .bind(now)
    .bind(&event_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The kind of the (first) job of an event; `None` for events recorded as ignored.
pub async fn kind_of_event(pool: &AnyPool, event_id: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT kind FROM jobs WHERE event_id = $1 ORDER BY seq LIMIT 1")
        .bind(event_id)
        .fetch_optional(pool)
        .await
}
