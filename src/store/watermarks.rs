//! The pollers' memory: per connection and poller, the watermark (how far changes were read),
//! the last successful pass and the last error; the inventory poller's last-seen figures; and
//! the event lookups pollers use to tell what webhooks already brought.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::{AnyPool, Row};

/// One poller's state as stored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PollState {
    pub poller: String,
    /// Newest change time seen (milliseconds, on the platform's clock); `None` before the first
    /// pass and for pollers that compare figures instead.
    pub watermark: Option<i64>,
    /// When the last pass finished with every event stored (milliseconds, our clock).
    pub last_success_at: Option<i64>,
    pub last_attempt_at: Option<i64>,
    /// The error of the last pass, while it is failing; cleared by the next success.
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
}

const COLUMNS: &str =
    "poller, watermark, last_success_at, last_attempt_at, last_error, last_error_at";

fn state_row(row: &sqlx::any::AnyRow) -> sqlx::Result<PollState> {
    Ok(PollState {
        poller: row.try_get("poller")?,
        watermark: row.try_get("watermark")?,
        last_success_at: row.try_get("last_success_at")?,
        last_attempt_at: row.try_get("last_attempt_at")?,
        last_error: row.try_get("last_error")?,
        last_error_at: row.try_get("last_error_at")?,
    })
}

/// The state of `poller`; a poller that never ran has the default (empty) state.
pub async fn get(pool: &AnyPool, connection: &str, poller: &str) -> sqlx::Result<PollState> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM poll_state WHERE connection = $1 AND poller = $2"
    ))
    .bind(connection)
    .bind(poller)
    .fetch_optional(pool)
    .await?;
    match row {
        Some(row) => state_row(&row),
        None => Ok(PollState {
            poller: poller.to_owned(),
            ..PollState::default()
        }),
    }
}

/// Every poller that has run on `connection`, by name.
pub async fn all(pool: &AnyPool, connection: &str) -> sqlx::Result<Vec<PollState>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM poll_state WHERE connection = $1 ORDER BY poller"
    ))
    .bind(connection)
    .fetch_all(pool)
    .await?;
    rows.iter().map(state_row).collect()
}

/// Takes the lease on running `poller` until `until`; false while another instance holds an
/// unexpired one. Recording the pass's success or failure gives the lease back.
pub async fn claim(
    pool: &AnyPool,
    connection: &str,
    poller: &str,
    now: i64,
    until: i64,
) -> sqlx::Result<bool> {
    let claimed: Option<String> = sqlx::query_scalar(
        "INSERT INTO poll_state (connection, poller, running_until) VALUES ($1, $2, $3) \
         ON CONFLICT (connection, poller) DO UPDATE SET running_until = excluded.running_until \
         WHERE poll_state.running_until IS NULL OR poll_state.running_until <= $4 \
         RETURNING poller",
    )
    .bind(connection)
    .bind(poller)
    .bind(until)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    Ok(claimed.is_some())
}

/// Gives the lease back without recording a pass (a pass stopped by shutdown).
pub async fn release(pool: &AnyPool, connection: &str, poller: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE poll_state SET running_until = NULL WHERE connection = $1 AND poller = $2")
        .bind(connection)
        .bind(poller)
        .execute(pool)
        .await?;
    Ok(())
}

/// Records a successful pass. The watermark only moves forward: `None`, or an older value (a
/// slower replica finishing late), keeps the stored one.
pub async fn record_success(
    pool: &AnyPool,
    connection: &str,
    poller: &str,
    watermark: Option<i64>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO poll_state (connection, poller, watermark, last_success_at, last_attempt_at) \
         VALUES ($1, $2, $3, $4, $4) \
         ON CONFLICT (connection, poller) DO UPDATE SET \
         watermark = CASE \
             WHEN excluded.watermark IS NULL THEN poll_state.watermark \
             WHEN poll_state.watermark IS NULL OR excluded.watermark > poll_state.watermark \
                 THEN excluded.watermark \
             ELSE poll_state.watermark END, \
         last_success_at = excluded.last_success_at, \
         last_attempt_at = excluded.last_attempt_at, \
         last_error = NULL, last_error_at = NULL, running_until = NULL",
    )
    .bind(connection)
    .bind(poller)
    .bind(watermark)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// Records a failed pass; the watermark and the last success stay as they were.
pub async fn record_failure(
    pool: &AnyPool,
    connection: &str,
    poller: &str,
    error: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO poll_state (connection, poller, last_attempt_at, last_error, last_error_at) \
         VALUES ($1, $2, $3, $4, $3) \
         ON CONFLICT (connection, poller) DO UPDATE SET \
         last_attempt_at = excluded.last_attempt_at, last_error = excluded.last_error, \
         last_error_at = excluded.last_error_at, running_until = NULL",
    )
    .bind(connection)
    .bind(poller)
    .bind(now)
    .bind(error)
    .execute(pool)
    .await?;
    Ok(())
}

/// The pollers of one platform, summed up for operators.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlatformPolls {
    /// `leaflink` or `flourish` (the part of the poller name before the dot).
    pub platform: String,
    /// The newest successful pass of any of the platform's pollers.
    pub last_success_at: Option<i64>,
    /// Pollers of this platform whose last pass failed.
    pub failing: Vec<String>,
}

/// The last successful poll of each platform that has pollers, by platform name.
pub async fn last_success_per_platform(
    pool: &AnyPool,
    connection: &str,
) -> sqlx::Result<Vec<PlatformPolls>> {
    let mut platforms: Vec<PlatformPolls> = Vec::new();
    for state in all(pool, connection).await? {
        let platform = state.poller.split('.').next().unwrap_or_default();
        let entry = match platforms.iter().position(|p| p.platform == platform) {
            Some(index) => &mut platforms[index],
            None => {
                platforms.push(PlatformPolls {
                    platform: platform.to_owned(),
                    last_success_at: None,
                    failing: Vec::new(),
                });
                platforms.last_mut().expect("just pushed")
            }
        };
        entry.last_success_at = entry.last_success_at.max(state.last_success_at);
        if state.last_error.is_some() {
            entry.failing.push(state.poller.clone());
        }
    }
    Ok(platforms)
}

/// What `poller` saw last, fingerprint by key.
pub async fn seen(
    pool: &AnyPool,
    connection: &str,
    poller: &str,
) -> sqlx::Result<HashMap<String, String>> {
    let rows =
        sqlx::query("SELECT key, fingerprint FROM poll_seen WHERE connection = $1 AND poller = $2")
            .bind(connection)
            .bind(poller)
            .fetch_all(pool)
            .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("key")?, row.try_get("fingerprint")?)))
        .collect()
}

/// Stores new fingerprints (`None`: the key is gone) in one transaction.
pub async fn save_seen(
    pool: &AnyPool,
    connection: &str,
    poller: &str,
    changes: &[(String, Option<String>)],
    now: i64,
) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    for (key, fingerprint) in changes {
        let query = match fingerprint {
            Some(fingerprint) => sqlx::query(
                "INSERT INTO poll_seen (connection, poller, key, fingerprint, seen_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (connection, poller, key) DO UPDATE \
                 SET fingerprint = excluded.fingerprint, seen_at = excluded.seen_at",
            )
            .bind(connection)
            .bind(poller)
            .bind(key)
            .bind(fingerprint)
            .bind(now),
            None => sqlx::query(
                "DELETE FROM poll_seen WHERE connection = $1 AND poller = $2 AND key = $3",
            )
            .bind(connection)
            .bind(poller)
            .bind(key),
        };
        query.execute(&mut *tx).await?;
    }
    tx.commit().await
}

/// When the newest event for `entity_key` was received, from any source.
pub async fn newest_event_at(
    pool: &AnyPool,
    connection: &str,
    entity_key: &str,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT MAX(received_at) FROM events WHERE connection = $1 AND entity_key = $2",
    )
    .bind(connection)
    .bind(entity_key)
    .fetch_one(pool)
    .await
}

/// Bodies of the events from `source` for `entity_key` received at or after `since`, newest
/// first (at most 100).
pub async fn bodies_since(
    pool: &AnyPool,
    connection: &str,
    source: &str,
    entity_key: &str,
    since: i64,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT body FROM events WHERE connection = $1 AND source = $2 AND entity_key = $3 \
         AND received_at >= $4 ORDER BY id DESC LIMIT 100",
    )
    .bind(connection)
    .bind(source)
    .bind(entity_key)
    .bind(since)
    .fetch_all(pool)
    .await
}
