//! LeafLink product events: recorded and used for linking only, never synced back.
//!
//! Job kind `leaflink.product`, keyed by the LeafLink product id (or its SKU when the webhook
//! had no id). Products flow from Flourish to LeafLink, so a product change is never written to
//! Flourish. But LeafLink sends these for every order action (reserved quantity changes) and
//! for leafbridge's own writes, so the job must stay cheap and write nothing on either
//! platform; its one use is to record the links of a product whose SKU is on exactly one
//! Flourish item and that is not linked yet.

use std::sync::Arc;

use serde_json::json;

use super::items::links::{linked_id, product_for_sku, record_product};
use super::items::load::products_with_sku;
use super::record::{self, Writes};
use super::{SyncContext, entity_id};
use crate::flourish::ItemFilter;
use crate::jobs::{JobContext, JobError, Processed, Processor, Processors};
use crate::leaflink::model::Product;
use crate::matcher::{Outcome, SkuKey};
use crate::remote::ClientError;
use crate::store::links::LinkKind;

/// The job kind this flow handles.
pub const JOB_KIND: &str = "leaflink.product";

/// Registers the product-event processor.
pub fn register(processors: &mut Processors, context: &Arc<SyncContext>) {
    let processor = ProductProcessor {
        ctx: Arc::clone(context),
    };
    processors.register(JOB_KIND, Arc::new(processor));
}

/// Handles one LeafLink product event.
pub struct ProductProcessor {
    ctx: Arc<SyncContext>,
}

/// A link to record: the product, its SKU and the Flourish item.
#[derive(Debug, serde::Serialize)]
struct LinkPlan {
    product_id: i64,
    sku: String,
    item_id: String,
}

impl ProductProcessor {
    /// The product a job names: by id, else (a webhook without id) the only one with the SKU.
    async fn read_product(&self, key: &str) -> Result<Option<Product>, JobError> {
        if let Ok(id) = key.parse::<i64>() {
            match self.ctx.leaflink.get_product(id).await {
                Ok(product) => return Ok(Some(product)),
                Err(ClientError::NotFound { .. }) => {}
                Err(error) => return Err(error.into()),
            }
        }
        if key.contains(',') {
            return Ok(None);
        }
        let mut found = products_with_sku(&self.ctx, &SkuKey::new(key)).await?;
        Ok((found.len() == 1).then(|| found.remove(0)))
    }

    async fn plan(&self, job: &JobContext) -> Result<Result<LinkPlan, Outcome>, JobError> {
        let key = entity_id(job);
        let Some(product) = self.read_product(key).await? else {
            return Ok(Err(Outcome::ignored(format!(
                "LeafLink has no product \"{key}\""
            ))));
        };
        let sku = SkuKey::new(&product.sku);
        let id = product.id;
        match product_for_sku(&self.ctx, sku.as_str()).await? {
            Some(linked) if linked == id => {
                return Ok(Err(Outcome::unchanged(format!(
                    "LeafLink product {id} is already linked to SKU \"{}\"; products are \
                     not synced back to Flourish",
                    sku.as_str()
                ))));
            }
            Some(other) => {
                return Ok(Err(Outcome::ignored(format!(
                    "SKU \"{}\" is linked to LeafLink product {other}, not {id}",
                    sku.as_str()
                ))));
            }
            None => {}
        }
        self.match_item(&product, &sku).await
    }

    /// The Flourish item with the product's SKU, when there is exactly one and it is not linked
    /// to another product.
    async fn match_item(
        &self,
        product: &Product,
        sku: &SkuKey,
    ) -> Result<Result<LinkPlan, Outcome>, JobError> {
        let id = product.id;
        if sku.is_empty() {
            return Ok(Err(Outcome::ignored(format!(
                "LeafLink product {id} has no SKU to link by"
            ))));
        }
        if !sku.as_str().contains(',') {
            let same = products_with_sku(&self.ctx, sku).await?;
            if same.len() > 1 {
                return Ok(Err(Outcome::ignored(format!(
                    "SKU \"{}\" is on {} LeafLink products, so none is linked",
                    sku.as_str(),
                    same.len()
                ))));
            }
        }
        let filter = ItemFilter {
            sku: Some(sku.as_str().to_owned()),
            ..ItemFilter::default()
        };
        let mut items = self.ctx.flourish.list_items(&filter).await?;
        items.retain(|i| SkuKey::new(&i.sku) == *sku);
        let s = sku.as_str();
        let item = match items.len() {
            1 => items.remove(0),
            0 => {
                return Ok(Err(Outcome::ignored(format!(
                    "no Flourish item has SKU \"{s}\" of LeafLink product {id}"
                ))));
            }
            n => {
                return Ok(Err(Outcome::ignored(format!(
                    "{n} Flourish items have SKU \"{s}\", so LeafLink product {id} is not linked"
                ))));
            }
        };
        if let Some(other) = linked_id(&self.ctx, LinkKind::Item, &item.id).await?
            && other != id
        {
            return Ok(Err(Outcome::ignored(format!(
                "Flourish item {} is linked to LeafLink product {other}, not {id}",
                item.id
            ))));
        }
        Ok(Ok(LinkPlan {
            product_id: id,
            sku: s.to_owned(),
            item_id: item.id,
        }))
    }
}

#[async_trait::async_trait]
impl Processor for ProductProcessor {
    async fn process(&self, job: &JobContext) -> Result<Processed, JobError> {
        let plan = match self.plan(job).await? {
            Ok(plan) => plan,
            Err(outcome) => return Ok(record::from_outcome(&outcome, None, Writes::default())),
        };
        record_product(&self.ctx, &plan.sku, Some(&plan.item_id), plan.product_id).await?;
        let reason = format!(
            "linked LeafLink product {} to SKU \"{}\" and Flourish item {} (no platform writes)",
            plan.product_id, plan.sku, plan.item_id
        );
        Ok(record::synced(reason, json!(plan), Writes::default()))
    }

    async fn dry_run(&self, job: &JobContext) -> Result<serde_json::Value, JobError> {
        Ok(match self.plan(job).await? {
            Ok(plan) => json!({ "plan": plan }),
            Err(outcome) => json!({ "outcome": outcome }),
        })
    }
}
