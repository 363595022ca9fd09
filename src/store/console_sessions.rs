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

/// Who a console session acts for: the admin (`connection` is `None`) or one connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopedSession {
    pub csrf: String,
    /// The connection a connection token's session is limited to; `None` for the admin.
    pub connection: Option<String>,
}

/// Stores a session made with a connection token (`token_id` and its `connection`), or with
/// the admin token (`scope` is `None`).
pub async fn create_scoped(
    pool: &AnyPool,
    token_hash: &str,
    csrf: &str,
    now: i64,
    expires_at: i64,
    scope: Option<(&str, &str)>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO console_sessions \
           (token_hash, kind, csrf, created_at, expires_at, connection, token_id) \
         VALUES ($1, 'session', $2, $3, $4, $5, $6)",
    )
    .bind(token_hash)
    .bind(csrf)
    .bind(now)
    .bind(expires_at)
    .bind(scope.map(|(connection, _)| connection))
    .bind(scope.map(|(_, token_id)| token_id))
    .execute(pool)
    .await?;
    Ok(())
}

/// The unexpired session stored under `token_hash` with its scope; a session made with a
/// connection token that has since been revoked is no session.
pub async fn get_scoped(
    pool: &AnyPool,
    token_hash: &str,
    now: i64,
) -> sqlx::Result<Option<ScopedSession>> {
    let row = sqlx::query(
        "SELECT s.csrf, s.connection FROM console_sessions s \
         WHERE s.token_hash = $1 AND s.kind = 'session' AND s.expires_at > $2 \
           AND (s.token_id IS NULL OR EXISTS (SELECT 1 FROM operator_tokens t \
                WHERE t.id = s.token_id AND t.connection = s.connection))",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    row.map(|r| {
        Ok(ScopedSession {
            csrf: r.try_get("csrf")?,
            connection: r.try_get("connection")?,
        })
    })
    .transpose()
}
