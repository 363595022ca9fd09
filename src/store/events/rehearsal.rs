//! The events of a rehearsal (shadow mode) in one read: every event finished as `shadowed`, and
//! every `needs_attention` one, received in a window, oldest first, with its stored detail.

use sqlx::{AnyPool, Row};

/// One rehearsed event as stored; `detail` is the JSON the shadow gate recorded.
#[derive(Clone, Debug)]
pub struct RehearsedRow {
    pub id: String,
    pub kind: String,
    pub entity_key: String,
    pub outcome: String,
    pub reason: Option<String>,
    pub detail: Option<String>,
    pub received_at: i64,
}

/// Events of `connection` received in `[from, until)` that ended `shadowed` or
/// `needs_attention`, oldest first. (A `needs_attention` event belongs to the rehearsal when its
/// detail says so; the caller checks.)
pub async fn in_window(
    pool: &AnyPool,
    connection: &str,
    from: i64,
    until: i64,
) -> sqlx::Result<Vec<RehearsedRow>> {
    let rows = sqlx::query(
        "SELECT id, kind, entity_key, outcome, reason, detail, received_at FROM events \
         WHERE connection = $1 AND received_at >= $2 AND received_at < $3 \
           AND outcome IN ('shadowed', 'needs_attention') \
         ORDER BY id",
    )
    .bind(connection)
    .bind(from)
    .bind(until)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(RehearsedRow {
                id: row.try_get("id")?,
                kind: row.try_get("kind")?,
                entity_key: row.try_get("entity_key")?,
                outcome: row.try_get("outcome")?,
                reason: row.try_get("reason")?,
                detail: row.try_get("detail")?,
                received_at: row.try_get("received_at")?,
            })
        })
        .collect()
}
