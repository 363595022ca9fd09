//! Flow B writes: the plan's steps in order through the LeafLink client, with links recorded
//! after every create or match. A LeafLink 400 ends the run as `needs_attention` with
//! LeafLink's own words; transport errors, 429 and 5xx go back to the retry policy.

use crate::jobs::JobError;
use crate::leaflink::client::ProductQuery;
use crate::leaflink::model::{NewStrain, ProductPatch, StrainClassification};
use crate::matcher::SkuKey;
use crate::matcher::item::{NewProduct as PlannedProduct, ProductPatch as PlannedPatch, StrainRef};
use crate::matcher::{ItemPlan, ItemStep, Outcome, System};
use crate::remote::ClientError;
use crate::store::claims::Claim;
use crate::sync::cache::Freshness;
use crate::sync::inventory::current_total;
use crate::sync::record::Writes;
use crate::sync::{SyncContext, store_error};

use super::create::{Listing, new_product};
use super::links::{record_product, record_strain};
use super::listing::{Unresolved, resolve_license, resolve_subcategory};
use super::load::Loaded;

/// Applies `plan`; `Some(outcome)` when a step stopped it (earlier writes stay listed).
pub(super) async fn apply(
    ctx: &SyncContext,
    loaded: &Loaded,
    plan: &ItemPlan,
    writes: &mut Writes,
) -> Result<Option<Outcome>, JobError> {
    let mut created_strain = None;
    for step in &plan.steps {
        if let Err(stop) = run_step(ctx, loaded, plan, step, &mut created_strain, writes).await {
            return stop.into_outcome(step);
        }
    }
    Ok(None)
}

async fn run_step(
    ctx: &SyncContext,
    loaded: &Loaded,
    plan: &ItemPlan,
    step: &ItemStep,
    created_strain: &mut Option<i64>,
    writes: &mut Writes,
) -> Result<(), Stop> {
    let item_id = Some(loaded.item.id.as_str());
    match step {
        ItemStep::CreateStrain { name } => {
            *created_strain = Some(create_strain(ctx, name, writes).await?);
        }
        ItemStep::LinkProduct { product_id } => {
            record_product(ctx, &plan.sku, item_id, *product_id).await?;
        }
        ItemStep::CreateProduct(planned) => {
            create_product(ctx, loaded, planned, *created_strain, writes).await?;
        }
        ItemStep::PatchProduct { product_id, patch } => {
            patch_product(ctx, *product_id, patch, *created_strain, writes).await?;
            record_product(ctx, &plan.sku, item_id, *product_id).await?;
        }
    }
    Ok(())
}

/// Why a step did not complete.
enum Stop {
    Refused(String),
    Outcome(Outcome),
    Error(JobError),
}

impl From<ClientError> for Stop {
    fn from(error: ClientError) -> Self {
        match error {
            ClientError::BadRequest { message, .. } => Self::Refused(message),
            other => Self::Error(other.into()),
        }
    }
}

impl From<JobError> for Stop {
    fn from(error: JobError) -> Self {
        Self::Error(error)
    }
}

impl Stop {
    fn into_outcome(self, step: &ItemStep) -> Result<Option<Outcome>, JobError> {
        match self {
            Self::Refused(message) => Ok(Some(Outcome::attention_fix(
                format!("LeafLink refused to {}: {message}", step.describe()),
                System::LeafLink,
                "correct the data LeafLink names, then resync the item",
            ))),
            Self::Outcome(outcome) => Ok(Some(outcome)),
            Self::Error(error) => Err(error),
        }
    }
}

/// Takes the claim on creating `key` in LeafLink, so that concurrent jobs (and replicas) create
/// it once; a job that waits too long retries later.
async fn claim(ctx: &SyncContext, key: &str) -> Result<Claim, Stop> {
    match Claim::take(&ctx.db.writes, &ctx.connection, key).await {
        Ok(Some(claim)) => Ok(claim),
        Ok(None) => Err(Stop::Error(JobError::retryable(format!(
            "another job is still creating {key}"
        )))),
        Err(error) => Err(Stop::Error(store_error(error))),
    }
}

/// Runs `result` under the claim then gives the claim back, whatever the result.
async fn released<T>(ctx: &SyncContext, claim: Claim, result: Result<T, Stop>) -> Result<T, Stop> {
    let released = claim.release(&ctx.db.writes).await;
    let value = result?;
    released.map_err(|error| Stop::Error(store_error(error)))?;
    Ok(value)
}

/// Creates the strain unless another job created it while this one waited for the claim.
async fn create_strain(ctx: &SyncContext, name: &str, writes: &mut Writes) -> Result<i64, Stop> {
    let held = claim(
        ctx,
        &format!("leaflink.strain:{}", name.trim().to_lowercase()),
    )
    .await?;
    let result = create_strain_once(ctx, name, writes).await;
    released(ctx, held, result).await
}

async fn create_strain_once(
    ctx: &SyncContext,
    name: &str,
    writes: &mut Writes,
) -> Result<i64, Stop> {
    let existing = ctx.leaflink.list_strains(Some(name)).await?;
    if let Some(strain) = existing.into_iter().find(|s| s.name == name) {
        record_strain(ctx, name, strain.id).await?;
        return Ok(strain.id);
    }
    let body = NewStrain {
        name: name.to_owned(),
        strain_classification: StrainClassification::Na,
    };
    let strain = ctx.leaflink.create_strain(&body).await?;
    ctx.caches.strains.invalidate().await;
    writes.push("leaflink", "create_strain", Some(strain.id.to_string()));
    record_strain(ctx, name, strain.id).await?;
    Ok(strain.id)
}

/// The strain id a plan refers to, once any `CreateStrain` step has run.
fn strain_id(strain: &Option<StrainRef>, created: Option<i64>) -> Option<i64> {
    match strain {
        Some(StrainRef::Existing { id }) => Some(*id),
        Some(StrainRef::Created) => created,
        None => None,
    }
}

/// Creates the product unless another job created one with this SKU while this one waited.
async fn create_product(
    ctx: &SyncContext,
    loaded: &Loaded,
    planned: &PlannedProduct,
    created_strain: Option<i64>,
    writes: &mut Writes,
) -> Result<(), Stop> {
    let key = format!("leaflink.product:{}", SkuKey::new(&planned.sku).as_str());
    let held = claim(ctx, &key).await?;
    let result = create_product_once(ctx, loaded, planned, created_strain, writes).await;
    released(ctx, held, result).await
}

async fn create_product_once(
    ctx: &SyncContext,
    loaded: &Loaded,
    planned: &PlannedProduct,
    created_strain: Option<i64>,
    writes: &mut Writes,
) -> Result<(), Stop> {
    // The product may have appeared while this job waited for the claim: LeafLink's exact
    // filter finds it (a stray-whitespace twin was already looked for when the item loaded).
    let query = ProductQuery {
        skus: vec![planned.sku.clone()],
        ..ProductQuery::default()
    };
    let existing = match ctx.leaflink.list_products(&query).await {
        Ok(products) => products,
        // A SKU LeafLink cannot filter on (a comma) cannot be looked up: create as planned.
        Err(ClientError::BadRequest { .. }) => Vec::new(),
        Err(error) => return Err(error.into()),
    };
    if let Some(product) = existing.into_iter().find(|p| p.sku == planned.sku) {
        record_product(ctx, &planned.sku, Some(&loaded.item.id), product.id).await?;
        return Ok(());
    }
    // Without stock management LeafLink's own quantity stands; a new product starts at zero.
    let quantity = if ctx.settings.manage_stock {
        current_total(ctx, &planned.sku).await?
    } else {
        rust_decimal::Decimal::ZERO
    };
    let listing = listing(ctx, loaded, planned).await?;
    let strain = strain_id(&planned.strain, created_strain);
    let key = ctx.settings.product_external_id_key.as_deref();
    let body =
        new_product(planned, loaded, strain, quantity, &listing, key).map_err(Stop::Outcome)?;
    let product = ctx.leaflink.create_product(&body).await?;
    writes.push("leaflink", "create_product", Some(product.id.to_string()));
    record_product(ctx, &planned.sku, Some(&loaded.item.id), product.id).await?;
    Ok(())
}

/// The license and sub-category a new product is listed under, read from LeafLink (only when
/// a product is created, so updates cost no extra calls).
async fn listing(
    ctx: &SyncContext,
    loaded: &Loaded,
    planned: &PlannedProduct,
) -> Result<Listing, Stop> {
    let (licenses, subcategories) = tokio::try_join!(
        ctx.licenses(Freshness::SHARED),
        ctx.subcategories(Freshness::SHARED)
    )?;
    let unresolved = |u: Unresolved| {
        Stop::Outcome(Outcome::attention_fix(
            format!(
                "cannot create the LeafLink product of SKU \"{}\": {}",
                planned.sku, u.problem
            ),
            System::LeafLink,
            u.fix,
        ))
    };
    let license =
        resolve_license(&licenses, ctx.settings.leaflink_license.as_deref()).map_err(unresolved)?;
    let category = loaded
        .leaflink_categories
        .iter()
        .find(|c| c.id == planned.category)
        .ok_or_else(|| {
            unresolved(Unresolved {
                problem: format!("LeafLink has no category {}", planned.category),
                fix: "map the item's custom category to a LeafLink category".to_owned(),
            })
        })?;
    let sub_category = resolve_subcategory(
        &subcategories,
        category,
        loaded.item.custom_category.as_deref(),
        &ctx.settings.subcategory_map,
    )
    .map_err(unresolved)?;
    Ok(Listing {
        license,
        sub_category,
    })
}

async fn patch_product(
    ctx: &SyncContext,
    product_id: i64,
    planned: &PlannedPatch,
    created_strain: Option<i64>,
    writes: &mut Writes,
) -> Result<(), Stop> {
    // Built field by field from the managed ones: `listing_state` is never sent on update.
    let patch = ProductPatch {
        name: planned.name.clone(),
        description: planned.description.clone(),
        brand: planned.brand,
        product_line: planned.product_line,
        category: planned.category,
        strains: strain_id(&planned.strain, created_strain).map(|id| vec![id]),
        ..ProductPatch::default()
    };
    ctx.leaflink.patch_product(product_id, &patch).await?;
    let fields = planned.field_names().join(",");
    writes.push(
        "leaflink",
        format!("patch_product({fields})"),
        Some(product_id.to_string()),
    );
    Ok(())
}
