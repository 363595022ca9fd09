//! Flow A's batched reads of an order's lines: every line's product SKU in one `sku=` comma-list
//! read, every batch's lot number in one `id=` comma-list read and the Flourish items linked to
//! the lines' products in one `item_id` read, each checked fresh, with a read by id (or SKU)
//! only for what the batched read did not answer. A resync's job takes SKUs from its pass's
//! listing of every product instead.

use std::collections::{BTreeSet, HashMap};

use crate::flourish::ItemFilter;
use crate::jobs::JobError;
use crate::leaflink::client::ProductQuery;
use crate::matcher::SkuKey;
use crate::matcher::order::OrderLine;
use crate::remote::ClientError;
use crate::store::links::{self, LinkKind};
use crate::sync::cache::Freshness;
use crate::sync::{SyncContext, store_error};

/// Product id → its SKU as LeafLink holds it now (empty for a product that no longer exists).
///
/// LeafLink filters products by a comma list of SKUs but by one id only, so the SKUs the links
/// table records for these products are asked for in one read; a product that read does not
/// return under its id (never linked, re-SKUed, deleted) is read by id.
pub(super) async fn product_skus(
    ctx: &SyncContext,
    ids: &BTreeSet<i64>,
) -> Result<HashMap<i64, String>, JobError> {
    let mut guesses = BTreeSet::new();
    for id in ids {
        let link = links::by_remote(
            &ctx.db.pool,
            &ctx.connection,
            LinkKind::Product,
            &id.to_string(),
        )
        .await
        .map_err(store_error)?;
        if let Some(link) = link
            && !link.key.is_empty()
            && !link.key.contains(',')
        {
            guesses.insert(link.key);
        }
    }
    let mut skus = HashMap::new();
    if !guesses.is_empty() {
        let query = ProductQuery {
            skus: guesses.into_iter().collect(),
            ..ProductQuery::default()
        };
        for product in ctx.leaflink.list_products(&query).await? {
            if ids.contains(&product.id) {
                skus.insert(product.id, product.sku);
            }
        }
    }
    for id in ids {
        if skus.contains_key(id) {
            continue;
        }
        let sku = match ctx.leaflink.get_product(*id).await {
            Ok(product) => product.sku,
            // A deleted product leaves the line without a SKU, which needs attention.
            Err(ClientError::NotFound { .. }) => String::new(),
            Err(error) => return Err(error.into()),
        };
        skus.insert(*id, sku);
    }
    Ok(skus)
}

/// Batch id → its lot number (`production_batch_number`), in one read; a batch the list does
/// not return is read by id, so a missing batch fails the job as a read of it would.
pub(super) async fn batch_lots(
    ctx: &SyncContext,
    ids: &BTreeSet<i64>,
) -> Result<HashMap<i64, String>, JobError> {
    let list: Vec<i64> = ids.iter().copied().collect();
    let mut lots: HashMap<i64, String> = ctx
        .leaflink
        .batches_by_id(&list)
        .await?
        .into_iter()
        .filter(|batch| ids.contains(&batch.id))
        .map(|batch| (batch.id, batch.production_batch_number))
        .collect();
    for id in ids {
        if !lots.contains_key(id) {
            let batch = ctx.leaflink.get_batch(*id).await?;
            lots.insert(*id, batch.production_batch_number);
        }
    }
    Ok(lots)
}

/// Product id → its SKU from the pass's listing of every product (as recent as `want`); the
/// products it does not hold are read as [`product_skus`] reads them.
pub(super) async fn listed_product_skus(
    ctx: &SyncContext,
    ids: &BTreeSet<i64>,
    want: Freshness,
) -> Result<HashMap<i64, String>, JobError> {
    let listing = ctx.listed_products(want).await?;
    let mut skus = HashMap::new();
    let mut unlisted = BTreeSet::new();
    for id in ids {
        match listing.get(id) {
            Some(product) => {
                skus.insert(*id, product.sku.clone());
            }
            None => {
                unlisted.insert(*id);
            }
        }
    }
    if !unlisted.is_empty() {
        skus.extend(product_skus(ctx, &unlisted).await?);
    }
    Ok(skus)
}

/// `(item id, SKU)` of the Flourish items linked to the lines' products whose SKU (trimmed) is
/// still a line's, in one `item_id` read. Every item linked to a product is asked for, so two
/// items carrying one SKU are both found (and the line needs attention).
pub(super) async fn linked_items(
    ctx: &SyncContext,
    lines: &[OrderLine],
) -> Result<Vec<(String, String)>, JobError> {
    let mut ids = BTreeSet::new();
    let products: BTreeSet<i64> = lines.iter().filter_map(|line| line.product_id).collect();
    for product in products {
        let linked = links::all_by_remote(
            &ctx.db.pool,
            &ctx.connection,
            LinkKind::Item,
            &product.to_string(),
        )
        .await
        .map_err(store_error)?;
        ids.extend(linked.into_iter().map(|link| link.key));
    }
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let filter = ItemFilter {
        item_ids: ids.into_iter().collect(),
        ..ItemFilter::default()
    };
    let skus: BTreeSet<SkuKey> = lines.iter().map(|line| SkuKey::new(&line.sku)).collect();
    Ok(ctx
        .flourish
        .list_items(&filter)
        .await?
        .into_iter()
        .filter(|item| skus.contains(&SkuKey::new(&item.sku)))
        .map(|item| (item.id, item.sku))
        .collect())
}
