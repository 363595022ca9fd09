//! `attention`: what needs a person, one entry per entity and reason with the fix to make and
//! where, and a retry once the fix is made.

use serde::{Deserialize, Serialize};

use super::replay::Replayed;
use super::{Operator, OperatorError};
use crate::matcher::Fix;
use crate::store::attention::{self, AttentionRow};

/// One entity waiting for a fix.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AttentionItem {
    /// The latest `needs_attention` event of the entity: pass it to the retry.
    pub id: String,
    pub source: String,
    pub kind: String,
    pub entity_key: String,
    pub reason: Option<String>,
    /// The fix and the system to make it in, when the rules know one.
    pub fix: Option<Fix>,
    /// How many events of this entity ended with this reason.
    pub occurrences: i64,
    pub first_seen: i64,
    pub last_seen: i64,
    /// Found during a rehearsal (shadow mode): the problem is real, nothing was attempted.
    #[serde(default)]
    pub rehearsal: bool,
}

/// How many entities wait for a fix for one reason.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReasonCount {
    pub reason: Option<String>,
    pub entities: i64,
}

/// One page of entities needing attention, newest first, with the count per reason over all
/// pages.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AttentionPage {
    pub reasons: Vec<ReasonCount>,
    pub items: Vec<AttentionItem>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl From<AttentionRow> for AttentionItem {
    fn from(row: AttentionRow) -> Self {
        let detail = row
            .detail
            .as_deref()
            .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok());
        let rehearsal = crate::sync::shadow::is_rehearsal(detail.as_ref());
        let fix = detail.and_then(|d| serde_json::from_value(d.get("fix")?.clone()).ok());
        Self {
            id: row.event_id,
            source: row.source,
            kind: row.kind,
            entity_key: row.entity_key,
            reason: row.reason,
            fix,
            occurrences: row.occurrences,
            first_seen: row.first_seen,
            last_seen: row.last_seen,
            rehearsal,
        }
    }
}

impl Operator {
    /// One page of entities needing attention.
    pub async fn attention(
        &self,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<AttentionPage, OperatorError> {
        let pool = &self.db.pool;
        let mut rows = attention::list(pool, &self.connection, cursor, limit + 1).await?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = more
            .then(|| rows.last().map(|r| r.event_id.clone()))
            .flatten();
        let reasons = attention::reasons(pool, &self.connection).await?;
        Ok(AttentionPage {
            reasons: reasons
                .into_iter()
                .map(|(reason, entities)| ReasonCount { reason, entities })
                .collect(),
            items: rows.into_iter().map(AttentionItem::from).collect(),
            next_cursor,
        })
    }

    /// Runs the entity's job again after a fix; 404 unless `id` is an entity's current
    /// `needs_attention` event.
    pub async fn retry_attention(&self, id: &str) -> Result<Replayed, OperatorError> {
        attention::get(&self.db.pool, &self.connection, id)
            .await?
            .ok_or_else(|| {
                OperatorError::NotFound(format!("no entity needs attention with event {id}"))
            })?;
        self.replay_event(id).await
    }
}
