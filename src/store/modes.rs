//! The mode (shadow or live) stored per connection by an operator or a cutover; it wins over
//! the configured one, so a switch survives restarts.

use sqlx::AnyPool;

/// The stored mode of `connection` (`shadow` or `live`), if one was ever set.
pub async fn get(pool: &AnyPool, connection: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT mode FROM connection_modes WHERE connection = $1")
        .bind(connection)
        .fetch_optional(pool)
        .await
}

/// Stores `mode` for `connection`.
pub async fn set(pool: &AnyPool, connection: &str, mode: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO connection_modes (connection, mode, changed_at) VALUES ($1, $2, $3) \
         ON CONFLICT (connection) DO UPDATE SET mode = excluded.mode, \
         changed_at = excluded.changed_at",
    )
    .bind(connection)
    .bind(mode)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}
