//! Owner notifications: each connection's channels (secrets sealed), the problems noticed
//! (opened, resolved, and whether a digest said each), and when each connection's last digest
//! went out.

use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};

/// One stored channel; `settings` is the kind's JSON without secrets.
#[derive(Clone, Debug)]
pub struct ChannelRow {
    pub id: String,
    pub connection: String,
    pub kind: String,
    pub settings: serde_json::Value,
    pub sealed_secret: Option<String>,
    pub secret_fingerprint: Option<String>,
    pub secret_set_at: Option<i64>,
    pub created_at: i64,
}

const CHANNEL_COLUMNS: &str = "id, connection, kind, settings, sealed_secret, \
     secret_fingerprint, secret_set_at, created_at";

fn channel_row(row: &sqlx::any::AnyRow) -> sqlx::Result<ChannelRow> {
    let settings: String = row.try_get("settings")?;
    Ok(ChannelRow {
        id: row.try_get("id")?,
        connection: row.try_get("connection")?,
        kind: row.try_get("kind")?,
        settings: serde_json::from_str(&settings)
            .map_err(|e| sqlx::Error::Decode(format!("channel settings: {e}").into()))?,
        sealed_secret: row.try_get("sealed_secret")?,
        secret_fingerprint: row.try_get("secret_fingerprint")?,
        secret_set_at: row.try_get("secret_set_at")?,
        created_at: row.try_get("created_at")?,
    })
}

pub async fn insert_channel(pool: &AnyPool, channel: &ChannelRow) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "INSERT INTO notification_channels ({CHANNEL_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(&channel.id)
    .bind(&channel.connection)
    .bind(&channel.kind)
    .bind(channel.settings.to_string())
    .bind(channel.sealed_secret.as_deref())
    .bind(channel.secret_fingerprint.as_deref())
    .bind(channel.secret_set_at)
    .bind(channel.created_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// One connection's channels, oldest first.
pub async fn channels(pool: &AnyPool, connection: &str) -> sqlx::Result<Vec<ChannelRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {CHANNEL_COLUMNS} FROM notification_channels WHERE connection = $1 ORDER BY id"
    ))
    .bind(connection)
    .fetch_all(pool)
    .await?;
    rows.iter().map(channel_row).collect()
}

pub async fn channel(
    pool: &AnyPool,
    connection: &str,
    id: &str,
) -> sqlx::Result<Option<ChannelRow>> {
    let row = sqlx::query(&format!(
        "SELECT {CHANNEL_COLUMNS} FROM notification_channels WHERE connection = $1 AND id = $2"
    ))
    .bind(connection)
    .bind(id)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(channel_row).transpose()
}

pub async fn delete_channel(pool: &AnyPool, connection: &str, id: &str) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM notification_channels WHERE connection = $1 AND id = $2")
        .bind(connection)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Connections with at least one channel.
pub async fn connections_with_channels(pool: &AnyPool) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT DISTINCT connection FROM notification_channels ORDER BY connection")
        .fetch_all(pool)
        .await
}

/// A problem as noticed now: a stable key and what to say about it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Observed {
    pub key: String,
    pub category: String,
    pub detail: serde_json::Value,
}

/// A stored problem.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemRow {
    pub key: String,
    pub category: String,
    pub detail: serde_json::Value,
    pub opened_at: i64,
    pub resolved_at: Option<i64>,
    pub announced_at: Option<i64>,
}

fn item_row(row: &sqlx::any::AnyRow) -> sqlx::Result<ItemRow> {
    let detail: String = row.try_get("detail")?;
    Ok(ItemRow {
        key: row.try_get("item_key")?,
        category: row.try_get("category")?,
        detail: serde_json::from_str(&detail)
            .map_err(|e| sqlx::Error::Decode(format!("notification item: {e}").into()))?,
        opened_at: row.try_get("opened_at")?,
        resolved_at: row.try_get("resolved_at")?,
        announced_at: row.try_get("announced_at")?,
    })
}

const ITEM_COLUMNS: &str =
    "item_key, category, detail, opened_at, resolved_at, announced_at, resolution_announced_at";

/// Records what is wrong now: new problems open, a resolved one seen again opens afresh, and
/// open problems of `categories` not seen any more are resolved.
pub async fn observe(
    pool: &AnyPool,
    connection: &str,
    categories: &[&str],
    seen: &[Observed],
    now: i64,
) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    for item in seen {
        sqlx::query(
            "INSERT INTO notification_items \
               (connection, item_key, category, detail, opened_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (connection, item_key) DO UPDATE SET \
               category = excluded.category, detail = excluded.detail, \
               opened_at = excluded.opened_at, resolved_at = NULL, announced_at = NULL, \
               resolution_announced_at = NULL \
             WHERE notification_items.resolved_at IS NOT NULL",
        )
        .bind(connection)
        .bind(&item.key)
        .bind(&item.category)
        .bind(item.detail.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    let open: Vec<(String, String)> = sqlx::query(
        "SELECT item_key, category FROM notification_items \
         WHERE connection = $1 AND resolved_at IS NULL",
    )
    .bind(connection)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|row| Ok((row.try_get("item_key")?, row.try_get("category")?)))
    .collect::<sqlx::Result<_>>()?;
    for (key, category) in open {
        let gone = categories.contains(&category.as_str()) && !seen.iter().any(|s| s.key == key);
        if gone {
            sqlx::query(
                "UPDATE notification_items SET resolved_at = $3 \
                 WHERE connection = $1 AND item_key = $2",
            )
            .bind(connection)
            .bind(&key)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await
}

/// What the next digest says: problems not said yet (still open), and problems said that are
/// resolved and whose resolution was not said yet.
pub async fn unannounced(
    pool: &AnyPool,
    connection: &str,
) -> sqlx::Result<(Vec<ItemRow>, Vec<ItemRow>)> {
    let rows = sqlx::query(&format!(
        "SELECT {ITEM_COLUMNS} FROM notification_items WHERE connection = $1 AND \
           ((announced_at IS NULL AND resolved_at IS NULL) \
            OR (announced_at IS NOT NULL AND resolved_at IS NOT NULL \
                AND resolution_announced_at IS NULL)) \
         ORDER BY category, item_key"
    ))
    .bind(connection)
    .fetch_all(pool)
    .await?;
    let items = rows
        .iter()
        .map(item_row)
        .collect::<sqlx::Result<Vec<_>>>()?;
    Ok(items.into_iter().partition(|i| i.resolved_at.is_none()))
}

/// Marks `keys` as said: open ones as announced, resolved ones as their resolution announced.
/// Problems resolved before any digest said them are closed without a word.
pub async fn mark_announced(
    pool: &AnyPool,
    connection: &str,
    opened: &[String],
    resolved: &[String],
    now: i64,
) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    for key in opened {
        sqlx::query(
            "UPDATE notification_items SET announced_at = $3 \
             WHERE connection = $1 AND item_key = $2",
        )
        .bind(connection)
        .bind(key)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    for key in resolved {
        sqlx::query(
            "UPDATE notification_items SET resolution_announced_at = $3 \
             WHERE connection = $1 AND item_key = $2",
        )
        .bind(connection)
        .bind(key)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "UPDATE notification_items SET announced_at = $2, resolution_announced_at = $2 \
         WHERE connection = $1 AND announced_at IS NULL AND resolved_at IS NOT NULL",
    )
    .bind(connection)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Takes the digest turn of `connection` when its last digest is at least `period_ms` old
/// (or there was none); false when another pass (or replica) had it within the period.
pub async fn take_digest_turn(
    pool: &AnyPool,
    connection: &str,
    period_ms: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO notification_state (connection, last_digest_at) VALUES ($1, $2) \
         ON CONFLICT (connection) DO NOTHING",
    )
    .bind(connection)
    .bind(now)
    .execute(pool)
    .await?;
    if inserted.rows_affected() > 0 {
        return Ok(true);
    }
    let updated = sqlx::query(
        "UPDATE notification_state SET last_digest_at = $2 \
         WHERE connection = $1 AND last_digest_at <= $3",
    )
    .bind(connection)
    .bind(now)
    .bind(now - period_ms)
    .execute(pool)
    .await?;
    Ok(updated.rows_affected() > 0)
}

/// Gives the turn back (nothing was sent), so the next pass may send at once.
pub async fn return_digest_turn(pool: &AnyPool, connection: &str, before: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE notification_state SET last_digest_at = $2 WHERE connection = $1")
        .bind(connection)
        .bind(before)
        .execute(pool)
        .await?;
    Ok(())
}

/// The time of the last digest turn, if any.
pub async fn last_digest_at(pool: &AnyPool, connection: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT last_digest_at FROM notification_state WHERE connection = $1")
        .bind(connection)
        .fetch_optional(pool)
        .await
}

/// Dead jobs of a connection (notification deliveries excluded), newest first, at most `limit`.
pub async fn dead_jobs(
    pool: &AnyPool,
    connection: &str,
    limit: i64,
) -> sqlx::Result<Vec<(String, String, String, Option<String>)>> {
    let rows = sqlx::query(&format!(
        "SELECT id, kind, entity_key, last_error FROM jobs \
         WHERE connection = $1 AND state = 'dead' AND kind NOT LIKE 'notify.%' \
         ORDER BY seq DESC LIMIT {limit}"
    ))
    .bind(connection)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("id")?,
                row.try_get("kind")?,
                row.try_get("entity_key")?,
                row.try_get("last_error")?,
            ))
        })
        .collect()
}

/// Pollers of a connection whose last pass failed, with the error and since when they have
/// had no success: (poller, error, last success, last error at).
pub async fn failing_pollers(
    pool: &AnyPool,
    connection: &str,
) -> sqlx::Result<Vec<(String, Option<String>, Option<i64>, Option<i64>)>> {
    let rows = sqlx::query(
        "SELECT poller, last_error, last_success_at, last_error_at FROM poll_state \
         WHERE connection = $1 AND last_error IS NOT NULL \
           AND (last_success_at IS NULL OR last_error_at > last_success_at) ORDER BY poller",
    )
    .bind(connection)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("poller")?,
                row.try_get("last_error")?,
                row.try_get("last_success_at")?,
                row.try_get("last_error_at")?,
            ))
        })
        .collect()
}

/// Every channel's sealed secret, as `(id, sealed)`, for a key rotation.
pub async fn sealed_channel_secrets(pool: &AnyPool) -> sqlx::Result<Vec<(String, String)>> {
    let rows = sqlx::query(
        "SELECT id, sealed_secret FROM notification_channels WHERE sealed_secret IS NOT NULL",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("id")?, row.try_get("sealed_secret")?)))
        .collect()
}

/// Replaces a channel's sealed secret if it is still `old`; whether it did.
pub async fn reseal_channel_secret(
    pool: &AnyPool,
    id: &str,
    old: &str,
    new: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE notification_channels SET sealed_secret = $1 WHERE id = $2 AND sealed_secret = $3",
    )
    .bind(new)
    .bind(id)
    .bind(old)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}
