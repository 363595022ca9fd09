//! Flow A: a LeafLink order becomes a Flourish outbound order (job kind `leaflink.order`, key
//! = the order number). Reads in [`load`], the matcher's `plan_order`, writes in [`apply`].
//!
//! Destination and sales rep always go to Flourish by id: any other reference makes Flourish
//! search by name and silently create a record.

mod apply;
mod gone;
mod line_reads;
mod linked;
mod load;
mod money;
mod terms;
pub(crate) use money::{line_prices, order_money};
pub(crate) use terms::find_term;

use std::sync::Arc;

use serde_json::json;

use crate::jobs::{JobContext, JobError, Processed, Processor, Processors};
use crate::matcher::{OrderInput, OrderPlan, Outcome, OutcomeKind, plan_order};
use crate::store::links::Link;

use super::SyncContext;
use super::cache::Freshness;
use super::record::{self, Writes};
pub(crate) use linked::{flourish_order_id, flourish_status, from_f64};
use load::{Loaded, Loading};
pub(crate) use load::{leaflink_status, parse_decimal};

/// Registers `leaflink.order`.
pub fn register(processors: &mut Processors, context: &Arc<SyncContext>) {
    let processor = OrderProcessor {
        context: context.clone(),
    };
    processors.register("leaflink.order", Arc::new(processor));
}

/// Processes `leaflink.order` jobs.
pub struct OrderProcessor {
    context: Arc<SyncContext>,
}

#[async_trait::async_trait]
impl Processor for OrderProcessor {
    async fn process(&self, job: &JobContext) -> Result<Processed, JobError> {
        let loaded = match self.load(job).await? {
            Ok(loaded) => loaded,
            Err(outcome) => return Ok(record::from_outcome(&outcome, None, Writes::default())),
        };
        if loaded.adopted.is_some() {
            linked::adopt(&self.context, &loaded).await?;
        }
        let mut processed = self.run(&loaded).await?;
        if let (Some(how), Some(detail)) = (loaded.adopted, processed.detail.as_mut()) {
            detail["adopted"] = json!(how);
        }
        Ok(processed)
    }

    async fn dry_run(&self, job: &JobContext) -> Result<serde_json::Value, JobError> {
        let loaded = match self.load(job).await? {
            Ok(loaded) => loaded,
            Err(outcome) => return Ok(json!({"outcome": outcome})),
        };
        Ok(match self.plan(&loaded) {
            Ok(plan) => json!({"plan": plan, "summary": plan.summary(), "adopted": loaded.adopted}),
            Err(outcome) => json!({"outcome": outcome, "adopted": loaded.adopted}),
        })
    }
}

impl OrderProcessor {
    /// Plans and applies (after any adoption is recorded).
    async fn run(&self, loaded: &Loaded) -> Result<Processed, JobError> {
        let mut writes = Writes::default();
        let plan = match self.plan(loaded) {
            Ok(plan) => plan,
            Err(outcome) => return self.settle_outcome(loaded, &outcome, writes).await,
        };
        let plan_json = serde_json::to_value(&plan).unwrap_or_default();
        match apply::apply(&self.context, &plan, loaded, &mut writes).await? {
            None => Ok(record::synced(plan.summary(), plan_json, writes)),
            Some(outcome) => Ok(record::from_outcome(&outcome, Some(plan_json), writes)),
        }
    }

    /// The job's reads. A resync that listed every order plans its jobs from the listings of
    /// its pass; when that comes to a write (a plan, an adopted link, an id to write back),
    /// everything is read fresh and planned again, so a listed value never causes a write that
    /// a fresh read would not. Other jobs read fresh.
    async fn load(&self, job: &JobContext) -> Result<Loading, JobError> {
        let number = super::entity_id(job);
        if job.source == "operator" {
            let want = Freshness::of_event(&self.context, job).await?;
            if want.pass
                && let Some(listed) = load::load_listed(&self.context, number, want).await?
                && self.writes_nothing(&listed)
            {
                return Ok(listed);
            }
        }
        load::load(&self.context, number).await
    }

    /// Whether what was loaded ends the job with an outcome and no write.
    fn writes_nothing(&self, loading: &Loading) -> bool {
        match loading {
            Err(_) => true,
            Ok(loaded) if loaded.adopted.is_some() => false,
            Ok(loaded) => match self.plan(loaded) {
                Ok(_) => false,
                Err(outcome) => {
                    outcome.kind != OutcomeKind::Unchanged || !self.lacks_external_id(loaded)
                }
            },
        }
    }

    /// Whether the linked Flourish order's id is still to be written back to LeafLink (what
    /// [`apply::repair_external_id`] would write).
    fn lacks_external_id(&self, loaded: &Loaded) -> bool {
        match (&self.context.settings.external_id_key, &loaded.linked) {
            (Some(key), Some(linked)) => {
                loaded.external_ids.get(key) != Some(&json!(linked.link.order_id))
            }
            _ => false,
        }
    }

    fn plan(&self, loaded: &Loaded) -> Result<OrderPlan, Outcome> {
        let key = self.context.settings.external_id_key.as_deref();
        plan_order(OrderInput {
            order: &loaded.order,
            reps: &loaded.reps,
            routing: &loaded.routing,
            destination: loaded.destination.as_ref(),
            items: &loaded.items,
            linked: loaded.linked.as_ref(),
            external_id_key: key,
            payment_term: loaded.payment_term.as_deref(),
            external_id: key
                .and_then(|key| loaded.external_ids.get(key))
                .and_then(|value| value.as_str()),
        })
    }

    /// Records an outcome without a plan. An order already in sync whose id write-back was
    /// lost (the job failed between the create and the `PATCH`) gets it now.
    async fn settle_outcome(
        &self,
        loaded: &Loaded,
        outcome: &Outcome,
        mut writes: Writes,
    ) -> Result<Processed, JobError> {
        if outcome.kind == OutcomeKind::Unchanged
            && let Some(repair) =
                apply::repair_external_id(&self.context, loaded, &mut writes).await?
        {
            return Ok(match repair.kind {
                OutcomeKind::Synced => record::synced(repair.reason, json!(null), writes),
                _ => record::from_outcome(&repair, None, writes),
            });
        }
        Ok(record::from_outcome(outcome, None, writes))
    }
}

/// Whether an order link was marked as moving: its Flourish order is being cancelled so the
/// order can be created in another facility.
pub(crate) fn is_moving(link: &Link) -> bool {
    link.extra
        .as_ref()
        .is_some_and(|extra| extra["moving"] == json!(true))
}
