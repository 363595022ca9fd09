//! Counts for the operator's dashboard: outcomes over a window, and the pollers' last
//! successful run per platform.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};

use super::{Backend, Db};

/// Finished events per outcome, updated at or after `since` (ms since the epoch).
pub async fn outcomes_since(
    pool: &AnyPool,
    connection: &str,
    since: i64,
) -> sqlx::Result<BTreeMap<String, i64>> {
    let rows = sqlx::query(
        "SELECT outcome, COUNT(*) AS n FROM events \
         WHERE connection = $1 AND outcome IS NOT NULL AND updated_at >= $2 GROUP BY outcome",
    )
    .bind(connection)
    .bind(since)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("outcome")?, row.try_get("n")?)))
        .collect()
}

/// The last successful poll of one platform.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LastPoll {
    /// `leaflink` or `flourish` (with the polled resource when the poller tracks several).
    pub platform: String,
    /// Ms since the epoch.
    pub last_success_at: i64,
}

/// The last successful poll per platform, from the pollers' `poll_state` table; empty when
/// that table does not exist (no poller has ever been set up on this database).
pub async fn last_polls(db: &Db, connection: &str) -> sqlx::Result<Vec<LastPoll>> {
    let exists_sql = match db.backend {
        Backend::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'poll_state'"
        }
        Backend::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'poll_state' \
             AND table_schema = current_schema()"
        }
    };
    let exists: i64 = sqlx::query_scalar(exists_sql).fetch_one(&db.pool).await?;
    if exists == 0 {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(
        "SELECT platform, MAX(last_success_at) AS last_success_at FROM poll_state \
         WHERE connection = $1 AND last_success_at IS NOT NULL GROUP BY platform ORDER BY platform",
    )
    .bind(connection)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(LastPoll {
                platform: row.try_get("platform")?,
                last_success_at: row.try_get("last_success_at")?,
            })
        })
        .collect()
}
