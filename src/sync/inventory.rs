//! Flow C — Flourish sellable stock becomes the LeafLink product quantity.
//!
//! The quantity written is the sellable total plus what LeafLink reserves for orders already on
//! order in Flourish (see `matcher::inventory`). That reservation costs no API call when the
//! product's `reserved_qty` is zero; otherwise it comes from the open orders listed once for the
//! pass (`open_orders`), restricted to the orders the links table says are in Flourish.
//!
//! Job kind `flourish.inventory_summary`, keyed by SKU (or `item:<item id>`). The webhook's
//! figure is never used: every job re-reads the stock of every feeding facility and compares
//! the sum with the quantity LeafLink shows now. A burst of webhooks for one SKU coalesces in
//! two ways:
//! - a job with a newer job for the same key already queued ends `unchanged` at once, reading
//!   nothing (the newer one will read the then-current stock);
//! - a job that does read finds LeafLink already equal when an earlier job wrote the same
//!   total, and ends `unchanged`.
//!
//! So a burst whose events are all queued before its first job runs makes one stock read and at
//! most one `PATCH`; in general there is at most one `PATCH` per job that found no successor
//! queued, and only when the total it read differs from LeafLink's.

use std::sync::Arc;

use rust_decimal::Decimal;
use serde_json::json;

use super::cache::Freshness;
use super::items::links::{
    product_for_sku, product_record, record_product, superseded, superseded_outcome,
};
use super::items::load::read_item;
use super::open_orders::reserved_in_flourish;
use super::record::{self, Writes};
use super::{SyncContext, entity_id};
use crate::flourish::InventoryFilter;
use crate::jobs::{JobContext, JobError, Processed, Processor, Processors};
use crate::leaflink::client::ProductQuery;
use crate::leaflink::model::{Decimal as LeafLinkDecimal, Product, ProductPatch};
use crate::matcher::inventory::InventoryRow;
use crate::matcher::{
    FeedingFacilities, InventoryPlan, InventoryTotals, LinkSet, Outcome, ProductIndex, SkuKey,
    System, plan_inventory,
};
use crate::remote::ClientError;

/// The job kind this flow handles.
pub const JOB_KIND: &str = "flourish.inventory_summary";

/// Registers Flow C.
pub fn register(processors: &mut Processors, context: &Arc<SyncContext>) {
    let processor = InventoryProcessor {
        ctx: Arc::clone(context),
    };
    processors.register(JOB_KIND, Arc::new(processor));
}

/// Runs Flow C for one SKU.
pub struct InventoryProcessor {
    ctx: Arc<SyncContext>,
}

/// The sellable stock of `sku` summed over the feeding facilities, read now (never negative).
pub(crate) async fn current_total(ctx: &SyncContext, sku: &str) -> Result<Decimal, JobError> {
    let rows = read_stock(ctx, sku).await?;
    let totals = InventoryTotals::new(&rows, &FeedingFacilities::All);
    Ok(totals.total(&SkuKey::new(sku)).max(Decimal::ZERO))
}

/// The facilities whose stock feeds LeafLink: the configured ones, else every facility.
async fn feeding_facilities(ctx: &SyncContext) -> Result<Vec<String>, JobError> {
    if let Some(ids) = &ctx.settings.feeding_facilities {
        return Ok(ids.clone());
    }
    let facilities = ctx.facilities(Freshness::SHARED).await?;
    Ok(facilities.iter().map(|f| f.id.clone()).collect())
}

/// One summary row per feeding facility holding `sku`, quantities to LeafLink's 4 places.
/// Flourish's `sku` filter is exact; when it finds no row at any facility, each facility's
/// summary is read once more unfiltered and compared trimmed, so the stock of an item stored
/// with stray whitespace around its SKU is counted.
async fn read_stock(ctx: &SyncContext, sku: &str) -> Result<Vec<InventoryRow>, JobError> {
    let facilities = feeding_facilities(ctx).await?;
    read_stock_at(ctx, &facilities, &SkuKey::new(sku)).await
}

/// [`read_stock`] over the given facilities. The unfiltered fallback reads each facility's whole
/// summary through the shared snapshot (read now, then shared with the jobs of the pass), so a
/// SKU without stock does not cost a full summary per job.
async fn read_stock_at(
    ctx: &SyncContext,
    facilities: &[String],
    key: &SkuKey,
) -> Result<Vec<InventoryRow>, JobError> {
    let exact = InventoryFilter {
        sku: Some(key.as_str().to_owned()),
        ..InventoryFilter::default()
    };
    let rows = stock_rows(ctx, facilities, &exact, key).await?;
    if !rows.is_empty() {
        return Ok(rows);
    }
    let since = Freshness::fresh();
    let mut rows = Vec::new();
    for facility in facilities {
        let summary = ctx.facility_stock(facility, since).await?;
        rows.extend(rows_of(facility, &summary, key));
    }
    Ok(rows)
}

/// The summary rows of `facilities` under `filter` whose SKU is `key` once trimmed.
async fn stock_rows(
    ctx: &SyncContext,
    facilities: &[String],
    filter: &InventoryFilter,
    key: &SkuKey,
) -> Result<Vec<InventoryRow>, JobError> {
    let mut rows = Vec::new();
    for facility in facilities {
        let summary = ctx.flourish.inventory_summary(facility, filter).await?;
        rows.extend(rows_of(facility, &summary, key));
    }
    Ok(rows)
}

/// Where a plan's product and stock figures come from.
#[derive(Clone, Copy, Debug)]
enum Reads {
    /// The reads shared by the jobs of a pass (every product, each facility's whole summary),
    /// none older than this.
    Shared(Freshness),
    /// Fresh: a shared read made since this (the start of the run), else a read now.
    Fresh(Freshness),
}

impl Reads {
    /// How recent the open orders must be: the pass's snapshot, or one read during this run.
    fn orders(self) -> Freshness {
        match self {
            Self::Shared(want) | Self::Fresh(want) => want,
        }
    }
}

/// The rows of one facility's summary whose SKU is `key` once trimmed, quantities to LeafLink's
/// 4 places.
fn rows_of<'a>(
    facility: &'a str,
    summary: &'a [crate::flourish::model::InventoryRow],
    key: &'a SkuKey,
) -> impl Iterator<Item = InventoryRow> + 'a {
    summary
        .iter()
        .filter(move |row| SkuKey::new(&row.sku) == *key)
        .map(move |row| InventoryRow {
            facility_id: facility.to_owned(),
            sku: row.sku.clone(),
            sellable_qty: Decimal::from_f64_retain(row.sellable_qty)
                .unwrap_or_default()
                .round_dp(4),
        })
}

/// Like [`read_stock`], from each feeding facility's whole summary: read once per facility for
/// the jobs of a pass (`Reads::Shared`), or used only when read during this run and else read
/// for `sku` alone (`Reads::Fresh`).
async fn stock(ctx: &SyncContext, sku: &str, reads: Reads) -> Result<Vec<InventoryRow>, JobError> {
    let key = SkuKey::new(sku);
    let mut rows = Vec::new();
    let mut unread = Vec::new();
    for facility in feeding_facilities(ctx).await? {
        let summary = match reads {
            Reads::Shared(want) => Some(ctx.facility_stock(&facility, want).await?),
            Reads::Fresh(since) => ctx.facility_stock_if_read(&facility, since).await,
        };
        match summary {
            Some(summary) => rows.extend(rows_of(&facility, &summary, &key)),
            None => unread.push(facility),
        }
    }
    if !unread.is_empty() {
        rows.extend(read_stock_at(ctx, &unread, &key).await?);
    }
    Ok(rows)
}

/// The SKU a job is about, and the item id when the key named one.
async fn target(
    ctx: &SyncContext,
    job: &JobContext,
) -> Result<Result<(String, Option<String>), Outcome>, JobError> {
    let key = entity_id(job);
    if SkuKey::new(key).is_empty() {
        return Ok(Err(Outcome::ignored("the stock event names no SKU")));
    }
    let Some(item_id) = key.strip_prefix("item:") else {
        return Ok(Ok((SkuKey::new(key).as_str().to_owned(), None)));
    };
    Ok(match read_item(ctx, item_id).await? {
        Some(item) if SkuKey::new(&item.sku).is_empty() => Err(Outcome::ignored(format!(
            "Flourish item {item_id} has no SKU, so no LeafLink product takes its stock"
        ))),
        Some(item) => Ok((SkuKey::new(&item.sku).as_str().to_owned(), Some(item.id))),
        None => Err(Outcome::ignored(format!(
            "Flourish has no item {item_id} to read stock for"
        ))),
    })
}

/// The LeafLink product for `sku`: the linked one, else the only one with that SKU (linked
/// now unless `dry`). No product, or several, is an outcome.
async fn product(
    ctx: &SyncContext,
    sku: &str,
    item_id: Option<&str>,
    dry: bool,
    reads: Reads,
) -> Result<Result<Product, Outcome>, JobError> {
    if let Some(id) = product_for_sku(ctx, sku).await? {
        let read = match reads {
            Reads::Shared(want) => ctx.product(id, want).await,
            Reads::Fresh(since) => match ctx.product_if_read(id, since).await {
                Some(product) => Ok(product),
                None => ctx.leaflink.get_product(id).await,
            },
        };
        return match read {
            Ok(product) => Ok(Ok(product)),
            Err(ClientError::NotFound { .. }) => Ok(Err(Outcome::attention(format!(
                "LeafLink product {id} linked to SKU \"{sku}\" no longer exists"
            )))),
            Err(error) => Err(error.into()),
        };
    }
    if sku.contains(',') {
        return Ok(Err(Outcome::ignored(format!(
            "SKU \"{sku}\" contains a comma, so no LeafLink product can carry it"
        ))));
    }
    let mut found: Vec<Product> = match reads {
        // A resync's job finds the product in the pass's listing of every product.
        Reads::Shared(want) if want.pass => {
            ctx.listed_products(want).await?.with_sku(&SkuKey::new(sku))
        }
        _ => {
            let query = ProductQuery {
                skus: vec![sku.to_owned()],
                ..ProductQuery::default()
            };
            ctx.leaflink.list_products(&query).await?
        }
    };
    found.retain(|p| SkuKey::new(&p.sku).as_str() == sku);
    match found.len() {
        0 => Ok(Err(Outcome::ignored(format!(
            "SKU \"{sku}\" is on no LeafLink product"
        )))),
        1 => {
            let product = found.remove(0);
            if !dry {
                record_product(ctx, sku, item_id, product.id).await?;
            }
            Ok(Ok(product))
        }
        n => Ok(Err(Outcome::ignored(format!(
            "SKU \"{sku}\" is on {n} LeafLink products, so its stock has nowhere to go \
             (the item's sync reports the duplicate)"
        )))),
    }
}

/// The plan for `sku` on its LeafLink product, read now.
async fn plan_for(
    ctx: &SyncContext,
    sku: &str,
    leaflink: &Product,
    reads: Reads,
) -> Result<Result<InventoryPlan, Outcome>, JobError> {
    let product = product_record(leaflink);
    // Stock is read only for products that take it; the matcher says why others do not.
    let totals = if product.listing_state.takes_inventory() {
        let rows = stock(ctx, sku, reads).await?;
        let on_order = reserved_in_flourish(ctx, leaflink, reads.orders()).await?;
        InventoryTotals::new(&rows, &FeedingFacilities::All).with_on_order(sku, on_order)
    } else {
        InventoryTotals::default()
    };
    let mut links = LinkSet::new(ctx.settings.strain_matching);
    links.link_product(sku, product.id);
    let index = ProductIndex::new([product]);
    Ok(plan_inventory(sku, &totals, &index, &links))
}

/// Writes a plan's quantity; a refusal is an outcome for a person.
async fn apply(ctx: &SyncContext, plan: &InventoryPlan) -> Result<Result<(), Outcome>, JobError> {
    let patch = ProductPatch {
        quantity: Some(LeafLinkDecimal(format!("{:.4}", plan.quantity.round_dp(4)))),
        ..ProductPatch::default()
    };
    match ctx.leaflink.patch_product(plan.product_id, &patch).await {
        Ok(_) => Ok(Ok(())),
        Err(ClientError::BadRequest { message, .. }) => Ok(Err(Outcome::attention_fix(
            format!("LeafLink refused to {}: {message}", plan.summary()),
            System::LeafLink,
            format!(
                "correct LeafLink product {} as LeafLink says",
                plan.product_id
            ),
        ))),
        Err(error) => Err(error.into()),
    }
}

/// Recomputes the quantity of LeafLink product `id` after LeafLink's reservations for an order
/// already in Flourish changed (a rejected order): the stock event Flourish sent for the same
/// change may have been handled before LeafLink released the reservation. Answers the write
/// made, if any.
pub(crate) async fn refresh_product(
    ctx: &SyncContext,
    id: i64,
) -> Result<Option<InventoryPlan>, JobError> {
    let leaflink = match ctx.leaflink.get_product(id).await {
        Ok(product) => product,
        Err(ClientError::NotFound { .. }) => return Ok(None),
        Err(error) => return Err(error.into()),
    };
    let sku = SkuKey::new(&leaflink.sku).as_str().to_owned();
    if sku.is_empty() {
        return Ok(None);
    }
    let reads = Reads::Fresh(Freshness::fresh());
    let Ok(plan) = plan_for(ctx, &sku, &leaflink, reads).await? else {
        return Ok(None);
    };
    Ok(apply(ctx, &plan).await?.ok().map(|()| plan))
}

impl InventoryProcessor {
    /// Plans from the product and stock shared by the jobs of a pass (none older than the
    /// job's event); a planned write is planned again from fresh reads (those made during this
    /// run count, and for a resync's job those of the resync's pass), so a figure from an
    /// earlier pass never causes a write that a fresh read would not.
    async fn plan(
        &self,
        job: &JobContext,
        dry: bool,
    ) -> Result<Result<InventoryPlan, Outcome>, JobError> {
        let started = Freshness::fresh();
        let want = Freshness::of_event(&self.ctx, job).await?;
        // A resync's jobs may write from what the resync read in this pass; any other job
        // re-reads what this run did not read before it writes.
        let fresh = if want.pass { want } else { started };
        match self.plan_from(job, dry, Reads::Shared(want)).await? {
            Ok(_) => self.plan_from(job, dry, Reads::Fresh(fresh)).await,
            stop => Ok(stop),
        }
    }

    async fn plan_from(
        &self,
        job: &JobContext,
        dry: bool,
        reads: Reads,
    ) -> Result<Result<InventoryPlan, Outcome>, JobError> {
        let (sku, item_id) = match target(&self.ctx, job).await? {
            Ok(found) => found,
            Err(outcome) => return Ok(Err(outcome)),
        };
        let leaflink = match product(&self.ctx, &sku, item_id.as_deref(), dry, reads).await? {
            Ok(product) => product,
            Err(outcome) => return Ok(Err(outcome)),
        };
        plan_for(&self.ctx, &sku, &leaflink, reads).await
    }
}

#[async_trait::async_trait]
impl Processor for InventoryProcessor {
    async fn process(&self, job: &JobContext) -> Result<Processed, JobError> {
        if let Some(outcome) = stock_not_managed(&self.ctx) {
            return Ok(record::from_outcome(&outcome, None, Writes::default()));
        }
        if superseded(&self.ctx, job).await? {
            let outcome = superseded_outcome();
            return Ok(record::from_outcome(&outcome, None, Writes::default()));
        }
        let plan = match self.plan(job, false).await? {
            Ok(plan) => plan,
            Err(outcome) => return Ok(record::from_outcome(&outcome, None, Writes::default())),
        };
        let writes = Writes::default();
        if let Err(outcome) = apply(&self.ctx, &plan).await? {
            return Ok(record::from_outcome(&outcome, Some(json!(plan)), writes));
        }
        let mut writes = writes;
        writes.push(
            "leaflink",
            "patch_product(quantity)",
            Some(plan.product_id.to_string()),
        );
        Ok(record::synced(plan.summary(), json!(plan), writes))
    }

    async fn dry_run(&self, job: &JobContext) -> Result<serde_json::Value, JobError> {
        if let Some(outcome) = stock_not_managed(&self.ctx) {
            return Ok(json!({ "outcome": outcome }));
        }
        Ok(match self.plan(job, true).await? {
            Ok(plan) => json!({ "plan": plan, "summary": plan.summary() }),
            Err(outcome) => json!({ "outcome": outcome }),
        })
    }
}

/// `LEAFBRIDGE_MANAGE_STOCK=false`: Flourish is not the source of truth for LeafLink stock, so
/// no quantity is ever written.
fn stock_not_managed(ctx: &SyncContext) -> Option<Outcome> {
    (!ctx.settings.manage_stock).then(|| {
        Outcome::ignored(
            "stock levels are not managed by leafbridge (LEAFBRIDGE_MANAGE_STOCK=false)",
        )
    })
}
