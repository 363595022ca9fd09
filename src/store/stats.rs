//! Counts for the operator's dashboard: outcomes over a window, and the pollers' last
//! successful run per platform.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};

use super::Db;

/// Finished events per outcome, updated at or after `since` (ms since the epoch); deliveries of
/// owner notifications are not sync and are left out.
pub async fn outcomes_since(
    pool: &AnyPool,
    connection: &str,
    since: i64,
) -> sqlx::Result<BTreeMap<String, i64>> {
    let rows = sqlx::query(
        "SELECT outcome, COUNT(*) AS n FROM events \
         WHERE connection = $1 AND outcome IS NOT NULL AND updated_at >= $2 \
           AND source <> 'notifier' GROUP BY outcome",
    )
    .bind(connection)
    .bind(since)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("outcome")?, row.try_get("n")?)))
        .collect()
}

/// The pollers of one platform at a glance.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LastPoll {
    /// `leaflink` or `flourish`.
    pub platform: String,
    /// The newest successful pass of any of the platform's pollers (ms since the epoch);
    /// `None` while none has succeeded yet.
    pub last_success_at: Option<i64>,
    /// The platform's pollers whose last pass failed.
    #[serde(default)]
    pub failing: Vec<String>,
}

/// The last successful poll per platform, from the pollers' state.
pub async fn last_polls(db: &Db, connection: &str) -> sqlx::Result<Vec<LastPoll>> {
    let platforms = super::watermarks::last_success_per_platform(&db.pool, connection).await?;
    Ok(platforms
        .into_iter()
        .map(|p| LastPoll {
            platform: p.platform,
            last_success_at: p.last_success_at,
            failing: p.failing,
        })
        .collect())
}

/// One connection's job queue: jobs per state and the age of the oldest pending one.
pub async fn queue(
    pool: &AnyPool,
    connection: &str,
    now: i64,
) -> sqlx::Result<super::jobs::QueueStats> {
    let rows = sqlx::query(
        "SELECT state, COUNT(*) AS n, MIN(created_at) AS oldest FROM jobs \
         WHERE connection = $1 GROUP BY state",
    )
    .bind(connection)
    .fetch_all(pool)
    .await?;
    super::jobs::queue_stats(&rows, now)
}

/// Events received at or after `since` (ms since the epoch), per source.
pub async fn received_since(
    pool: &AnyPool,
    connection: &str,
    since: i64,
) -> sqlx::Result<BTreeMap<String, i64>> {
    let rows = sqlx::query(
        "SELECT source, COUNT(*) AS n FROM events \
         WHERE connection = $1 AND received_at >= $2 GROUP BY source",
    )
    .bind(connection)
    .bind(since)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("source")?, row.try_get("n")?)))
        .collect()
}
