//! Operator console sign-ins: sessions and one-time sign-in links, kept by the SHA-256 of their
//! secret so a copy of the database signs nobody in.

use sqlx::{AnyPool, Row};

/// A live sign-in as the console reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRow {
    pub kind: String,
    pub csrf: String,
    pub expires_at: i64,
}

/// Stores a session (`kind = "session"`) or a one-time link (`kind = "link"`).
pub async fn create(
    pool: &AnyPool,
    token_hash: &str,
    kind: &str,
    csrf: &str,
    now: i64,
    expires_at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO console_sessions (token_hash, kind, csrf, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(kind)
    .bind(csrf)
    .bind(now)
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// The unexpired sign-in of `kind` stored under `token_hash`.
pub async fn get(
    pool: &AnyPool,
    token_hash: &str,
    kind: &str,
    now: i64,
) -> sqlx::Result<Option<SessionRow>> {
    let row = sqlx::query(
        "SELECT kind, csrf, expires_at FROM console_sessions \
         WHERE token_hash = $1 AND kind = $2 AND expires_at > $3",
    )
    .bind(token_hash)
    .bind(kind)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(SessionRow {
            kind: r.try_get("kind")?,
            csrf: r.try_get("csrf")?,
            expires_at: r.try_get("expires_at")?,
        })
    })
    .transpose()
}

/// Deletes the sign-in; true when it existed and had not expired (a one-time link is redeemed
/// by the one caller whose delete found it).
pub async fn take(pool: &AnyPool, token_hash: &str, kind: &str, now: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "DELETE FROM console_sessions WHERE token_hash = $1 AND kind = $2 AND expires_at > $3",
    )
    .bind(token_hash)
    .bind(kind)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes every expired sign-in; answers how many.
pub async fn prune(pool: &AnyPool, now: i64) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM console_sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
