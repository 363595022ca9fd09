//! Flow A's batched reads of an order's lines: every line's product SKU in one `sku=` comma-list
//! read and every batch's lot number in one `id=` comma-list read, each checked fresh, with a
//! read by id only for what the batched read did not answer.

use std::collections::{BTreeSet, HashMap};

use crate::jobs::JobError;
use crate::leaflink::client::ProductQuery;
use crate::remote::ClientError;
use crate::store::links::{self, LinkKind};
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
