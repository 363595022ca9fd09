//! Events: batched insertion with deduplication (used by the group-commit writer), lookups,
//! listing with keyset pagination, and recording a processing result.

use std::collections::HashSet;
use std::fmt::Write;

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

/// Most events one set of statements carries; larger batches are stored in several rounds
/// (13 parameters per event stays far below the limits: 32,766 on SQLite, 65,535 on PostgreSQL).
const CHUNK: usize = 256;

/// Stores one event and its job inside `tx`; a body already stored for the same source and
/// connection after `dedupe_cutoff` makes it a duplicate.
pub async fn insert(
    tx: &mut Transaction<'_, Any>,
    event: &NewEvent,
    now: i64,
    dedupe_cutoff: i64,
) -> sqlx::Result<Stored> {
    let mut stored = insert_batch(tx, &[event], now, dedupe_cutoff).await?;
    Ok(stored.remove(0))
}

/// Stores many events and their jobs inside `tx` with one statement per table (per chunk of
/// [`CHUNK`] events), answering for each in order. Deduplication is as if they were stored one
/// after the other: a body repeated inside the batch is a duplicate of its first occurrence,
/// and jobs are numbered in batch order so that each entity keeps its arrival order.
pub async fn insert_batch(
    tx: &mut Transaction<'_, Any>,
    events: &[&NewEvent],
    now: i64,
    dedupe_cutoff: i64,
) -> sqlx::Result<Vec<Stored>> {
    let mut stored = Vec::with_capacity(events.len());
    for chunk in events.chunks(CHUNK) {
        stored.extend(insert_chunk(tx, chunk, now, dedupe_cutoff).await?);
    }
    Ok(stored)
}

async fn insert_chunk(
    tx: &mut Transaction<'_, Any>,
    events: &[&NewEvent],
    now: i64,
    dedupe_cutoff: i64,
) -> sqlx::Result<Vec<Stored>> {
    let sqlite = tx.backend_name() == "SQLite";
    let ids: Vec<String> = events
        .iter()
        .map(|_| uuid::Uuid::now_v7().to_string())
        .collect();
    // Only the first of identical bodies claims the key: PostgreSQL refuses to upsert one row
    // twice in a statement, and the later copies are duplicates whatever the first becomes.
    let mut seen = HashSet::with_capacity(events.len());
    let first: Vec<usize> = (0..events.len())
        .filter(|&i| {
            seen.insert((
                &events[i].connection,
                &events[i].source,
                &events[i].body_hash,
            ))
        })
        .collect();
    let rows = Rows {
        events,
        ids: &ids,
        sqlite,
        now,
    };
    let fresh = claim_keys(tx, &rows, &first, dedupe_cutoff).await?;
    let accepted: Vec<usize> = first
        .into_iter()
        .filter(|&i| fresh.contains(&ids[i]))
        .collect();
    insert_events(tx, &rows, &accepted).await?;
    insert_jobs(tx, &rows, &accepted).await?;
    let mut stored = vec![Stored::Duplicate; events.len()];
    for i in accepted {
        stored[i] = Stored::Accepted {
            event_id: ids[i].clone(),
        };
    }
    Ok(stored)
}

/// One chunk of events being stored, with the ids given to them.
struct Rows<'a> {
    events: &'a [&'a NewEvent],
    ids: &'a [String],
    sqlite: bool,
    now: i64,
}

impl Rows<'_> {
    /// `count` rows of `width` placeholders, each row ending with the constants `tail`.
    /// SQLite gets anonymous `?`: it resolves a numbered name by walking a list, which is
    /// quadratic over the thousands of parameters of a batch.
    fn values(&self, count: usize, width: usize, tail: &str) -> String {
        let mut sql = String::with_capacity(count * (width * 6 + tail.len() + 4));
        for row in 0..count {
            sql.push_str(if row == 0 { "(" } else { ", (" });
            for column in 0..width {
                sql.push_str(if column == 0 { "" } else { ", " });
                if self.sqlite {
                    sql.push('?');
                } else {
                    let _ = write!(sql, "${}", row * width + column + 1);
                }
            }
            sql.push_str(tail);
            sql.push(')');
        }
        sql
    }
}

/// Inserts or refreshes (when older than the cutoff) the deduplication keys of the events at
/// `picked`; returns the event ids that got their key, i.e. the events that are not duplicates.
async fn claim_keys(
    tx: &mut Transaction<'_, Any>,
    rows: &Rows<'_>,
    picked: &[usize],
    dedupe_cutoff: i64,
) -> sqlx::Result<HashSet<String>> {
    // The cutoff is a literal so that every placeholder is a column of a row.
    let sql = format!(
        "INSERT INTO event_dedupe (connection, source, body_hash, event_id, received_at) \
         VALUES {} \
         ON CONFLICT (connection, source, body_hash) DO UPDATE \
         SET event_id = excluded.event_id, received_at = excluded.received_at \
         WHERE event_dedupe.received_at < {dedupe_cutoff} \
         RETURNING event_id",
        rows.values(picked.len(), 5, ""),
    );
    let mut query = sqlx::query_scalar(&sql);
    for &i in picked {
        let event = rows.events[i];
        query = query
            .bind(&event.connection)
            .bind(&event.source)
            .bind(&event.body_hash)
            .bind(&rows.ids[i])
            .bind(rows.now);
    }
    // RETURNING gives no promise about order, hence a set.
    let fresh: Vec<String> = query.fetch_all(&mut **tx).await?;
    Ok(fresh.into_iter().collect())
}

async fn insert_events(
    tx: &mut Transaction<'_, Any>,
    rows: &Rows<'_>,
    picked: &[usize],
) -> sqlx::Result<()> {
    if picked.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO events (id, connection, source, kind, action, entity_key, body, body_hash, \
         status, outcome, reason, received_at, updated_at) VALUES {}",
        rows.values(picked.len(), 13, ""),
    );
    let mut query = sqlx::query(&sql);
    for &i in picked {
        let event = rows.events[i];
        let (status, outcome) = match event.job_kind {
            Some(_) => ("pending", None),
            None => ("ignored", Some("ignored")),
        };
        query = query
            .bind(&rows.ids[i])
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
            .bind(rows.now)
            .bind(rows.now);
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

/// One pending job per accepted event that has a job kind, in batch order.
async fn insert_jobs(
    tx: &mut Transaction<'_, Any>,
    rows: &Rows<'_>,
    picked: &[usize],
) -> sqlx::Result<()> {
    let jobs: Vec<(usize, &String)> = picked
        .iter()
        .filter_map(|&i| rows.events[i].job_kind.as_ref().map(|kind| (i, kind)))
        .collect();
    if jobs.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO jobs (id, connection, event_id, kind, entity_key, run_at, created_at, \
         updated_at, state, attempts) VALUES {}",
        rows.values(jobs.len(), 8, ", 'pending', 0"),
    );
    let mut query = sqlx::query(&sql);
    for (i, kind) in jobs {
        let event = rows.events[i];
        query = query
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(&event.connection)
            .bind(&rows.ids[i])
            .bind(kind)
            .bind(&event.entity_key)
            .bind(rows.now)
            .bind(rows.now)
            .bind(rows.now);
    }
    query.execute(&mut **tx).await?;
    Ok(())
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
    ];
    for (column, value) in fields {
        if let Some(value) = value {
            binds.push(value);
            sql.push_str(&format!(" AND {column} = ${}", binds.len()));
        }
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
#[derive(Clone, Debug, Serialize)]
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

#[cfg(test)]
pub(crate) mod tests;
