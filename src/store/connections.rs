//! Stored connections: their non-secret settings as JSON and their secrets, each sealed by the
//! vault, with a fingerprint to show instead.

use sqlx::{AnyPool, Row};

/// A stored connection's row.
#[derive(Clone, Debug)]
pub struct StoredConnection {
    pub name: String,
    /// The connection's settings as a JSON object of configuration-file keys.
    pub settings: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

/// One stored secret: sealed, never in the clear.
#[derive(Clone, Debug)]
pub struct StoredSecret {
    pub connection: String,
    pub setting: String,
    pub sealed: String,
    pub fingerprint: String,
    pub set_at_ms: i64,
}

/// Creates the connection (false when the name is taken).
pub async fn insert(pool: &AnyPool, name: &str, settings: &str, now_ms: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO connections (name, settings, created_at_ms, updated_at_ms) \
         VALUES ($1, $2, $3, $3) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(settings)
    .bind(now_ms)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Replaces the connection's settings (false when there is no such connection).
pub async fn update(pool: &AnyPool, name: &str, settings: &str, now_ms: i64) -> sqlx::Result<bool> {
    let done =
        sqlx::query("UPDATE connections SET settings = $1, updated_at_ms = $2 WHERE name = $3")
            .bind(settings)
            .bind(now_ms)
            .bind(name)
            .execute(pool)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes the connection and its secrets; its events, jobs and links stay (history).
pub async fn remove(pool: &AnyPool, name: &str) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM connection_secrets WHERE connection = $1")
        .bind(name)
        .execute(&mut *tx)
        .await?;
    let done = sqlx::query("DELETE FROM connections WHERE name = $1")
        .bind(name)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

fn connection(row: &sqlx::any::AnyRow) -> sqlx::Result<StoredConnection> {
    Ok(StoredConnection {
        name: row.try_get("name")?,
        settings: row.try_get("settings")?,
        created_at_ms: row.try_get("created_at_ms")?,
        updated_at_ms: row.try_get("updated_at_ms")?,
    })
}

/// Every stored connection, by name.
pub async fn list(pool: &AnyPool) -> sqlx::Result<Vec<StoredConnection>> {
    sqlx::query(
        "SELECT name, settings, created_at_ms, updated_at_ms FROM connections ORDER BY name",
    )
    .fetch_all(pool)
    .await?
    .iter()
    .map(connection)
    .collect()
}

/// One stored connection.
pub async fn get(pool: &AnyPool, name: &str) -> sqlx::Result<Option<StoredConnection>> {
    sqlx::query(
        "SELECT name, settings, created_at_ms, updated_at_ms FROM connections WHERE name = $1",
    )
    .bind(name)
    .fetch_optional(pool)
    .await?
    .as_ref()
    .map(connection)
    .transpose()
}

/// Sets (or replaces) one sealed secret of a connection.
pub async fn put_secret(pool: &AnyPool, secret: &StoredSecret) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO connection_secrets (connection, setting, sealed, fingerprint, set_at_ms) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (connection, setting) DO UPDATE SET \
         sealed = excluded.sealed, fingerprint = excluded.fingerprint, \
         set_at_ms = excluded.set_at_ms",
    )
    .bind(&secret.connection)
    .bind(&secret.setting)
    .bind(&secret.sealed)
    .bind(&secret.fingerprint)
    .bind(secret.set_at_ms)
    .execute(pool)
    .await?;
    Ok(())
}

/// Replaces a secret's ciphertext if it is still `old` (a key rotation; the value is the same).
pub async fn reseal(
    pool: &AnyPool,
    connection: &str,
    setting: &str,
    old: &str,
    new: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE connection_secrets SET sealed = $1 \
         WHERE connection = $2 AND setting = $3 AND sealed = $4",
    )
    .bind(new)
    .bind(connection)
    .bind(setting)
    .bind(old)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The secrets of one connection, or of all of them (`None`).
pub async fn secrets(pool: &AnyPool, connection: Option<&str>) -> sqlx::Result<Vec<StoredSecret>> {
    const SELECT: &str =
        "SELECT connection, setting, sealed, fingerprint, set_at_ms FROM connection_secrets";
    let rows = match connection {
        Some(name) => {
            sqlx::query(&format!("{SELECT} WHERE connection = $1 ORDER BY setting"))
                .bind(name)
                .fetch_all(pool)
                .await?
        }
        None => {
            sqlx::query(&format!("{SELECT} ORDER BY connection, setting"))
                .fetch_all(pool)
                .await?
        }
    };
    rows.iter()
        .map(|row| {
            Ok(StoredSecret {
                connection: row.try_get("connection")?,
                setting: row.try_get("setting")?,
                sealed: row.try_get("sealed")?,
                fingerprint: row.try_get("fingerprint")?,
                set_at_ms: row.try_get("set_at_ms")?,
            })
        })
        .collect()
}

/// Removes one secret of a connection (false when it had none).
pub async fn delete_secret(pool: &AnyPool, connection: &str, setting: &str) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM connection_secrets WHERE connection = $1 AND setting = $2")
        .bind(connection)
        .bind(setting)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}
