//! `resync`: enqueue the jobs webhooks would have made for chosen entities, or dry-run them —
//! the processors read and plan, and nothing is written.

use chrono::{DateTime, FixedOffset};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::estimate::{CallEstimate, Scope, estimate};
use super::targets::{self, Target};
use super::{Operator, OperatorError, OperatorEvent, Progress};
use crate::jobs::JobContext;
use crate::store::{now_ms, resyncs};
use crate::sync::cache::Freshness;

/// Most entities one dry run plans (each one reads from the platforms).
pub const MAX_DRY_RUN: usize = 200;
/// Most ids one request names (larger sets: use `since`, or several calls).
pub const MAX_IDS: usize = 1_000;
/// Events stored at once (the group-commit writer batches them).
const STORE_CONCURRENCY: usize = 32;
/// Dry runs at once (each calls the platforms).
const DRY_RUN_CONCURRENCY: usize = 4;

/// What to resync.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResyncKind {
    /// LeafLink orders, by order number.
    Orders,
    /// Flourish items, by item id or SKU.
    Items,
    /// Flourish stock, by SKU.
    Inventory,
    /// LeafLink customers, by license number (or `id:<customer id>`).
    Customers,
    /// Everything the platforms list (with `since`: what changed since then).
    All,
}

/// An id as text or a number (item and customer ids are numbers on the platforms).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EntityId {
    Text(String),
    Number(i64),
}

impl EntityId {
    pub fn text(&self) -> String {
        match self {
            Self::Text(text) => text.trim().to_owned(),
            Self::Number(n) => n.to_string(),
        }
    }
}

/// `POST /api/v1/resync`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResyncRequest {
    pub kind: ResyncKind,
    /// The entities; without them the platforms are asked what exists (or changed `since`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<EntityId>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub dry_run: bool,
}

/// A resync whose jobs are enqueued.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResyncAccepted {
    pub resync_id: String,
    /// Jobs enqueued (one per entity).
    pub jobs: i64,
}

/// What a dry run would do for one entity.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DryRunEntry {
    pub job_kind: String,
    pub entity_key: String,
    /// The plan (what would be written), or the outcome that stops it.
    pub plan: Option<Value>,
    /// Why no plan could be made (a platform failed, no processor for the kind).
    pub error: Option<String>,
}

/// The answer of a dry run: one entry per entity, nothing written, and what the resync would
/// cost in API calls.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DryRunReport {
    pub dry_run: bool,
    pub plans: Vec<DryRunEntry>,
    /// Calls per platform the resync would spend (listing pages, reads, planned writes).
    #[serde(default)]
    pub estimated_calls: CallEstimate,
}

/// The answer of `POST /api/v1/resync`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ResyncResponse {
    DryRun(DryRunReport),
    Accepted(ResyncAccepted),
}

impl Operator {
    /// Resolves the request's entities, then enqueues one job each (or dry-runs them).
    pub async fn resync(
        &self,
        request: &ResyncRequest,
        progress: &dyn Progress,
    ) -> Result<ResyncResponse, OperatorError> {
        // The resync begins before it lists anything: its jobs take those listings as theirs.
        let began = now_ms();
        let targets = self.targets(request).await?;
        if request.dry_run {
            let scope = self.scope(request).await;
            if targets.len() > MAX_DRY_RUN {
                let cost = estimate(&targets, &[], scope);
                return Err(OperatorError::Invalid(format!(
                    "dry_run: {} entities match; a dry run plans at most {MAX_DRY_RUN}, so \
                     narrow it with ids or since ({} before writes)",
                    targets.len(),
                    cost.summary()
                )));
            }
            let plans = self.dry_run(&targets, progress).await;
            let answers: Vec<Value> = plans.iter().filter_map(|p| p.plan.clone()).collect();
            return Ok(ResyncResponse::DryRun(DryRunReport {
                dry_run: true,
                plans,
                estimated_calls: estimate(&targets, &answers, scope),
            }));
        }
        Ok(ResyncResponse::Accepted(
            self.enqueue(request, &targets, began, progress).await?,
        ))
    }

    /// What the resync covers beyond its targets, for its cost estimate.
    async fn scope(&self, request: &ResyncRequest) -> Scope {
        let facilities = match &self.sync {
            Some(sync) => match sync.facilities(Freshness::SHARED).await {
                Ok(facilities) => facilities.len() as u64,
                Err(_) => 1,
            },
            None => 1,
        };
        Scope {
            listed_everything: request.ids.is_none() && request.since.is_none(),
            listed: request.ids.is_none(),
            facilities,
        }
    }

    async fn targets(&self, request: &ResyncRequest) -> Result<Vec<Target>, OperatorError> {
        let Some(ids) = &request.ids else {
            let sync = self.platforms("a resync without ids")?;
            return targets::listed(sync, request.kind, request.since).await;
        };
        if request.kind == ResyncKind::All {
            return Err(OperatorError::Invalid(
                "ids: cannot be given with kind \"all\"; choose orders, items, inventory or \
                 customers"
                    .into(),
            ));
        }
        if request.since.is_some() {
            return Err(OperatorError::Invalid(
                "since: give either ids or since, not both".into(),
            ));
        }
        let mut texts: Vec<String> = ids.iter().map(EntityId::text).collect();
        if texts.is_empty() || texts.len() > MAX_IDS || texts.iter().any(String::is_empty) {
            return Err(OperatorError::Invalid(format!(
                "ids: must be a list of 1 to {MAX_IDS} non-empty ids"
            )));
        }
        if request.kind == ResyncKind::Orders {
            // The same shape the ingress demands, so the CLI's local mode refuses what the
            // operator API refuses.
            for text in &texts {
                crate::envelope::check_order_number(text)
                    .map_err(|error| OperatorError::Invalid(format!("ids: {error}")))?;
            }
        }
        if request.kind == ResyncKind::Items {
            texts = targets::item_ids(self.sync.as_deref(), &texts).await?;
        }
        texts.sort();
        texts.dedup();
        Ok(texts
            .iter()
            .map(|id| targets::target(request.kind, id))
            .collect())
    }

    async fn enqueue(
        &self,
        request: &ResyncRequest,
        targets: &[Target],
        began: i64,
        progress: &dyn Progress,
    ) -> Result<ResyncAccepted, OperatorError> {
        let resync_id = uuid::Uuid::now_v7().to_string();
        let kind = serde_json::to_value(request.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let recorded = serde_json::to_value(request).unwrap_or(Value::Null);
        let pool = &self.db.pool;
        resyncs::create(pool, &self.connection, &resync_id, &kind, &recorded, began).await?;
        progress.start(targets.len() as u64);
        let mut stored = futures::stream::iter(targets.iter().cloned())
            .map(|target| self.store(resync_event(&resync_id, target)))
            .buffer_unordered(STORE_CONCURRENCY);
        let mut jobs = 0;
        while let Some(event_id) = stored.next().await {
            resyncs::add_event(pool, &resync_id, &event_id?, now_ms()).await?;
            jobs += 1;
            progress.advance();
        }
        drop(stored);
        tracing::info!(resync.id = %resync_id, resync.kind = %kind, jobs, "resync enqueued");
        Ok(ResyncAccepted { resync_id, jobs })
    }

    async fn dry_run(&self, targets: &[Target], progress: &dyn Progress) -> Vec<DryRunEntry> {
        progress.start(targets.len() as u64);
        let runs = futures::stream::iter(targets.iter().cloned())
            .map(|target| async move {
                let entry = self.dry_run_one(target).await;
                progress.advance();
                entry
            })
            .buffered(DRY_RUN_CONCURRENCY);
        runs.collect().await
    }

    async fn dry_run_one(&self, target: Target) -> DryRunEntry {
        let mut entry = DryRunEntry {
            job_kind: target.job_kind.to_owned(),
            entity_key: target.entity_key.clone(),
            plan: None,
            error: None,
        };
        let Some(processor) = self.processors.get(target.job_kind) else {
            entry.error = Some(format!(
                "no processor handles {} jobs (are both platform API keys set?)",
                target.job_kind
            ));
            return entry;
        };
        let job = JobContext {
            job_id: "dry-run".into(),
            kind: target.job_kind.into(),
            entity_key: target.entity_key,
            attempt: 0,
            event_id: String::new(),
            source: "operator".into(),
            event_kind: target.event_kind.into(),
            body: json!({"dry_run": true, "data": target.data}),
        };
        match processor.dry_run(&job).await {
            Ok(plan) => entry.plan = Some(plan),
            Err(error) => entry.error = Some(error.to_string()),
        }
        entry
    }
}

/// The event a resync stores for one entity: the resync id makes its body unique.
fn resync_event(resync_id: &str, target: Target) -> OperatorEvent {
    OperatorEvent {
        kind: target.event_kind.into(),
        action: "resync",
        entity_key: target.entity_key,
        job_kind: target.job_kind.into(),
        body: json!({"resync": {"id": resync_id}, "data": target.data}),
    }
}
