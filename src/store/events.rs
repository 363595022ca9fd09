//! Events: batched insertion with deduplication (used by the group-commit writer), lookups,
//! listing with keyset pagination, and recording a processing result.

use std::collections::HashSet;
use std::fmt::Write;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{Any, AnyPool, Arguments, Row, Transaction};

use super::Backend;
use crate::envelope::Envelope;

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

impl NewEvent {
    /// An event of `connection` from `source`, read as `envelope` says, with the hash of `body`
    /// computed here (the same body again from the same source is a duplicate). Not ignored:
    /// set [`NewEvent::ignored_reason`] for an event no job acts on.
    pub fn new(connection: &str, source: &str, envelope: Envelope, body: String) -> Self {
        Self {
            connection: connection.to_owned(),
            source: source.to_owned(),
            kind: envelope.kind,
            action: envelope.action,
            entity_key: envelope.entity_key,
            body_hash: hex::encode(Sha256::digest(body.as_bytes())),
            body,
            job_kind: envelope.job_kind,
            ignored_reason: None,
        }
    }
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

/// Stores many events and their jobs inside `tx` (a transaction on a database of `backend`)
/// with one statement per table (per chunk of [`CHUNK`] events; on SQLite the three go in one
/// call), answering for each in order. A body already stored for the same source and
/// connection after `dedupe_cutoff` makes an event a duplicate. Deduplication is as if they
/// were stored one after the other: a body repeated inside the batch is a duplicate of its
/// first occurrence, and jobs are numbered in batch order so that each entity keeps its
/// arrival order.
pub async fn insert_batch(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    events: &[&NewEvent],
    now: i64,
    dedupe_cutoff: i64,
) -> sqlx::Result<Vec<Stored>> {
    let mut stored = Vec::with_capacity(events.len());
    for chunk in events.chunks(CHUNK) {
        stored.extend(insert_chunk(tx, backend, chunk, now, dedupe_cutoff).await?);
    }
    Ok(stored)
}

async fn insert_chunk(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    events: &[&NewEvent],
    now: i64,
    dedupe_cutoff: i64,
) -> sqlx::Result<Vec<Stored>> {
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
        picked: &first,
        sqlite: backend == Backend::Sqlite,
        now,
    };
    let fresh: HashSet<String> = rows.store(tx, dedupe_cutoff).await?.into_iter().collect();
    let mut stored = vec![Stored::Duplicate; events.len()];
    for i in first.into_iter().filter(|&i| fresh.contains(&ids[i])) {
        stored[i] = Stored::Accepted {
            event_id: ids[i].clone(),
        };
    }
    Ok(stored)
}

/// The first occurrences of the bodies of one chunk (`picked`), with the ids given to them.
///
/// Three statements store them: the deduplication upsert returns the ids that claimed their
/// key, and the event and job inserts keep only those rows by joining on what the upsert wrote.
/// Nothing waits on the upsert's answer, so SQLite runs all three in one call to its thread.
struct Rows<'a> {
    events: &'a [&'a NewEvent],
    ids: &'a [String],
    picked: &'a [usize],
    sqlite: bool,
    now: i64,
}

type Args<'q> = sqlx::any::AnyArguments<'q>;

fn add<'q, T>(args: &mut Args<'q>, value: T)
where
    T: 'q + sqlx::Encode<'q, Any> + sqlx::Type<Any>,
{
    args.add(value).expect("text and integers always encode");
}

impl<'a> Rows<'a> {
    /// Runs the three statements; returns the ids of the events that were not duplicates
    /// (RETURNING gives no promise about order).
    async fn store(&self, tx: &mut Transaction<'_, Any>, cutoff: i64) -> sqlx::Result<Vec<String>> {
        let jobs: Vec<usize> = (self.picked.iter().copied())
            .filter(|&i| self.events[i].job_kind.is_some())
            .collect();
        let mut statements = vec![self.dedupe_sql(cutoff), self.events_sql()];
        if !jobs.is_empty() {
            statements.push(self.jobs_sql(jobs.len()));
        }
        if self.sqlite {
            // Arguments are taken statement after statement, in order.
            let mut args = Args::default();
            self.dedupe_args(&mut args);
            self.event_args(&mut args);
            self.job_args(&jobs, &mut args);
            let sql = statements.join("; ");
            return sqlx::query_scalar_with(&sql, args)
                .fetch_all(&mut **tx)
                .await;
        }
        let mut args = Args::default();
        self.dedupe_args(&mut args);
        let fresh = sqlx::query_scalar_with(&statements[0], args)
            .fetch_all(&mut **tx)
            .await?;
        let mut args = Args::default();
        self.event_args(&mut args);
        sqlx::query_with(&statements[1], args)
            .execute(&mut **tx)
            .await?;
        if let Some(sql) = statements.get(2) {
            let mut args = Args::default();
            self.job_args(&jobs, &mut args);
            sqlx::query_with(sql, args).execute(&mut **tx).await?;
        }
        Ok(fresh)
    }

    /// `count` rows of `width` placeholders. SQLite gets anonymous `?`: it resolves a numbered
    /// name by walking a list, which is quadratic over the thousands of parameters of a batch.
    fn values(&self, count: usize, width: usize) -> String {
        let mut sql = String::with_capacity(count * (width * 6 + 4));
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
            sql.push(')');
        }
        sql
    }

    /// Inserts the keys, or refreshes those older than the cutoff (a literal, so that every
    /// placeholder is a column of a row).
    fn dedupe_sql(&self, cutoff: i64) -> String {
        format!(
            "INSERT INTO event_dedupe (event_id, connection, source, body_hash, received_at) \
             VALUES {} \
             ON CONFLICT (connection, source, body_hash) DO UPDATE \
             SET event_id = excluded.event_id, received_at = excluded.received_at \
             WHERE event_dedupe.received_at < {cutoff} \
             RETURNING event_id",
            self.values(self.picked.len(), 5),
        )
    }

    fn dedupe_args(&self, args: &mut Args<'a>) {
        for &i in self.picked {
            let event = self.events[i];
            add(args, &self.ids[i]);
            add(args, &event.connection);
            add(args, &event.source);
            add(args, &event.body_hash);
            add(args, self.now);
        }
    }

    /// Keeps the rows whose id is the one the key now names: those that claimed it.
    fn events_sql(&self) -> String {
        format!(
            "INSERT INTO events (id, connection, source, kind, action, entity_key, body, \
             body_hash, status, outcome, reason, received_at, updated_at) \
             SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7, \
             v.column8, v.column9, v.column10, v.column11, v.column12, v.column12 \
             FROM (VALUES {}) AS v JOIN event_dedupe d ON d.connection = v.column2 \
             AND d.source = v.column3 AND d.body_hash = v.column8 AND d.event_id = v.column1",
            self.values(self.picked.len(), 12),
        )
    }

    fn event_args(&self, args: &mut Args<'a>) {
        for &i in self.picked {
            let event = self.events[i];
            let (status, outcome) = match event.job_kind {
                Some(_) => ("pending", None),
                None => ("ignored", Some("ignored")),
            };
            add(args, &self.ids[i]);
            add(args, &event.connection);
            add(args, &event.source);
            add(args, &event.kind);
            add(args, &event.action);
            add(args, &event.entity_key);
            add(args, &event.body);
            add(args, &event.body_hash);
            add(args, status);
            add(args, outcome);
            add(args, &event.ignored_reason);
            add(args, self.now);
        }
    }

    /// One pending job per stored event that has a job kind, numbered in batch order so that
    /// each entity keeps its arrival order.
    fn jobs_sql(&self, count: usize) -> String {
        format!(
            "INSERT INTO jobs (id, connection, event_id, kind, entity_key, run_at, created_at, \
             updated_at, state, attempts) \
             SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, \
             v.column6, v.column6, 'pending', 0 \
             FROM (VALUES {}) AS v JOIN events e ON e.id = v.column3 ORDER BY v.column7",
            self.values(count, 7),
        )
    }

    fn job_args(&self, jobs: &[usize], args: &mut Args<'a>) {
        for (order, &i) in jobs.iter().enumerate() {
            let event = self.events[i];
            add(args, uuid::Uuid::now_v7().to_string());
            add(args, &event.connection);
            add(args, &self.ids[i]);
            add(args, event.job_kind.as_ref());
            add(args, &event.entity_key);
            add(args, self.now);
            add(args, order as i64);
        }
    }
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

pub(crate) const COLUMNS: &str = "id, connection, source, kind, action, entity_key, status, outcome, reason, \
                       last_error, received_at, updated_at";

pub(crate) fn event_row(row: &sqlx::any::AnyRow) -> sqlx::Result<EventRow> {
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

pub mod rehearsal;

#[cfg(test)]
pub(crate) mod tests;
