//! `replay`: store a stored event again, as an operator event with the same job kind and entity,
//! so its job runs once more against the platforms' current data.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Operator, OperatorError, OperatorEvent, Progress};
use crate::store::events::{self, EventFilter};
use crate::store::job_admin;

/// Most events one filtered replay stores again.
pub const MAX_REPLAY: usize = 1_000;
const PAGE: i64 = 200;
/// Entities whose replays are stored at once (the group-commit writer batches them).
const STORE_CONCURRENCY: usize = 32;

/// One replayed event.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Replayed {
    /// The new event (its job is pending).
    pub event_id: String,
    /// The event replayed.
    pub replay_of: String,
}

/// `POST /api/v1/events/replay`: which events to replay; at least one filter is required.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_key: Option<String>,
    /// Received at or after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<FixedOffset>>,
    /// Received before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<FixedOffset>>,
}

/// The answer of a filtered replay.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReplayReport {
    /// Events stored again.
    pub replayed: i64,
    /// Matching events recorded as ignored (they have no job to run).
    pub skipped: i64,
}

impl ReplayFilter {
    fn is_empty(&self) -> bool {
        self.source.is_none()
            && self.kind.is_none()
            && self.outcome.is_none()
            && self.status.is_none()
            && self.entity_key.is_none()
            && self.since.is_none()
            && self.until.is_none()
    }

    fn to_event_filter(&self) -> EventFilter {
        EventFilter {
            source: self.source.clone(),
            kind: self.kind.clone(),
            entity_key: self.entity_key.clone(),
            status: self.status.clone(),
            outcome: self.outcome.clone(),
            received_from: self.since.map(|t| t.timestamp_millis()),
            received_before: self.until.map(|t| t.timestamp_millis()),
            before_id: None,
        }
    }
}

impl Operator {
    /// Replays one event; 404 when unknown, 409 when it was recorded as ignored.
    pub async fn replay_event(&self, id: &str) -> Result<Replayed, OperatorError> {
        let Some(event) = self.prepare(id).await? else {
            return Err(OperatorError::Conflict(format!(
                "event {id} was recorded as ignored: it has no job to replay"
            )));
        };
        Ok(Replayed {
            event_id: self.store(event).await?,
            replay_of: id.to_owned(),
        })
    }

    /// The replay of event `id`; `None` when it was recorded as ignored (no job to run).
    async fn prepare(&self, id: &str) -> Result<Option<OperatorEvent>, OperatorError> {
        let pool = &self.db.pool;
        let event = events::get(pool, &self.connection, id)
            .await?
            .ok_or_else(|| OperatorError::NotFound(format!("no event {id}")))?;
        let Some(job_kind) = job_admin::kind_of_event(pool, id).await? else {
            return Ok(None);
        };
        Ok(Some(OperatorEvent {
            kind: event.event.kind,
            action: "replay",
            entity_key: event.event.entity_key,
            job_kind,
            body: replay_body(event.envelope, id),
        }))
    }

    /// Replays every event matching `filter` (at most [`MAX_REPLAY`]). Events of one entity
    /// are stored oldest first, one after another, so their jobs keep the original order;
    /// different entities are stored concurrently, so the writer commits them in batches.
    pub async fn replay_matching(
        &self,
        filter: &ReplayFilter,
        progress: &dyn Progress,
    ) -> Result<ReplayReport, OperatorError> {
        if filter.is_empty() {
            return Err(OperatorError::Invalid(
                "give at least one filter (source, kind, outcome, status, entity_key, since, \
                 until); replaying every event is not allowed"
                    .into(),
            ));
        }
        let ids = self.matching_ids(filter).await?;
        progress.start(ids.len() as u64);
        let mut by_entity: BTreeMap<String, Vec<OperatorEvent>> = BTreeMap::new();
        let mut skipped = 0;
        for id in ids.iter().rev() {
            match self.prepare(id).await? {
                Some(event) => by_entity
                    .entry(event.entity_key.clone())
                    .or_default()
                    .push(event),
                None => {
                    skipped += 1;
                    progress.advance();
                }
            }
        }
        let mut stored = futures::stream::iter(by_entity.into_values())
            .map(|events| async move {
                for event in events {
                    self.store(event).await?;
                    progress.advance();
                }
                Ok::<_, OperatorError>(())
            })
            .buffer_unordered(STORE_CONCURRENCY);
        while let Some(result) = stored.next().await {
            result?;
        }
        drop(stored);
        let replayed = ids.len() as i64 - skipped;
        tracing::info!(replayed, skipped, "events replayed");
        Ok(ReplayReport { replayed, skipped })
    }

    /// Ids of matching events, newest first, listed before any replay is stored (so replays
    /// never match themselves).
    async fn matching_ids(&self, filter: &ReplayFilter) -> Result<Vec<String>, OperatorError> {
        let mut query = filter.to_event_filter();
        let mut ids = Vec::new();
        loop {
            let page = events::list(&self.db.pool, &self.connection, &query, PAGE).await?;
            let last = page.last().map(|e| e.id.clone());
            ids.extend(page.into_iter().map(|e| e.id));
            if ids.len() > MAX_REPLAY {
                return Err(OperatorError::Invalid(format!(
                    "more than {MAX_REPLAY} events match; narrow the filter (e.g. since/until)"
                )));
            }
            match last {
                Some(last) if ids.len() % PAGE as usize == 0 => query.before_id = Some(last),
                _ => return Ok(ids),
            }
        }
    }
}

/// The original body with a `replay` member that makes it unique (objects keep their fields,
/// so processors that look at the body still find them).
fn replay_body(original: Value, replay_of: &str) -> Value {
    let marker = json!({"of": replay_of, "id": uuid::Uuid::now_v7().to_string()});
    match original {
        Value::Object(mut map) => {
            map.insert("replay".into(), marker);
            Value::Object(map)
        }
        other => json!({"replay": marker, "original": other}),
    }
}
