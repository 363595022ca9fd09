//! `GET /api/v1/stats`: outcomes over the last hour and day, the queue, and the pollers' last
//! successful run per platform, and the requests this process sent to each platform.

use std::collections::BTreeMap;

use axum::Json;
use axum::routing::get;
use serde::{Deserialize, Serialize};

use crate::http::access::Scoped;
use crate::http::routes::Routes;
use crate::http::{ApiError, AppState};
use crate::remote::PlatformCalls;
use crate::store::now_ms;
use crate::store::stats::{self, LastPoll};

const HOUR_MS: i64 = 3_600_000;

pub fn routes() -> Routes<AppState> {
    Routes::new().add("GET", "/stats", get(get_stats))
}

/// The job queue.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct QueueView {
    pub pending: i64,
    pub running: i64,
    pub dead: i64,
    /// Milliseconds since the oldest pending job was created (0 when none).
    pub oldest_pending_age_ms: i64,
}

/// What an operator looks at first.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Stats {
    /// Events finished in the last hour, per outcome.
    pub last_hour: BTreeMap<String, i64>,
    /// Events finished in the last 24 hours, per outcome.
    pub last_day: BTreeMap<String, i64>,
    pub queue: QueueView,
    /// The last successful poll per platform (empty while no poller has run).
    pub last_polls: Vec<LastPoll>,
    /// Requests sent to each platform and rate-limiter waits (empty without the platforms).
    pub platform_calls: Vec<PlatformCalls>,
}

async fn get_stats(Scoped(state, _): Scoped) -> Result<Json<Stats>, ApiError> {
    gather(&state).await.map(Json)
}

/// The figures `GET /api/v1/stats` answers, for the connection `state` works on.
pub async fn gather(state: &AppState) -> Result<Stats, ApiError> {
    let (pool, connection, now) = (&state.db.pool, &state.connection, now_ms());
    let queue = stats::queue(pool, connection, now).await?;
    Ok(Stats {
        last_hour: stats::outcomes_since(pool, connection, now - HOUR_MS).await?,
        last_day: stats::outcomes_since(pool, connection, now - 24 * HOUR_MS).await?,
        queue: QueueView {
            pending: queue.pending,
            running: queue.running,
            dead: queue.dead,
            oldest_pending_age_ms: queue.oldest_pending_age_ms,
        },
        last_polls: stats::last_polls(&state.db, connection).await?,
        platform_calls: state
            .sync
            .iter()
            .flat_map(|sync| [sync.leaflink.usage(), sync.flourish.usage()])
            .map(|usage| usage.summary(now))
            .collect(),
    })
}
