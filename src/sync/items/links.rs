//! Product, item and strain links as the catalogue flows read and record them, and the
//! conversions from platform models into the matcher's records that those flows share.

use rust_decimal::Decimal;

use crate::flourish::model::Item as FlourishItem;
use crate::jobs::{JobContext, JobError};
use crate::leaflink::model::{ListingState as LeafLinkState, Product as LeafLinkProduct};
use crate::matcher::Outcome;
use crate::matcher::keys::{SkuKey, StrainKey};
use crate::matcher::records::{Item, ListingState, Product};
use crate::store::links::{self, LinkKind, NewLink};
use crate::sync::{SyncContext, record_link, store_error};

/// Whether a newer event for the same entity waits behind this job. Flows B and C write only
/// what the source holds now, so the newer job will do this one's work: this one can end
/// `unchanged` without reading anything.
pub(crate) async fn superseded(ctx: &SyncContext, job: &JobContext) -> Result<bool, JobError> {
    crate::store::jobs::newer_pending(&ctx.db.pool, &job.job_id)
        .await
        .map_err(store_error)
}

/// The outcome of a superseded job.
pub(crate) fn superseded_outcome() -> Outcome {
    Outcome::unchanged(
        "a newer event for the same record is queued and will sync its current state",
    )
}

/// The linked remote id of `key`, as a LeafLink id; a malformed stored id counts as no link.
pub(crate) async fn linked_id(
    ctx: &SyncContext,
    kind: LinkKind,
    key: &str,
) -> Result<Option<i64>, JobError> {
    let link = links::get(&ctx.db.pool, &ctx.connection, kind, key)
        .await
        .map_err(store_error)?;
    Ok(link.and_then(|l| l.remote_id.parse().ok()))
}

/// The LeafLink product linked to a SKU.
pub(crate) async fn product_for_sku(ctx: &SyncContext, sku: &str) -> Result<Option<i64>, JobError> {
    linked_id(ctx, LinkKind::Product, SkuKey::new(sku).as_str()).await
}

/// Records one link (never replacing an operator's pin).
pub(crate) async fn record(
    ctx: &SyncContext,
    kind: LinkKind,
    key: &str,
    remote_id: &str,
) -> Result<(), JobError> {
    record_link(ctx, &NewLink::found(kind, key, remote_id)).await
}

/// Records SKU → product and, when the item is known, item → product.
pub(crate) async fn record_product(
    ctx: &SyncContext,
    sku: &str,
    item_id: Option<&str>,
    product_id: i64,
) -> Result<(), JobError> {
    let id = product_id.to_string();
    record(ctx, LinkKind::Product, SkuKey::new(sku).as_str(), &id).await?;
    if let Some(item_id) = item_id {
        record(ctx, LinkKind::Item, item_id, &id).await?;
    }
    Ok(())
}

/// Records a strain name → LeafLink strain id under the configured matching.
pub(crate) async fn record_strain(
    ctx: &SyncContext,
    name: &str,
    strain_id: i64,
) -> Result<(), JobError> {
    match StrainKey::new(name, ctx.settings.strain_matching) {
        Some(key) => record(ctx, LinkKind::Strain, key.as_str(), &strain_id.to_string()).await,
        None => Ok(()),
    }
}

/// The strain linked to a name, if any.
pub(crate) async fn strain_for_name(
    ctx: &SyncContext,
    name: &str,
) -> Result<Option<i64>, JobError> {
    match StrainKey::new(name, ctx.settings.strain_matching) {
        Some(key) => linked_id(ctx, LinkKind::Strain, key.as_str()).await,
        None => Ok(None),
    }
}

/// A LeafLink decimal string as a number; unreadable text counts as unknown.
pub(crate) fn decimal(text: &str) -> Option<Decimal> {
    text.trim().parse().ok()
}

/// A LeafLink product as the matcher compares it.
pub(crate) fn product_record(product: &LeafLinkProduct) -> Product {
    Product {
        id: product.id,
        sku: product.sku.clone(),
        name: product.name.clone(),
        description: product.description.clone(),
        listing_state: listing_state(product.listing_state),
        brand: product.brand,
        product_line: product.product_line,
        category: product.category,
        strains: product.strains.clone(),
        quantity: decimal(&product.quantity.0),
    }
}

fn listing_state(state: LeafLinkState) -> ListingState {
    match state {
        LeafLinkState::Available => ListingState::Available,
        LeafLinkState::Archived => ListingState::Archived,
        LeafLinkState::Sample => ListingState::Sample,
        LeafLinkState::Backorder => ListingState::Backorder,
        LeafLinkState::Internal => ListingState::Internal,
        LeafLinkState::Unavailable => ListingState::Unavailable,
        LeafLinkState::Other => ListingState::Other,
    }
}

/// A Flourish item as the matcher reads it.
pub(crate) fn item_record(item: &FlourishItem) -> Item {
    Item {
        id: item.id.clone(),
        name: item.item_name.clone(),
        description: item.item_description.clone(),
        sku: item.sku.clone(),
        brand: item.brand.clone(),
        ecommerce_active: item.ecommerce_active,
        strain_name: item.strain_name.clone(),
        strain_required: item.strain_required,
        product_line: item.product_line.clone(),
        custom_category: item.custom_category.clone(),
        item_category: item.item_category.clone(),
    }
}
