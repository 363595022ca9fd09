//! Flow B reads: the Flourish item named by the job, then what LeafLink holds for it (the
//! linked or SKU-matched products, brands, product lines, categories, strains) and the links.

use crate::flourish::ItemFilter;
use crate::flourish::model::Item as FlourishItem;
use crate::jobs::JobError;
use crate::leaflink::client::ProductQuery;
use crate::leaflink::model::{
    Brand, Category, Product as LeafLinkProduct, Strain as LeafLinkStrain,
};
use crate::matcher::keys::{CategoryMap, SkuKey};
use crate::matcher::records::Item;
use crate::matcher::{Catalog, LinkSet, Outcome, ProductIndex, StrainIndex, System};
use crate::remote::ClientError;
use crate::store::links::LinkKind;
use crate::sync::SyncContext;
use crate::sync::cache::Freshness;

use super::links::{item_record, linked_id, product_for_sku, product_record, strain_for_name};

/// Everything Flow B plans with.
pub(super) struct Loaded {
    pub item: FlourishItem,
    pub record: Item,
    pub products: ProductIndex,
    pub catalog: Catalog,
    pub brands: Vec<Brand>,
    /// LeafLink's categories, for the sub-category of a new product.
    pub leaflink_categories: Vec<Category>,
    pub strains: Vec<LeafLinkStrain>,
    pub strain_index: StrainIndex,
    pub categories: CategoryMap,
    pub links: LinkSet,
}

/// The item a job names: its Flourish id, else (a webhook without id) its SKU. `None` when
/// Flourish has no such item.
pub(crate) async fn read_item(
    ctx: &SyncContext,
    key: &str,
) -> Result<Option<FlourishItem>, JobError> {
    match ctx.flourish.get_item(key).await {
        Ok(item) => return Ok(Some(item)),
        // Not an id (a SKU from a webhook without one): Flourish answers 404, or 400.
        Err(ClientError::NotFound { .. } | ClientError::BadRequest { .. }) => {}
        Err(error) => return Err(error.into()),
    }
    let items = items_with_sku(ctx, &SkuKey::new(key)).await?;
    let mut matching = items.into_iter();
    Ok(match (matching.next(), matching.next()) {
        (Some(item), None) => Some(item),
        _ => None,
    })
}

/// Whether the matcher's gate stops the item before any LeafLink data matters (inactive, or
/// strain-specific without a strain): then nothing on LeafLink is read.
fn stopped_at_gate(item: &Item) -> bool {
    let no_strain = item
        .strain_name
        .as_deref()
        .is_none_or(|s| s.trim().is_empty());
    !item.ecommerce_active
        || (item.strain_required && no_strain)
        || SkuKey::new(&item.sku).is_empty()
}

/// Reads LeafLink and the links for `item`; an `Outcome` when a problem shows before planning.
/// LeafLink's catalogue and the linked product come from the shared reads as recent as `want`.
pub(super) async fn load(
    ctx: &SyncContext,
    item: FlourishItem,
    want: Freshness,
) -> Result<Loaded, LoadStop> {
    let mut record = item_record(&item);
    if !ctx.settings.product_fields.product_line {
        // Not managed: never resolved, so never written nor reported missing.
        record.product_line = None;
    }
    let mut loaded = Loaded {
        item,
        record,
        products: ProductIndex::default(),
        catalog: Catalog::default(),
        brands: Vec::new(),
        leaflink_categories: Vec::new(),
        strains: Vec::new(),
        strain_index: StrainIndex::default(),
        categories: CategoryMap::new(ctx.settings.category_map.iter().cloned()),
        links: LinkSet::new(ctx.settings.strain_matching),
    };
    if stopped_at_gate(&loaded.record) {
        return Ok(loaded);
    }
    let sku = SkuKey::new(&loaded.record.sku);
    if sku.as_str().contains(',') {
        return Err(LoadStop::Outcome(Outcome::attention_fix(
            format!(
                "SKU \"{}\" contains a comma, which LeafLink does not allow",
                sku.as_str()
            ),
            System::Flourish,
            format!("remove the comma from the SKU of item {}", loaded.item.id),
        )));
    }
    let (products, linked) = find_products(ctx, &loaded, &sku, want).await?;
    loaded.products = ProductIndex::new(products.iter().map(product_record));
    if let Some(id) = linked {
        loaded.links.link_product(sku.as_str(), id);
    }
    load_catalog(ctx, &mut loaded, want).await?;
    Ok(loaded)
}

/// Why loading stopped: a recorded outcome, or an error for the retry policy.
pub(super) enum LoadStop {
    Outcome(Outcome),
    Error(JobError),
}

impl From<JobError> for LoadStop {
    fn from(error: JobError) -> Self {
        Self::Error(error)
    }
}

impl From<ClientError> for LoadStop {
    fn from(error: ClientError) -> Self {
        Self::Error(error.into())
    }
}

/// The products the item may be, and the linked product id: through the SKU link, else the
/// item link (same SKU only), else a SKU search. A linked product goes into the `LinkSet` so
/// the matcher never searches past it.
async fn find_products(
    ctx: &SyncContext,
    loaded: &Loaded,
    sku: &SkuKey,
    want: Freshness,
) -> Result<(Vec<LeafLinkProduct>, Option<i64>), LoadStop> {
    let by_item = linked_id(ctx, LinkKind::Item, &loaded.item.id).await?;
    let by_sku = product_for_sku(ctx, sku.as_str()).await?;
    let Some(id) = by_sku.or(by_item) else {
        if want.pass {
            // The pass's listing of every product, compared trimmed, is what a SKU search
            // would find; a plan to create from it is made again from a fresh search.
            return Ok((ctx.listed_products(want).await?.with_sku(sku), None));
        }
        return Ok((products_with_sku(ctx, sku).await?, None));
    };
    let product = match ctx.product(id, want).await {
        Ok(product) => product,
        // The matcher reports a link to a vanished product as needing attention.
        Err(ClientError::NotFound { .. }) => return Ok((Vec::new(), Some(id))),
        Err(error) => return Err(error.into()),
    };
    if by_sku.is_none() && SkuKey::new(&product.sku) != *sku {
        return Err(LoadStop::Outcome(Outcome::attention_fix(
            format!(
                "Flourish item {} now has SKU \"{}\" but its LeafLink product {id} has \"{}\"",
                loaded.item.id,
                sku.as_str(),
                product.sku
            ),
            System::LeafLink,
            format!(
                "set the SKU of LeafLink product {id} to `{}` (or restore the item's SKU)",
                sku.as_str()
            ),
        )));
    }
    Ok((vec![product], Some(id)))
}

/// Brands, product lines, categories and strains, and the strain link the matcher consults.
async fn load_catalog(
    ctx: &SyncContext,
    loaded: &mut Loaded,
    want: Freshness,
) -> Result<(), LoadStop> {
    let (brands, lines, categories, strains) = tokio::try_join!(
        ctx.brands(want),
        ctx.product_lines(want),
        ctx.categories(want),
        ctx.strains(want),
    )?;
    loaded.catalog = crate::sync::convert::catalog(&brands, &lines, &categories);
    let records = crate::sync::convert::strains(&strains);
    loaded.strain_index = StrainIndex::new(&records, ctx.settings.strain_matching);
    loaded.brands = brands.as_ref().clone();
    loaded.leaflink_categories = categories.as_ref().clone();
    loaded.strains = strains.as_ref().clone();
    if let Some(name) = loaded.record.strain_name.clone()
        && let Some(id) = strain_for_name(ctx, &name).await?
    {
        loaded.links.link_strain(&name, id);
    }
    Ok(())
}

/// The LeafLink products whose SKU equals `sku` once both are trimmed. LeafLink's `sku` filter
/// is exact, so a stored SKU with stray whitespace escapes it: when it finds nothing, every
/// product is read and compared normalised. That costs a full listing, but only when no product
/// has the SKU exactly, which is when an item is about to be created: once per new item.
pub(crate) async fn products_with_sku(
    ctx: &SyncContext,
    sku: &SkuKey,
) -> Result<Vec<LeafLinkProduct>, ClientError> {
    let query = ProductQuery {
        skus: vec![sku.as_str().to_owned()],
        ..ProductQuery::default()
    };
    let mut found = ctx.leaflink.list_products(&query).await?;
    found.retain(|p| SkuKey::new(&p.sku) == *sku);
    if found.is_empty() {
        found = ctx.leaflink.list_products(&ProductQuery::default()).await?;
        found.retain(|p| SkuKey::new(&p.sku) == *sku);
    }
    Ok(found)
}

/// The Flourish items whose SKU equals `sku` once both are trimmed. Flourish's `sku` filter is
/// exact, so an item stored with stray whitespace escapes it: only when it finds nothing are
/// all items read once and compared normalised.
pub(crate) async fn items_with_sku(
    ctx: &SyncContext,
    sku: &SkuKey,
) -> Result<Vec<FlourishItem>, ClientError> {
    let filter = ItemFilter {
        sku: Some(sku.as_str().to_owned()),
        ..ItemFilter::default()
    };
    let mut found = ctx.flourish.list_items(&filter).await?;
    found.retain(|i| SkuKey::new(&i.sku) == *sku);
    if found.is_empty() {
        found = ctx.flourish.list_items(&ItemFilter::default()).await?;
        found.retain(|i| SkuKey::new(&i.sku) == *sku);
    }
    Ok(found)
}
