//! Events: insertion with deduplication (used by the group-commit writer), lookups, listing with
//! keyset pagination, and recording a processing result.

use serde::{Deserialize, Serialize};
use sqlx::{Any, AnyPool, Row, Transaction};

/// An event ready to be stored, with the job kind that will process it (`None`: recorded as
/// ignored, no job).
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub connection: String,
    pub source: String,
    pub kind: String,
    pub action: Option<String>,
    pub entity_key: String,
    pub body: String,
    pub body_hash: String,
    pub job_kind: Option<String>,
    /// Why the event is ignored, when it is.
    pub ignored_reason: Option<String>,
}

/// What storing one event came to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Stored {
    Accepted { event_id: String },
    Duplicate,
}

/// Stores one event and its job inside `tx`; a body already stored for the same source and
/// connection after `dedupe_cutoff` makes it a duplicate.
pub async fn insert(
    tx: &mut Transaction<'_, Any>,
    event: &NewEvent,
    now: i64,
    dedupe_cutoff: i64,
) -> sqlx::Result<Stored> {
    let event_id = uuid::Uuid::now_v7().to_string();
    let fresh: Option<String> = sqlx::query_scalar(
        "INSERT INTO event_dedupe (connection, source, body_hash, event_id, received_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (connection, source, body_hash) DO UPDATE \
         SET event_id = excluded.event_id, received_at = excluded.received_at \
         WHERE event_dedupe.received_at < $6 \
         RETURNING event_id",
    )
    .bind(&event.connection)
    .bind(&event.source)
    .bind(&event.body_hash)
    .bind(&event_id)
    .bind(now)
    .bind(dedupe_cutoff)
    .fetch_optional(&mut **tx)
    .await?;
    if fresh.is_none() {
        return Ok(Stored::Duplicate);
    }
    let (status, outcome) = match event.job_kind {
        Some(_) => ("pending", None),
        None => ("ignored", Some("ignored")),
    };
    sqlx::query(
        "INSERT INTO events (id, connection, source, kind, action, entity_key, body, body_hash, \
         status, outcome, reason, received_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
    )
    .bind(&event_id)
    .bind(&event.connection)
    .bind(&event.source)
    .bind(&event.kind)
    .bind(&event.action)
    .bind(&event.entity_key)
    .bind(&event.body)
    .bind(&event.body_hash)
    .bind(status)
    .bind(outcome)
    .bind(&event.ignored_reason)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    if let Some(kind) = &event.job_kind {
        crate::store::jobs::enqueue(
            tx,
            &event.connection,
            &event_id,
            kind,
            &event.entity_key,
            now,
        )
        .await?;
    }
    Ok(Stored::Accepted { event_id })
}

/// Forgets deduplication keys older than the retention window; the events themselves stay.
pub async fn prune_dedupe(pool: &AnyPool, cutoff: i64) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM event_dedupe WHERE received_at < $1")
        .bind(cutoff)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

/// An event as operators see it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EventRow {
    pub id: String,
    pub connection: String,
    pub source: String,
    pub kind: String,
    pub action: Option<String>,
    pub entity_key: String,
    pub status: String,
    pub outcome: Option<String>,
    pub reason: Option<String>,
    pub last_error: Option<String>,
    pub received_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, connection, source, kind, action, entity_key, status, outcome, reason, \
                       last_error, received_at, updated_at";

fn event_row(row: &sqlx::any::AnyRow) -> sqlx::Result<EventRow> {
    Ok(EventRow {
        id: row.try_get("id")?,
        connection: row.try_get("connection")?,
        source: row.try_get("source")?,
        kind: row.try_get("kind")?,
        action: row.try_get("action")?,
        entity_key: row.try_get("entity_key")?,
        status: row.try_get("status")?,
        outcome: row.try_get("outcome")?,
        reason: row.try_get("reason")?,
        last_error: row.try_get("last_error")?,
        received_at: row.try_get("received_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Filters for listing events; every field narrows the list.
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    pub source: Option<String>,
    pub kind: Option<String>,
    pub entity_key: Option<String>,
    pub status: Option<String>,
    pub outcome: Option<String>,
    /// Only events received at or after this time (ms since the epoch).
    pub received_from: Option<i64>,
    /// Only events received before this time (ms since the epoch).
    pub received_before: Option<i64>,
    /// Only events with an id lower than this (the previous page's last id).
    pub before_id: Option<String>,
}

/// Newest first; ids are time-ordered (UUIDv7), so the id is the keyset cursor.
pub async fn list(
    pool: &AnyPool,
    connection: &str,
    filter: &EventFilter,
    limit: i64,
) -> sqlx::Result<Vec<EventRow>> {
    let mut sql = format!("SELECT {COLUMNS} FROM events WHERE connection = $1");
    let mut binds: Vec<&str> = vec![connection];
    let fields = [
        ("source", &filter.source),
        ("kind", &filter.kind),
        ("entity_key", &filter.entity_key),
        ("status", &filter.status),
        ("outcome", &filter.outcome),
    ];
    for (column, value) in fields {
        if let Some(value) = value {
            binds.push(value);
            sql.push_str(&format!(" AND {column} = ${}", binds.len()));
        }
    }
    // Times are integers the caller parsed, so they are safe to inline.
    if let Some(from) = filter.received_from {
        sql.push_str(&format!(" AND received_at >= {from}"));
    }
    if let Some(before) = filter.received_before {
        sql.push_str(&format!(" AND received_at < {before}"));
    }
    if let Some(before) = &filter.before_id {
        binds.push(before);
        sql.push_str(&format!(" AND id < ${}", binds.len()));
    }
    sql.push_str(&format!(" ORDER BY id DESC LIMIT {limit}"));
    let mut query = sqlx::query(&sql);
    for value in binds {
        query = query.bind(value);
    }
    query.fetch_all(pool).await?.iter().map(event_row).collect()
}

/// One event with its raw envelope and processing detail.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EventDetail {
    #[serde(flatten)]
    pub event: EventRow,
    pub envelope: serde_json::Value,
    pub detail: Option<serde_json::Value>,
}

pub async fn get(pool: &AnyPool, connection: &str, id: &str) -> sqlx::Result<Option<EventDetail>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS}, body, detail FROM events WHERE connection = $1 AND id = $2"
    ))
    .bind(connection)
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let body: String = row.try_get("body")?;
    let detail: Option<String> = row.try_get("detail")?;
    Ok(Some(EventDetail {
        event: event_row(&row)?,
        envelope: serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body)),
        detail: detail.and_then(|d| serde_json::from_str(&d).ok()),
    }))
}

/// The stored body of an event, for the job that processes it.
pub async fn body(pool: &AnyPool, id: &str) -> sqlx::Result<Option<(String, String, String)>> {
    let row = sqlx::query("SELECT source, kind, body FROM events WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.map(|r| Ok((r.try_get("source")?, r.try_get("kind")?, r.try_get("body")?)))
        .transpose()
}
