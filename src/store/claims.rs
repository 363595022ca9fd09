//! Claims on shared creations: a row per `(connection, key)` held by one owner until it expires,
//! taken and given back in short statements, never held in a transaction across a call.

use std::time::Duration;

use sqlx::AnyPool;

use super::now_ms;

/// How long a claim lasts if its holder dies before giving it back: longer than any create call.
pub const CLAIM_LEASE: Duration = Duration::from_secs(60);
/// How long a job waits for another to finish creating before it gives up (and retries later).
pub const CLAIM_WAIT: Duration = Duration::from_secs(30);
/// Pause between attempts to take a held claim.
const POLL: Duration = Duration::from_millis(20);

/// A claim held on one key; give it back with [`Claim::release`] (else it expires).
#[derive(Debug)]
pub struct Claim {
    connection: String,
    key: String,
    owner: String,
}

impl Claim {
    /// Waits up to [`CLAIM_WAIT`] for `key`; `None` when another holder kept it all that time.
    pub async fn take(pool: &AnyPool, connection: &str, key: &str) -> sqlx::Result<Option<Self>> {
        let owner = uuid::Uuid::new_v4().to_string();
        let deadline = tokio::time::Instant::now() + CLAIM_WAIT;
        loop {
            let now = now_ms();
            let until = now + CLAIM_LEASE.as_millis() as i64;
            if try_take(pool, connection, key, &owner, now, until).await? {
                return Ok(Some(Self {
                    connection: connection.to_owned(),
                    key: key.to_owned(),
                    owner,
                }));
            }
            if tokio::time::Instant::now() >= deadline {
                return Ok(None);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Gives the key back.
    pub async fn release(self, pool: &AnyPool) -> sqlx::Result<()> {
        release(pool, &self.connection, &self.key, &self.owner).await
    }
}

/// Takes `key` for `owner` until `until_ms` when it is free or its holder's claim expired at
/// `now_ms`; true when taken.
pub async fn try_take(
    pool: &AnyPool,
    connection: &str,
    key: &str,
    owner: &str,
    now_ms: i64,
    until_ms: i64,
) -> sqlx::Result<bool> {
    let taken: Option<String> = sqlx::query_scalar(
        "INSERT INTO claims (connection, claim_key, owner, until_ms) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (connection, claim_key) DO UPDATE \
         SET owner = excluded.owner, until_ms = excluded.until_ms \
         WHERE claims.until_ms <= $5 \
         RETURNING owner",
    )
    .bind(connection)
    .bind(key)
    .bind(owner)
    .bind(until_ms)
    .bind(now_ms)
    .fetch_optional(pool)
    .await?;
    Ok(taken.is_some_and(|taken| taken == owner))
}

/// Gives `key` back if `owner` still holds it.
pub async fn release(pool: &AnyPool, connection: &str, key: &str, owner: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM claims WHERE connection = $1 AND claim_key = $2 AND owner = $3")
        .bind(connection)
        .bind(key)
        .bind(owner)
        .execute(pool)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::events::tests::sqlite_db;

    #[tokio::test]
    async fn one_owner_holds_a_key_until_release_or_expiry() {
        let (db, _dir) = sqlite_db().await;
        let pool = &db.pool;
        assert!(try_take(pool, "c", "strain:og", "a", 0, 100).await.unwrap());
        assert!(
            !try_take(pool, "c", "strain:og", "b", 50, 150)
                .await
                .unwrap()
        );
        assert!(
            try_take(pool, "c", "strain:other", "b", 50, 150)
                .await
                .unwrap()
        );
        assert!(
            try_take(pool, "d", "strain:og", "b", 50, 150)
                .await
                .unwrap()
        );
        release(pool, "c", "strain:og", "b").await.unwrap();
        assert!(
            !try_take(pool, "c", "strain:og", "b", 60, 160)
                .await
                .unwrap()
        );
        release(pool, "c", "strain:og", "a").await.unwrap();
        assert!(
            try_take(pool, "c", "strain:og", "b", 60, 160)
                .await
                .unwrap()
        );
        // An expired claim goes to the next taker.
        assert!(
            try_take(pool, "c", "strain:og", "a", 160, 260)
                .await
                .unwrap()
        );
    }
}
