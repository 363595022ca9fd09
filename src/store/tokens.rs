//! Connection-scoped operator tokens: only the SHA-256 of each token is stored, with the
//! connection it opens and a label.

use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};

/// A stored token (never the token itself).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenRow {
    pub id: String,
    pub connection: String,
    pub label: String,
    pub created_at: i64,
}

fn token_row(row: &sqlx::any::AnyRow) -> sqlx::Result<TokenRow> {
    Ok(TokenRow {
        id: row.try_get("id")?,
        connection: row.try_get("connection")?,
        label: row.try_get("label")?,
        created_at: row.try_get("created_at")?,
    })
}

pub async fn insert(pool: &AnyPool, token: &TokenRow, token_hash: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO operator_tokens (id, connection, label, token_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&token.id)
    .bind(&token.connection)
    .bind(&token.label)
    .bind(token_hash)
    .bind(token.created_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// The token whose SHA-256 (hex) is `token_hash`.
pub async fn by_hash(pool: &AnyPool, token_hash: &str) -> sqlx::Result<Option<TokenRow>> {
    let row = sqlx::query(
        "SELECT id, connection, label, created_at FROM operator_tokens WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(token_row).transpose()
}

/// Every token, or one connection's, in id order.
pub async fn list(pool: &AnyPool, connection: Option<&str>) -> sqlx::Result<Vec<TokenRow>> {
    let rows = sqlx::query(
        "SELECT id, connection, label, created_at FROM operator_tokens \
         WHERE ($1 IS NULL OR connection = $1) ORDER BY id",
    )
    .bind(connection)
    .fetch_all(pool)
    .await?;
    rows.iter().map(token_row).collect()
}

/// Revokes a token; false when there was none with this id.
pub async fn delete(pool: &AnyPool, id: &str) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM operator_tokens WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}
