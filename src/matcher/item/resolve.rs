//! Flow B, steps 4–5: LeafLink ids for an item's names, and what a product must become.

use crate::matcher::index::Lookup;
use crate::matcher::keys::name_key;
use crate::matcher::outcome::{Outcome, System};
use crate::matcher::records::{Item, ListingState, Product};

use super::{ItemContext, NewProduct, ProductPatch, Resolved, StrainRef, join};

/// Resolves brand, product line, category and strain, or says what must be fixed first.
pub(super) fn resolve(item: &Item, ctx: &ItemContext<'_>) -> Result<Resolved, Outcome> {
    let brand = brand(item, ctx)?;
    let product_line = match non_blank(&item.product_line) {
        Some(line) => Some(product_line(item, ctx, brand, line)?),
        None => None,
    };
    Ok(Resolved {
        brand,
        product_line,
        category: category(item, ctx)?,
        strain: strain(item, ctx)?,
    })
}

fn non_blank(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(name_key).filter(|v| !v.is_empty())
}

fn brand(item: &Item, ctx: &ItemContext<'_>) -> Result<i64, Outcome> {
    let Some(name) = non_blank(&item.brand) else {
        return Err(Outcome::attention_fix(
            format!("Flourish item {} has no brand", item.id),
            System::Flourish,
            format!("set the brand of item {} in Flourish", item.id),
        ));
    };
    match ctx.catalog.brand(name) {
        Lookup::One(id) => Ok(id),
        Lookup::Missing => Err(Outcome::attention_fix(
            format!("brand \"{name}\" does not exist in LeafLink"),
            System::LeafLink,
            format!("create brand `{name}` in LeafLink"),
        )),
        Lookup::Many(ids) => Err(Outcome::attention_fix(
            format!("brand \"{name}\" matches LeafLink brands {}", join(&ids)),
            System::LeafLink,
            format!("rename all but one LeafLink brand called `{name}`"),
        )),
    }
}

fn product_line(
    item: &Item,
    ctx: &ItemContext<'_>,
    brand: i64,
    line: &str,
) -> Result<i64, Outcome> {
    let brand_name = non_blank(&item.brand).unwrap_or_default();
    match ctx.catalog.product_line(brand, line) {
        Lookup::One(id) => Ok(id),
        Lookup::Missing => Err(Outcome::attention_fix(
            format!(
                "product line \"{line}\" does not exist for brand \"{brand_name}\" in LeafLink"
            ),
            System::LeafLink,
            format!("create product line `{line}` under brand `{brand_name}` in LeafLink"),
        )),
        Lookup::Many(ids) => Err(Outcome::attention_fix(
            format!(
                "product line \"{line}\" of brand \"{brand_name}\" matches LeafLink lines {}",
                join(&ids)
            ),
            System::LeafLink,
            format!("rename all but one product line `{line}` of brand `{brand_name}`"),
        )),
    }
}

/// The custom category (else Flourish's own category) through the map; `None` when the item
/// has neither, in which case the category is not managed.
fn category(item: &Item, ctx: &ItemContext<'_>) -> Result<Option<i64>, Outcome> {
    let Some(flourish) = non_blank(&item.custom_category).or(non_blank(&item.item_category)) else {
        return Ok(None);
    };
    let name = ctx.categories.leaflink_name(flourish);
    match ctx.catalog.category(name) {
        Lookup::One(id) => Ok(Some(id)),
        Lookup::Missing => Err(Outcome::attention_fix(
            format!(
                "category \"{name}\" (from Flourish \"{flourish}\") does not exist in LeafLink"
            ),
            System::Flourish,
            format!(
                "set item {}'s custom category to a LeafLink category, or map `{flourish}` in the category map",
                item.id
            ),
        )),
        Lookup::Many(ids) => Err(Outcome::attention(format!(
            "category \"{name}\" matches LeafLink categories {}",
            join(&ids)
        ))),
    }
}

fn strain(item: &Item, ctx: &ItemContext<'_>) -> Result<Option<StrainRef>, Outcome> {
    let Some(name) = non_blank(&item.strain_name) else {
        return Ok(None);
    };
    if let Some(id) = ctx.links.strain(name) {
        return Ok(Some(StrainRef::Existing { id }));
    }
    match ctx.strains.find(name) {
        Lookup::One(id) => Ok(Some(StrainRef::Existing { id })),
        Lookup::Missing => Ok(Some(StrainRef::Created)),
        Lookup::Many(ids) => Err(Outcome::attention_fix(
            format!(
                "strain \"{name}\" matches several LeafLink strains ({}), so it is ambiguous",
                join(&ids)
            ),
            System::LeafLink,
            format!(
                "rename the LeafLink strains {} so that only one reads `{name}`",
                join(&ids)
            ),
        )),
    }
}

/// The product to create; LeafLink needs a category, so an item without one cannot be created.
pub(super) fn new_product(
    item: &Item,
    sku: &crate::matcher::keys::SkuKey,
    r: Resolved,
) -> Result<NewProduct, Outcome> {
    let Some(category) = r.category else {
        return Err(Outcome::attention_fix(
            format!(
                "Flourish item {} has no category to create its LeafLink product with",
                item.id
            ),
            System::Flourish,
            format!("set a custom category on item {} in Flourish", item.id),
        ));
    };
    let name = item.name.trim().to_owned();
    let description = non_blank(&item.description).map_or_else(|| name.clone(), str::to_owned);
    Ok(NewProduct {
        sku: sku.as_str().to_owned(),
        name,
        description,
        listing_state: ListingState::Available,
        brand: r.brand,
        product_line: r.product_line,
        category,
        strain: r.strain,
    })
}

/// Managed fields that differ; unmanaged ones (no value on the item) are left alone.
pub(super) fn diff(item: &Item, product: &Product, r: Resolved) -> ProductPatch {
    let name = item.name.trim();
    let description = non_blank(&item.description);
    let strain = match r.strain {
        Some(StrainRef::Existing { id }) if product.strains.contains(&id) => None,
        other => other,
    };
    ProductPatch {
        name: (!name.is_empty() && name != product.name).then(|| name.to_owned()),
        description: description
            .filter(|d| *d != product.description)
            .map(str::to_owned),
        brand: (product.brand != Some(r.brand)).then_some(r.brand),
        product_line: r.product_line.filter(|l| product.product_line != Some(*l)),
        category: r.category.filter(|c| product.category != Some(*c)),
        strain,
    }
}
