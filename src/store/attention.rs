//! Events that need a person: for each entity, its latest finished event when that event's
//! outcome is `needs_attention`. A later event that finishes otherwise (the fix worked) clears it.

use sqlx::{AnyPool, Row};

/// One entity waiting for a fix, as stored (the handler reads the fix out of `detail`).
#[derive(Clone, Debug)]
pub struct AttentionRow {
    /// The id of the latest `needs_attention` event of the entity.
    pub event_id: String,
    pub source: String,
    pub kind: String,
    pub entity_key: String,
    pub reason: Option<String>,
    pub detail: Option<String>,
    /// `needs_attention` events of this entity with the same reason.
    pub occurrences: i64,
    /// When the first of them was received (ms since the epoch).
    pub first_seen: i64,
    pub last_seen: i64,
}

/// The condition for "this event is its entity's latest finished one and needs attention".
pub(crate) const CURRENT: &str = "e.connection = $1 AND e.status = 'done' AND e.outcome = 'needs_attention' \
     AND NOT EXISTS (SELECT 1 FROM events l WHERE l.connection = e.connection \
       AND l.entity_key = e.entity_key AND l.id > e.id AND l.status IN ('done', 'dead'))";

/// The row with its occurrence count and first sighting of the same problem.
pub(crate) const SELECT: &str = "SELECT e.id, e.source, e.kind, e.entity_key, e.reason, e.detail, \
       (SELECT COUNT(*) FROM events o WHERE o.connection = e.connection \
          AND o.entity_key = e.entity_key AND o.outcome = 'needs_attention' \
          AND (o.reason = e.reason OR (o.reason IS NULL AND e.reason IS NULL))) AS occurrences, \
       (SELECT MIN(o.received_at) FROM events o WHERE o.connection = e.connection \
          AND o.entity_key = e.entity_key AND o.outcome = 'needs_attention') AS first_seen, \
       e.received_at AS last_seen \
     FROM events e";

/// Entities needing attention, newest first, before `before_id` (keyset pagination).
pub async fn list(
    pool: &AnyPool,
    connection: &str,
    before_id: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<AttentionRow>> {
    let mut sql = format!("{SELECT} WHERE {CURRENT}");
    if before_id.is_some() {
        sql.push_str(" AND e.id < $2");
    }
    sql.push_str(&format!(" ORDER BY e.id DESC LIMIT {limit}"));
    let mut query = sqlx::query(&sql).bind(connection);
    if let Some(before) = before_id {
        query = query.bind(before);
    }
    query.fetch_all(pool).await?.iter().map(row).collect()
}

/// The entity needing attention whose latest event is `event_id`, if it still does.
pub async fn get(
    pool: &AnyPool,
    connection: &str,
    event_id: &str,
) -> sqlx::Result<Option<AttentionRow>> {
    let sql = format!("{SELECT} WHERE {CURRENT} AND e.id = $2");
    let found = sqlx::query(&sql)
        .bind(connection)
        .bind(event_id)
        .fetch_optional(pool)
        .await?;
    found.as_ref().map(row).transpose()
}

pub(crate) fn row(row: &sqlx::any::AnyRow) -> sqlx::Result<AttentionRow> {
    Ok(AttentionRow {
        event_id: row.try_get("id")?,
        source: row.try_get("source")?,
        kind: row.try_get("kind")?,
        entity_key: row.try_get("entity_key")?,
        reason: row.try_get("reason")?,
        detail: row.try_get("detail")?,
        occurrences: row.try_get("occurrences")?,
        first_seen: row.try_get("first_seen")?,
        last_seen: row.try_get("last_seen")?,
    })
}

/// How many entities need attention for each reason, most first.
pub async fn reasons(pool: &AnyPool, connection: &str) -> sqlx::Result<Vec<(Option<String>, i64)>> {
    let sql = format!(
        "SELECT e.reason, COUNT(*) AS n FROM events e WHERE {CURRENT} \
         GROUP BY e.reason ORDER BY n DESC, e.reason"
    );
    let rows = sqlx::query(&sql).bind(connection).fetch_all(pool).await?;
    rows.iter()
        .map(|row| Ok((row.try_get("reason")?, row.try_get("n")?)))
        .collect()
}
