//! Retention: deleting old finished events with their jobs and attempts, and old resyncs, a
//! small batch per transaction.

use sqlx::{Any, Arguments, Row};

use super::Db;

/// Rows one batch deleted, per table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Deleted {
    pub events: u64,
    pub jobs: u64,
    pub attempts: u64,
    pub resync_events: u64,
    pub resyncs: u64,
}

impl Deleted {
    pub fn add(&mut self, other: Deleted) {
        self.events += other.events;
        self.jobs += other.jobs;
        self.attempts += other.attempts;
        self.resync_events += other.resync_events;
        self.resyncs += other.resyncs;
    }

    /// Per table, for metrics and logs.
    pub fn by_table(&self) -> [(&'static str, u64); 5] {
        [
            ("events", self.events),
            ("jobs", self.jobs),
            ("job_attempts", self.attempts),
            ("resync_events", self.resync_events),
            ("resyncs", self.resyncs),
        ]
    }
}

/// Events received before the cutoff that are settled: no job of theirs is pending, running or
/// dead (dead jobs wait for an operator). The latest finished event of an entity stays while it
/// is an open attention item (`needs_attention`), and while an older `needs_attention` event of
/// the entity remains: deleting it first would reopen that item. Oldest first (ids are
/// time-ordered), so those older events go first and it follows on a later batch.
const OLD_SETTLED: &str = "SELECT e.id FROM events e WHERE e.received_at < $1 \
     AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.event_id = e.id \
       AND j.state IN ('pending', 'running', 'dead')) \
     AND NOT (NOT EXISTS (SELECT 1 FROM events l WHERE l.connection = e.connection \
         AND l.entity_key = e.entity_key AND l.id > e.id AND l.status IN ('done', 'dead')) \
       AND ((e.status = 'done' AND e.outcome = 'needs_attention') \
         OR EXISTS (SELECT 1 FROM events o WHERE o.connection = e.connection \
           AND o.entity_key = e.entity_key AND o.id < e.id AND o.outcome = 'needs_attention'))) \
     ORDER BY e.id";

/// Deletes up to `limit` old settled events with their jobs, attempts and resync membership,
/// then up to `limit` old resyncs left without events, in one short transaction.
pub async fn delete_batch(db: &Db, cutoff: i64, limit: i64) -> sqlx::Result<Deleted> {
    let mut tx = db.writes.begin().await?;
    let ids: Vec<String> = sqlx::query_scalar(&format!("{OLD_SETTLED} LIMIT {limit}"))
        .bind(cutoff)
        .fetch_all(&mut *tx)
        .await?;
    let mut deleted = Deleted::default();
    if !ids.is_empty() {
        let list: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let list = list.join(", ");
        let statements = [
            format!(
                "DELETE FROM job_attempts WHERE job_id IN \
                 (SELECT id FROM jobs WHERE event_id IN ({list}))"
            ),
            format!("DELETE FROM jobs WHERE event_id IN ({list})"),
            format!("DELETE FROM resync_events WHERE event_id IN ({list})"),
            format!("DELETE FROM events WHERE id IN ({list})"),
        ];
        let mut counts = [0_u64; 4];
        for (sql, count) in statements.iter().zip(counts.iter_mut()) {
            let mut args = sqlx::any::AnyArguments::default();
            for id in &ids {
                args.add(id.as_str()).map_err(sqlx::Error::Encode)?;
            }
            *count = sqlx::query_with::<Any, _>(sql, args)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        let [attempts, jobs, resync_events, events] = counts;
        deleted = Deleted {
            events,
            jobs,
            attempts,
            resync_events,
            resyncs: 0,
        };
    }
    let resyncs = sqlx::query(&format!(
        "SELECT id FROM resyncs r WHERE r.created_at < $1 \
         AND NOT EXISTS (SELECT 1 FROM resync_events m WHERE m.resync_id = r.id) LIMIT {limit}"
    ))
    .bind(cutoff)
    .fetch_all(&mut *tx)
    .await?;
    for row in resyncs {
        let id: String = row.try_get("id")?;
        deleted.resyncs += sqlx::query("DELETE FROM resyncs WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    }
    tx.commit().await?;
    Ok(deleted)
}
