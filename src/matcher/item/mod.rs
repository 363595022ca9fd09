//! Flow B: a Flourish item becomes (or updates) a LeafLink product.
//!
//! Brands, product lines and categories must already exist on LeafLink; only strains are
//! created. Updates carry only the managed fields that differ and never `listing_state`,
//! because resetting products to Available on every item edit is what customers complained of.

mod resolve;

use serde::{Deserialize, Serialize};

use crate::matcher::catalog::Catalog;
use crate::matcher::index::{Lookup, ProductIndex, StrainIndex};
use crate::matcher::keys::{CategoryMap, SkuKey};
use crate::matcher::links::LinkSet;
use crate::matcher::outcome::{Outcome, System};
use crate::matcher::records::{Item, ListingState, Product};
use resolve::{diff, new_product, resolve};

/// A strain for a product: existing, or the one this plan creates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StrainRef {
    /// An existing LeafLink strain.
    Existing {
        /// Its id.
        id: i64,
    },
    /// The strain created by this plan's `CreateStrain` step.
    Created,
}

/// A LeafLink product to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewProduct {
    /// SKU, trimmed.
    pub sku: String,
    /// Name.
    pub name: String,
    /// Description (required by LeafLink; the name when Flourish has none).
    pub description: String,
    /// Always `Available` on create.
    pub listing_state: ListingState,
    /// Brand id.
    pub brand: i64,
    /// Product-line id.
    pub product_line: Option<i64>,
    /// Category id.
    pub category: i64,
    /// The product's strain.
    pub strain: Option<StrainRef>,
}

/// The managed fields of a product that differ; there is deliberately no `listing_state`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductPatch {
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New brand id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<i64>,
    /// New product-line id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_line: Option<i64>,
    /// New category id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<i64>,
    /// New strain (sent as the product's only strain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strain: Option<StrainRef>,
}

impl ProductPatch {
    /// True when nothing differs.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// One write of Flow B.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum ItemStep {
    /// `POST /strains/`; its id feeds [`StrainRef::Created`] and the strain link.
    CreateStrain {
        /// Name as Flourish spells it.
        name: String,
    },
    /// Record SKU ↔ product found by SKU search (no LeafLink write).
    LinkProduct {
        /// The product found.
        product_id: i64,
    },
    /// `POST /products/`; then link the SKU to the new id.
    CreateProduct(NewProduct),
    /// `PATCH /products/{id}/`.
    PatchProduct {
        /// The product.
        product_id: i64,
        /// Only the differing fields.
        patch: ProductPatch,
    },
}

/// The writes for one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemPlan {
    /// The SKU (the per-entity ordering key).
    pub sku: String,
    /// Writes in order.
    pub steps: Vec<ItemStep>,
}

impl ItemStep {
    /// The write in a few words.
    pub fn describe(&self) -> String {
        match self {
            Self::CreateStrain { name } => format!("create strain \"{name}\" in LeafLink"),
            Self::LinkProduct { product_id } => format!("link LeafLink product {product_id}"),
            Self::CreateProduct(p) => format!("create LeafLink product \"{}\" (Available)", p.name),
            Self::PatchProduct { product_id, patch } => {
                format!(
                    "update {} of LeafLink product {product_id}",
                    patch.field_names().join(", ")
                )
            }
        }
    }
}

impl ProductPatch {
    /// The names of the fields the patch sends.
    pub fn field_names(&self) -> Vec<&'static str> {
        [
            ("name", self.name.is_some()),
            ("description", self.description.is_some()),
            ("brand", self.brand.is_some()),
            ("product_line", self.product_line.is_some()),
            ("category", self.category.is_some()),
            ("strains", self.strain.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    }
}

impl ItemPlan {
    /// All writes, in order, as one sentence.
    pub fn summary(&self) -> String {
        let steps: Vec<String> = self.steps.iter().map(ItemStep::describe).collect();
        steps.join("; ")
    }
}

/// LeafLink data Flow B resolves against, built once per batch.
#[derive(Debug, Clone, Copy)]
pub struct ItemContext<'a> {
    /// Products by id and SKU.
    pub products: &'a ProductIndex,
    /// Brands, product lines, categories.
    pub catalog: &'a Catalog,
    /// Strains by normalised name.
    pub strains: &'a StrainIndex,
    /// Custom category → LeafLink category.
    pub categories: &'a CategoryMap,
    /// Known links.
    pub links: &'a LinkSet,
}

/// Resolved LeafLink ids for an item.
struct Resolved {
    brand: i64,
    product_line: Option<i64>,
    category: Option<i64>,
    strain: Option<StrainRef>,
}

/// Plans Flow B for one item.
pub fn plan_item(item: &Item, ctx: &ItemContext<'_>) -> Result<ItemPlan, Outcome> {
    gate(item)?;
    let sku = SkuKey::new(&item.sku);
    let (product, linked) = find_product(item, &sku, ctx)?;
    let resolved = resolve(item, ctx)?;
    let mut steps = Vec::new();
    if resolved.strain == Some(StrainRef::Created) {
        let name = item
            .strain_name
            .as_deref()
            .unwrap_or_default()
            .trim()
            .to_owned();
        steps.push(ItemStep::CreateStrain { name });
    }
    match product {
        None => steps.push(ItemStep::CreateProduct(new_product(item, &sku, resolved)?)),
        Some(product) => {
            if !linked {
                steps.push(ItemStep::LinkProduct {
                    product_id: product.id,
                });
            }
            let patch = diff(item, product, resolved);
            if !patch.is_empty() {
                steps.push(ItemStep::PatchProduct {
                    product_id: product.id,
                    patch,
                });
            }
        }
    }
    if steps.is_empty() {
        return Err(Outcome::unchanged(format!(
            "LeafLink product for SKU \"{}\" already matches Flourish item {}",
            sku.as_str(),
            item.id
        )));
    }
    Ok(ItemPlan {
        sku: sku.as_str().to_owned(),
        steps,
    })
}

fn gate(item: &Item) -> Result<(), Outcome> {
    if !item.ecommerce_active {
        return Err(Outcome::ignored(format!(
            "Flourish item {} is not e-commerce active (a linked product is left as it is)",
            item.id
        )));
    }
    let has_strain = item
        .strain_name
        .as_deref()
        .is_some_and(|s| !s.trim().is_empty());
    if item.strain_required && !has_strain {
        return Err(Outcome::attention_fix(
            "strain-specific item has no strain",
            System::Flourish,
            format!("select the strain of item {} in Flourish", item.id),
        ));
    }
    if SkuKey::new(&item.sku).is_empty() {
        return Err(Outcome::attention_fix(
            format!("Flourish item {} has no SKU", item.id),
            System::Flourish,
            format!("give item {} the SKU of its LeafLink product", item.id),
        ));
    }
    Ok(())
}

/// The product for the item and whether it came from a link; links win over SKU search.
fn find_product<'a>(
    item: &Item,
    sku: &SkuKey,
    ctx: &ItemContext<'a>,
) -> Result<(Option<&'a Product>, bool), Outcome> {
    if let Some(id) = ctx.links.product(sku) {
        return match ctx.products.get(id) {
            Some(product) => Ok((Some(product), true)),
            None => Err(Outcome::attention(format!(
                "LeafLink product {id} linked to SKU \"{}\" no longer exists",
                sku.as_str()
            ))),
        };
    }
    match ctx.products.find_sku(sku) {
        Lookup::Missing => Ok((None, false)),
        Lookup::One(id) => Ok((ctx.products.get(id), false)),
        Lookup::Many(ids) => Err(Outcome::attention_fix(
            format!(
                "SKU \"{}\" is on {} LeafLink products ({}), so item {} is ambiguous",
                sku.as_str(),
                ids.len(),
                join(&ids),
                item.id
            ),
            System::LeafLink,
            format!("keep SKU `{}` on one LeafLink product only", sku.as_str()),
        )),
    }
}

fn join(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests;
