//! Flow B — a Flourish item becomes (or updates) a LeafLink product.
//!
//! Job kind `flourish.item`, keyed by the Flourish item id (or the SKU when the webhook had no
//! id). The item is re-read from Flourish, LeafLink's catalogue around it is read, the matcher
//! plans, and the plan is applied with links recorded. Products are created `Available`;
//! updates carry only the managed fields that differ and never `listing_state`.
//!
//! No duplicate is ever created by a retry: every run searches LeafLink by SKU again before
//! creating, so a create whose answer was lost is found and linked on the next attempt. Jobs
//! run one at a time per entity key; an item announced once by id and once by SKU (a webhook
//! without id) has two keys, which only a multi-worker deployment could run at the same time.

mod apply;
mod create;
pub(crate) mod links;
pub(crate) mod listing;
pub(crate) mod load;

use std::sync::Arc;

use serde_json::json;

use super::cache::Freshness;
use super::record::{self, Writes};
use super::{SyncContext, entity_id};
use crate::config::ProductFields;
use crate::jobs::{JobContext, JobError, Processed, Processor, Processors};
use crate::matcher::item::StrainRef;
use crate::matcher::{ItemContext, ItemPlan, ItemStep, Outcome, OutcomeKind, plan_item};
use load::{LoadStop, Loaded, load, read_item};

/// The job kind this flow handles.
pub const JOB_KIND: &str = "flourish.item";

/// Registers Flow B.
pub fn register(processors: &mut Processors, context: &Arc<SyncContext>) {
    let processor = ItemProcessor {
        ctx: Arc::clone(context),
    };
    processors.register(JOB_KIND, Arc::new(processor));
}

/// Runs Flow B for one item.
pub struct ItemProcessor {
    ctx: Arc<SyncContext>,
}

/// What planning came to.
enum Planned {
    /// Nothing to write (or nothing may be written), and why.
    Stop(Outcome),
    /// Writes to make.
    Plan(Box<Loaded>, ItemPlan),
}

impl ItemProcessor {
    /// Reads and plans; `keep_links` (false in a dry run) lets an in-step item record its links.
    /// A webhook's item is read fresh; the jobs of a resync or poll share one listing of every
    /// item, read after their event. LeafLink's side comes from the reads shared between jobs.
    /// When that plans a write, everything is read again fresh and planned anew, so a shared
    /// value never causes a write that a fresh read would not.
    async fn plan(&self, job: &JobContext, keep_links: bool) -> Result<Planned, JobError> {
        let key = entity_id(job);
        let (listed, shared) = self.listed_item(job).await?;
        let from_listing = listed.is_some();
        let item = match listed {
            Some(item) => Some(item),
            None => read_item(&self.ctx, key).await?,
        };
        let Some(item) = item else {
            return Ok(no_item(key));
        };
        match self.plan_with(item.clone(), keep_links, shared).await? {
            Planned::Plan(..) => {
                let item = if from_listing {
                    match read_item(&self.ctx, key).await? {
                        Some(item) => item,
                        None => return Ok(no_item(key)),
                    }
                } else {
                    item
                };
                self.plan_with(item, keep_links, Freshness::fresh()).await
            }
            stop => Ok(stop),
        }
    }

    /// The item from the listing shared by the jobs of a resync or poll; `None` for a webhook's
    /// job (which reads its item fresh) or an item the listing does not hold. Beside it, how
    /// recent LeafLink's side may be: a resync's job takes the listings of its pass (every
    /// product, found by id or SKU), other jobs the reads shared within the time-to-live.
    async fn listed_item(
        &self,
        job: &JobContext,
    ) -> Result<(Option<crate::flourish::model::Item>, Freshness), JobError> {
        if !matches!(job.source.as_str(), "operator" | super::poll::SOURCE) {
            return Ok((None, Freshness::SHARED));
        }
        let want = Freshness::of_event(&self.ctx, job).await?;
        let item = self.ctx.listed_item(entity_id(job), want).await?;
        Ok((item, if want.pass { want } else { Freshness::SHARED }))
    }

    async fn plan_with(
        &self,
        item: crate::flourish::model::Item,
        keep_links: bool,
        want: Freshness,
    ) -> Result<Planned, JobError> {
        let loaded = match load(&self.ctx, item, want).await {
            Ok(loaded) => loaded,
            Err(LoadStop::Outcome(outcome)) => return Ok(Planned::Stop(outcome)),
            Err(LoadStop::Error(error)) => return Err(error),
        };
        let context = ItemContext {
            products: &loaded.products,
            catalog: &loaded.catalog,
            strains: &loaded.strain_index,
            categories: &loaded.categories,
            links: &loaded.links,
        };
        let planned = plan_item(&loaded.record, &context)
            .and_then(|plan| managed_only(plan, self.ctx.settings.product_fields));
        Ok(match planned {
            Ok(plan) => Planned::Plan(Box::new(loaded), plan),
            Err(outcome) if keep_links && outcome.kind == OutcomeKind::Unchanged => {
                // In step already: make sure both links exist (a link may have come from
                // the item side only).
                self.keep_links(&loaded).await?;
                Planned::Stop(outcome)
            }
            Err(outcome) => Planned::Stop(outcome),
        })
    }

    async fn keep_links(&self, loaded: &Loaded) -> Result<(), JobError> {
        let sku = crate::matcher::SkuKey::new(&loaded.record.sku);
        if let Some(id) = loaded.links.product(&sku) {
            links::record_product(&self.ctx, sku.as_str(), Some(&loaded.item.id), id).await?;
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Processor for ItemProcessor {
    async fn process(&self, job: &JobContext) -> Result<Processed, JobError> {
        if links::superseded(&self.ctx, job).await? {
            let outcome = links::superseded_outcome();
            return Ok(record::from_outcome(&outcome, None, Writes::default()));
        }
        let (loaded, plan) = match self.plan(job, true).await? {
            Planned::Stop(outcome) => {
                return Ok(record::from_outcome(&outcome, None, Writes::default()));
            }
            Planned::Plan(loaded, plan) => (loaded, plan),
        };
        let mut writes = Writes::default();
        let stopped = apply::apply(&self.ctx, &loaded, &plan, &mut writes).await?;
        let plan_json = json!(plan);
        Ok(match stopped {
            Some(outcome) => record::from_outcome(&outcome, Some(plan_json), writes),
            None => record::synced(plan.summary(), plan_json, writes),
        })
    }

    async fn dry_run(&self, job: &JobContext) -> Result<serde_json::Value, JobError> {
        Ok(match self.plan(job, false).await? {
            Planned::Stop(outcome) => json!({ "outcome": outcome }),
            Planned::Plan(loaded, plan) => json!({
                "plan": plan,
                "summary": plan.summary(),
                "before": before(&loaded, &plan),
            }),
        })
    }
}

/// The values now of the fields a plan's product update would change (the rehearsal report's
/// "before"), keyed like the patch.
fn before(loaded: &Loaded, plan: &ItemPlan) -> serde_json::Value {
    let mut before = serde_json::Map::new();
    for step in &plan.steps {
        let ItemStep::PatchProduct { product_id, patch } = step else {
            continue;
        };
        let Some(product) = loaded.products.get(*product_id) else {
            continue;
        };
        let patch = serde_json::to_value(patch).unwrap_or_default();
        for field in patch.as_object().into_iter().flat_map(|p| p.keys()) {
            let value = match field.as_str() {
                "name" => json!(product.name),
                "description" => json!(product.description),
                "brand" => json!(product.brand),
                "product_line" => json!(product.product_line),
                "category" => json!(product.category),
                "strain" => json!(product.strains),
                _ => continue,
            };
            before.insert(field.clone(), value);
        }
    }
    serde_json::Value::Object(before)
}

fn no_item(key: &str) -> Planned {
    Planned::Stop(Outcome::ignored(format!(
        "Flourish has no item with id or SKU \"{key}\""
    )))
}

/// Drops from the plan's updates the product fields leafbridge does not manage
/// (`LEAFBRIDGE_PRODUCT_FIELDS`); a create keeps every field LeafLink requires. A plan left
/// without writes is `unchanged`: an unmanaged difference is not a mismatch to fix.
fn managed_only(mut plan: ItemPlan, fields: ProductFields) -> Result<ItemPlan, Outcome> {
    if fields == ProductFields::ALL {
        return Ok(plan);
    }
    for step in &mut plan.steps {
        if let ItemStep::PatchProduct { patch, .. } = step {
            patch.name = patch.name.take().filter(|_| fields.name);
            patch.description = patch.description.take().filter(|_| fields.description);
            patch.brand = patch.brand.filter(|_| fields.brand);
            patch.product_line = patch.product_line.filter(|_| fields.product_line);
            patch.category = patch.category.filter(|_| fields.category);
            patch.strain = patch.strain.take().filter(|_| fields.strains);
        }
    }
    plan.steps
        .retain(|step| !matches!(step, ItemStep::PatchProduct { patch, .. } if patch.is_empty()));
    let strain_needed = plan.steps.iter().any(|step| match step {
        ItemStep::CreateProduct(new) => new.strain == Some(StrainRef::Created),
        ItemStep::PatchProduct { patch, .. } => patch.strain == Some(StrainRef::Created),
        _ => false,
    });
    if !strain_needed {
        plan.steps
            .retain(|step| !matches!(step, ItemStep::CreateStrain { .. }));
    }
    if plan.steps.is_empty() {
        return Err(Outcome::unchanged(format!(
            "LeafLink product for SKU \"{}\" matches Flourish item in every managed field \
             (LEAFBRIDGE_PRODUCT_FIELDS)",
            plan.sku
        )));
    }
    Ok(plan)
}
