//! The LeafLink product leafbridge creates for a Flourish item.
//!
//! LeafLink's create schema requires more than the matcher decides (seller, manufacturer,
//! license, prices, order limits, unit denomination, sub-category, inventory setting). The
//! values chosen here, and why:
//!
//! | Field | Value | Why |
//! |---|---|---|
//! | `seller`, `manufacturer` | the company owning the item's brand | brands are the seller's own; LeafLink says manufacturer is usually the seller |
//! | `license` | one of the company's licenses (`GET /licenses/`): the one `LEAFBRIDGE_LEAFLINK_LICENSE` names, else the only one | a license id, never the company id; unresolved → `needs_attention` naming the setting |
//! | `sub_category` | from `GET /product-subcategories/` under the product's category: `LEAFBRIDGE_SUBCATEGORY_MAP`, else the one named like the Flourish custom category | its own ids, never a category id; unresolved → `needs_attention` naming the map |
//! | `unit_of_measure` | from Flourish `uom` (`Each` → `Unit`, grams → `Gram`, …), else `Unit` | |
//! | `sell_in_unit_of_measure`, `unit_multiplier` | none, 1 | selling in cases is set up by hand in LeafLink; leafbridge does not manage it |
//! | `unit_denomination` | 1 (`"1"`) | one unit per unit |
//! | `strain_classification` | the strain's own, else `na` | the schema's advice when not applicable |
//! | `quantity` | the current Flourish total (Flow C's sum) | the product is orderable at once with true stock |
//! | `inventory_management` | `"1"` (Managed) | Flourish feeds the quantity |
//! | `wholesale_price` | Flourish `price` (per each; one unit per sell unit), else `0.00` | |
//! | `retail_price`, `sale_price` | `0.00` | the schema's advice when the source has none |
//! | `minimum_order`, `maximum_order` | `1`, `100000` | one unit; the schema's advice for "no maximum" |
//! | `external_ids` | `{<LEAFBRIDGE_PRODUCT_EXTERNAL_ID_KEY>: <item id>}`, none without the setting | LeafLink issues the keys and refuses others |

use rust_decimal::Decimal;

use crate::leaflink::model::{
    Decimal as LeafLinkDecimal, Money, NewProduct, StrainClassification, UnitOfMeasure,
};
use crate::matcher::item::NewProduct as PlannedProduct;
use crate::matcher::{Outcome, System};

use super::load::Loaded;

/// Where a product is listed: the license and sub-category ids already resolved.
pub(super) struct Listing {
    pub license: i64,
    pub sub_category: i64,
}

/// The full create body for a planned product; `strain` is the resolved strain id and
/// `external_id_key` the operator's issued key, if any.
pub(super) fn new_product(
    planned: &PlannedProduct,
    loaded: &Loaded,
    strain: Option<i64>,
    quantity: Decimal,
    listing: &Listing,
    external_id_key: Option<&str>,
) -> Result<NewProduct, Outcome> {
    let company = seller(planned.brand, loaded)?;
    let price = loaded
        .item
        .price
        .and_then(Decimal::from_f64_retain)
        .unwrap_or_default();
    let external_ids = external_id_key.map(|key| {
        let mut ids = serde_json::Map::new();
        ids.insert(key.to_owned(), loaded.item.id.clone().into());
        ids
    });
    Ok(NewProduct {
        sku: planned.sku.clone(),
        name: planned.name.clone(),
        description: planned.description.clone(),
        listing_state: crate::leaflink::model::ListingState::Available,
        unit_of_measure: unit_of_measure(loaded.item.uom.as_deref()),
        sell_in_unit_of_measure: None,
        unit_multiplier: 1,
        brand: planned.brand,
        product_line: planned.product_line,
        category: planned.category,
        sub_category: listing.sub_category,
        strains: strain.into_iter().collect(),
        strain_classification: classification(strain, loaded),
        quantity: LeafLinkDecimal(format!("{:.4}", quantity.round_dp(4))),
        wholesale_price: Money::usd(&format!("{:.2}", price.round_dp(2))),
        retail_price: Money::usd("0.00"),
        sale_price: Money::usd("0.00"),
        minimum_order: LeafLinkDecimal::from("1.0000"),
        maximum_order: LeafLinkDecimal::from("100000.0000"),
        inventory_management: "1".into(),
        unit_denomination: 1,
        seller: company,
        manufacturer: company,
        license: listing.license,
        external_ids,
    })
}

/// The company that owns `brand` (any brand's company when LeafLink leaves it out).
fn seller(brand: i64, loaded: &Loaded) -> Result<i64, Outcome> {
    let own = loaded.brands.iter().find(|b| b.id == brand);
    own.and_then(|b| b.company)
        .or_else(|| loaded.brands.iter().find_map(|b| b.company))
        .ok_or_else(|| {
            Outcome::attention_fix(
                format!("LeafLink does not say which company owns brand {brand}"),
                System::LeafLink,
                format!("check that brand {brand} belongs to the seller's company in LeafLink"),
            )
        })
}

fn classification(strain: Option<i64>, loaded: &Loaded) -> StrainClassification {
    strain
        .and_then(|id| loaded.strains.iter().find(|s| s.id == id))
        .and_then(|s| s.strain_classification)
        .unwrap_or(StrainClassification::Na)
}

/// Flourish units of measure in LeafLink's terms; counted things are `Unit`.
fn unit_of_measure(uom: Option<&str>) -> UnitOfMeasure {
    let uom = uom.unwrap_or_default().trim().to_lowercase();
    match uom.as_str() {
        "g" | "gram" | "grams" => UnitOfMeasure::Gram,
        "mg" | "milligram" | "milligrams" => UnitOfMeasure::Milligram,
        "kg" | "kilogram" | "kilograms" => UnitOfMeasure::Kilogram,
        "oz" | "ounce" | "ounces" => UnitOfMeasure::Ounce,
        "lb" | "lbs" | "pound" | "pounds" => UnitOfMeasure::Pound,
        "l" | "liter" | "litre" | "liters" | "litres" => UnitOfMeasure::Liter,
        "ml" | "milliliter" | "millilitre" | "milliliters" | "millilitres" => {
            UnitOfMeasure::Milliliter
        }
        _ => UnitOfMeasure::Unit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flourish_units_map_to_leaflink_units_and_each_is_a_unit() {
        assert_eq!(unit_of_measure(Some("Each")), UnitOfMeasure::Unit);
        assert_eq!(unit_of_measure(None), UnitOfMeasure::Unit);
        assert_eq!(unit_of_measure(Some(" Grams ")), UnitOfMeasure::Gram);
        assert_eq!(unit_of_measure(Some("ml")), UnitOfMeasure::Milliliter);
    }
}
