//! Queries only the operator console makes, each bounded and served by an index: the overview's
//! figures in a few grouped queries, the attention queue filtered in the database, LeafLink order
//! short ids, the events of a set of entity keys, and the last preflight report per connection.

use std::collections::BTreeMap;

use sqlx::{AnyPool, Row};

use super::attention::{self, AttentionRow};
use super::events::{self, EventRow};
use super::jobs::{QueueStats, queue_stats};
use super::links::{self, Link};

/// Finished events per outcome over the last hour and the last day.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutcomeWindows {
    pub last_hour: BTreeMap<String, i64>,
    pub last_day: BTreeMap<String, i64>,
}

/// Outcomes of events updated since `hour_from` and since `day_from`, in one grouped query
/// (deliveries of owner notifications are not sync and are left out).
pub async fn outcome_windows(
    pool: &AnyPool,
    connection: &str,
    hour_from: i64,
    day_from: i64,
) -> sqlx::Result<OutcomeWindows> {
    let rows = sqlx::query(
        "SELECT outcome, SUM(CASE WHEN updated_at >= $3 THEN 1 ELSE 0 END) AS hour, \
         COUNT(*) AS day FROM events \
         WHERE connection = $1 AND updated_at >= $2 AND outcome IS NOT NULL \
           AND source <> 'notifier' GROUP BY outcome",
    )
    .bind(connection)
    .bind(day_from)
    .bind(hour_from)
    .fetch_all(pool)
    .await?;
    let mut windows = OutcomeWindows::default();
    for row in &rows {
        let outcome: String = row.try_get("outcome")?;
        let hour: i64 = row.try_get("hour")?;
        if hour > 0 {
            windows.last_hour.insert(outcome.clone(), hour);
        }
        windows.last_day.insert(outcome, row.try_get("day")?);
    }
    Ok(windows)
}

/// The unfinished part of one connection's queue (pending, running, dead) without counting
/// the finished jobs, which grow without bound.
pub async fn open_queue(pool: &AnyPool, connection: &str, now: i64) -> sqlx::Result<QueueStats> {
    let rows = sqlx::query(
        "SELECT state, COUNT(*) AS n, MIN(created_at) AS oldest FROM jobs \
         WHERE connection = $1 AND state IN ('pending', 'running', 'dead') GROUP BY state",
    )
    .bind(connection)
    .fetch_all(pool)
    .await?;
    queue_stats(&rows, now)
}

/// How many entities need attention.
pub async fn attention_count(pool: &AnyPool, connection: &str) -> sqlx::Result<i64> {
    let sql = format!(
        "SELECT COUNT(*) AS n FROM events e WHERE {}",
        attention::CURRENT
    );
    sqlx::query(&sql)
        .bind(connection)
        .fetch_one(pool)
        .await?
        .try_get("n")
}

/// What the attention page narrows by; every field is optional.
#[derive(Clone, Debug, Default)]
pub struct AttentionQuery {
    /// The reason contains this (any case).
    pub reason_contains: Option<String>,
    /// The reason is exactly this (`None` inside: no reason recorded).
    pub reason_is: Option<Option<String>>,
    /// The fix is to be made in this system (`LeafLink` or `Flourish`).
    pub system: Option<String>,
    pub source: Option<String>,
    pub kind: Option<String>,
    /// The entity key or the reason contains this (any case).
    pub text: Option<String>,
    /// Only entries older than this event id (the previous page's last).
    pub before_id: Option<String>,
}

/// `%text%` for `LIKE … ESCAPE '\'`, lower-cased: the text matches literally.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Entities needing attention that match `query`, newest first, at most `limit`.
pub async fn attention_page(
    pool: &AnyPool,
    connection: &str,
    query: &AttentionQuery,
    limit: i64,
) -> sqlx::Result<Vec<AttentionRow>> {
    let mut sql = format!("{} WHERE {}", attention::SELECT, attention::CURRENT);
    let mut binds: Vec<String> = vec![connection.to_owned()];
    fn push(binds: &mut Vec<String>, value: String) -> String {
        binds.push(value);
        format!("${}", binds.len())
    }
    if let Some(text) = &query.reason_contains {
        let p = push(&mut binds, contains_pattern(text));
        sql.push_str(&format!(
            " AND LOWER(COALESCE(e.reason, '')) LIKE {p} ESCAPE '\\'"
        ));
    }
    match &query.reason_is {
        Some(Some(reason)) => {
            let p = push(&mut binds, reason.clone());
            sql.push_str(&format!(" AND e.reason = {p}"));
        }
        Some(None) => sql.push_str(" AND e.reason IS NULL"),
        None => {}
    }
    if let Some(system) = &query.system {
        let quoted = serde_json::to_string(system).unwrap_or_default();
        let p = push(
            &mut binds,
            contains_pattern(&format!("\"system\":{quoted}")),
        );
        sql.push_str(&format!(" AND LOWER(e.detail) LIKE {p} ESCAPE '\\'"));
    }
    for (column, value) in [("e.source", &query.source), ("e.kind", &query.kind)] {
        if let Some(value) = value {
            let p = push(&mut binds, value.clone());
            sql.push_str(&format!(" AND {column} = {p}"));
        }
    }
    if let Some(text) = &query.text {
        let p = push(&mut binds, contains_pattern(text));
        sql.push_str(&format!(
            " AND (LOWER(e.entity_key) LIKE {p} ESCAPE '\\' \
             OR LOWER(COALESCE(e.reason, '')) LIKE {p} ESCAPE '\\')"
        ));
    }
    if let Some(before) = &query.before_id {
        let p = push(&mut binds, before.clone());
        sql.push_str(&format!(" AND e.id < {p}"));
    }
    sql.push_str(&format!(" ORDER BY e.id DESC LIMIT {}", limit.max(0)));
    let mut q = sqlx::query(&sql);
    for value in &binds {
        q = q.bind(value);
    }
    q.fetch_all(pool)
        .await?
        .iter()
        .map(attention::row)
        .collect()
}

/// The LeafLink order numbers whose short id is `short_id` (as typed, or upper-cased).
pub async fn numbers_by_short_id(
    pool: &AnyPool,
    connection: &str,
    short_id: &str,
    limit: i64,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(&format!(
        "SELECT DISTINCT number FROM order_short_ids \
         WHERE connection = $1 AND (short_id = $2 OR short_id = $3) ORDER BY number LIMIT {}",
        limit.max(0)
    ))
    .bind(connection)
    .bind(short_id)
    .bind(short_id.to_uppercase())
    .fetch_all(pool)
    .await
}

/// Links of any kind whose key or other side's id is `text`, newest first: each side looked
/// up by its own index (an `OR` would scan the connection's links).
pub async fn links_matching(
    pool: &AnyPool,
    connection: &str,
    text: &str,
    limit: i64,
) -> sqlx::Result<Vec<Link>> {
    let sql = format!(
        "SELECT {} FROM links WHERE id IN (\
           SELECT id FROM links WHERE connection = $1 AND key = $2 \
           UNION SELECT id FROM links WHERE connection = $1 AND remote_id = $2) \
         ORDER BY updated_at DESC LIMIT {}",
        links::COLUMNS,
        limit.max(0)
    );
    let rows = sqlx::query(&sql)
        .bind(connection)
        .bind(text)
        .fetch_all(pool)
        .await?;
    rows.iter().map(links::link_row).collect()
}

/// The newest events (at most `limit`) whose entity key is one of `keys`. The ids are found
/// by the entity index first: asked directly, SQLite walks the connection's whole log in id
/// order looking for them.
pub async fn events_of_keys(
    pool: &AnyPool,
    connection: &str,
    keys: &[String],
    limit: i64,
) -> sqlx::Result<Vec<EventRow>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (0..keys.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT {} FROM events WHERE id IN (SELECT id FROM events \
           WHERE connection = $1 AND entity_key IN ({})) ORDER BY id DESC LIMIT {}",
        events::COLUMNS,
        marks.join(", "),
        limit.max(0)
    );
    let mut q = sqlx::query(&sql).bind(connection);
    for key in keys {
        q = q.bind(key);
    }
    q.fetch_all(pool)
        .await?
        .iter()
        .map(events::event_row)
        .collect()
}

/// A preflight report as last run for a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredReport {
    pub html: String,
    pub ran_at: i64,
}

/// Keeps `html` as the connection's latest preflight report.
pub async fn save_preflight(
    pool: &AnyPool,
    connection: &str,
    html: &str,
    ran_at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO preflight_reports (connection, html, ran_at) VALUES ($1, $2, $3) \
         ON CONFLICT (connection) DO UPDATE SET html = excluded.html, ran_at = excluded.ran_at",
    )
    .bind(connection)
    .bind(html)
    .bind(ran_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// The connection's latest preflight report, if one was run.
pub async fn last_preflight(
    pool: &AnyPool,
    connection: &str,
) -> sqlx::Result<Option<StoredReport>> {
    let row = sqlx::query("SELECT html, ran_at FROM preflight_reports WHERE connection = $1")
        .bind(connection)
        .fetch_optional(pool)
        .await?;
    row.map(|r| {
        Ok(StoredReport {
            html: r.try_get("html")?,
            ran_at: r.try_get("ran_at")?,
        })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::events::insert_batch;
    use crate::store::events::tests::{fresh_db, order};

    const HOUR: i64 = 3_600_000;

    /// Stores `events` received (and updated) at `at`.
    async fn store(db: &crate::store::Db, events: &[events::NewEvent], at: i64) {
        let refs: Vec<&events::NewEvent> = events.iter().collect();
        let mut tx = db.pool.begin().await.unwrap();
        insert_batch(&mut tx, db.backend, &refs, at, 0)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }

    #[tokio::test]
    async fn overview_figures_and_short_ids_come_from_indexed_queries() {
        let (db, _dir) = fresh_db().await;
        let now = 100 * HOUR;
        store(
            &db,
            &[order("N-1", r#"{"number":"N-1","short_id":"AB12CD34"}"#)],
            now - 2 * HOUR,
        )
        .await;
        store(&db, &[order("N-3", "not json")], now - 30 * HOUR).await;
        store(
            &db,
            &[order(
                "N-2",
                r#"{"data":{"number":"N-2","short_id":"EF56"}}"#,
            )],
            now - 60_000,
        )
        .await;
        sqlx::query("UPDATE events SET status = 'done', outcome = 'synced'")
            .execute(&db.pool)
            .await
            .unwrap();
        let windows = outcome_windows(&db.pool, "default", now - HOUR, now - 24 * HOUR)
            .await
            .unwrap();
        assert_eq!(windows.last_hour, BTreeMap::from([("synced".into(), 1)]));
        assert_eq!(windows.last_day, BTreeMap::from([("synced".into(), 2)]));
        let queue = open_queue(&db.pool, "default", now).await.unwrap();
        assert_eq!(queue.pending, 3);
        assert_eq!(queue.done, 0, "finished jobs are not counted");
        assert_eq!(
            numbers_by_short_id(&db.pool, "default", "ab12cd34", 10)
                .await
                .unwrap(),
            ["N-1"]
        );
        assert_eq!(
            numbers_by_short_id(&db.pool, "default", "EF56", 10)
                .await
                .unwrap(),
            ["N-2"]
        );
        assert!(
            numbers_by_short_id(&db.pool, "other", "EF56", 10)
                .await
                .unwrap()
                .is_empty()
        );
        let keys = vec![
            "leaflink.order:N-2".to_owned(),
            "leaflink.order:N-3".to_owned(),
        ];
        let found = events_of_keys(&db.pool, "default", &keys, 1).await.unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].entity_key, "leaflink.order:N-2", "newest first");
    }

    #[test]
    fn like_patterns_match_wildcards_literally() {
        assert_eq!(contains_pattern("50%_a\\B"), "%50\\%\\_a\\\\b%");
    }
}
