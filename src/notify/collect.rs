//! What is wrong with a connection right now, each problem with a stable key: entities needing
//! attention (with the fix), dead jobs, pollers failing for a while, a platform refusing the
//! API key, and an API budget nearly spent.

use std::sync::Arc;

use serde_json::json;

use crate::operator::attention::AttentionItem;
use crate::remote::Usage;
use crate::store::notify::{self, Observed};
use crate::store::{Db, attention};

pub const ATTENTION: &str = "attention";
pub const DEAD_JOB: &str = "dead_job";
pub const POLLER: &str = "poller";
pub const CREDENTIALS: &str = "credentials";
pub const BUDGET: &str = "budget";

/// Most problems of one category looked at per pass.
const MOST: i64 = 500;
/// A poller counts as failing repeatedly when it has had no success for this long.
pub const POLLER_FAILING_MS: i64 = 10 * 60_000;
/// The window over which the API budget is measured, and the share that is "nearly spent".
const BUDGET_MINUTES: i64 = 5;
const BUDGET_SHARE: f64 = 0.9;

/// A platform client this process runs for its own connection, and its limit.
#[derive(Clone)]
pub struct Watched {
    pub usage: Arc<Usage>,
    pub requests_per_minute: u32,
}

/// The problems of `connection`, and the categories looked at (an open problem of such a
/// category that is not among them is resolved).
pub async fn problems(
    db: &Db,
    connection: &str,
    watched: &[Watched],
    now: i64,
) -> sqlx::Result<(Vec<&'static str>, Vec<Observed>)> {
    let mut seen = Vec::new();
    for row in attention::list(&db.pool, connection, None, MOST).await? {
        let item = AttentionItem::from(row);
        seen.push(Observed {
            key: format!("attention:{}", item.entity_key),
            category: ATTENTION.into(),
            detail: json!({
                "event_id": item.id,
                "source": item.source,
                "kind": item.kind,
                "entity_key": item.entity_key,
                "reason": item.reason,
                "fix": item.fix.as_ref().map(|f| f.action.clone()),
                "system": item.fix.as_ref().map(|f| f.system),
            }),
        });
    }
    for (id, kind, entity_key, error) in notify::dead_jobs(&db.pool, connection, MOST).await? {
        seen.push(Observed {
            key: format!("dead_job:{id}"),
            category: DEAD_JOB.into(),
            detail: json!({"job_id": id, "kind": kind, "entity_key": entity_key, "error": error}),
        });
    }
    for (poller, error, last_success, last_error_at) in
        notify::failing_pollers(&db.pool, connection).await?
    {
        let failing_since = last_success.unwrap_or(i64::MIN);
        let long_enough = last_error_at.unwrap_or(now) - failing_since >= POLLER_FAILING_MS;
        if long_enough {
            seen.push(Observed {
                key: format!("poller:{poller}"),
                category: POLLER.into(),
                detail: json!({"poller": poller, "error": error, "last_success_at": last_success}),
            });
        }
    }
    let mut categories = vec![ATTENTION, DEAD_JOB, POLLER];
    if !watched.is_empty() {
        categories.extend([CREDENTIALS, BUDGET]);
    }
    for one in watched {
        let platform = one.usage.platform();
        if let Some(status) = one.usage.credentials_refused() {
            seen.push(Observed {
                key: format!("credentials:{platform}"),
                category: CREDENTIALS.into(),
                detail: json!({"platform": platform, "status": status}),
            });
        }
        let used = one.usage.requests_within(now, BUDGET_MINUTES);
        let budget = u64::from(one.requests_per_minute) * BUDGET_MINUTES as u64;
        if used as f64 >= budget as f64 * BUDGET_SHARE {
            seen.push(Observed {
                key: format!("budget:{platform}"),
                category: BUDGET.into(),
                detail: json!({
                    "platform": platform,
                    "used": used,
                    "budget": budget,
                    "window_minutes": BUDGET_MINUTES,
                }),
            });
        }
    }
    Ok((categories, seen))
}
