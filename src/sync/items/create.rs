//! The LeafLink product leafbridge creates for a Flourish item.
//!
//! LeafLink's create schema requires more than the matcher decides (seller, manufacturer,
//! license, prices, order limits, unit denomination, sub-category, inventory setting). The
//! values chosen here, and why:
//!
//! | Field | Value | Why |
//! |---|---|---|
//! | `seller`, `manufacturer` | the company owning the item's brand | brands are the seller's own; LeafLink says manufacturer is usually the seller |
//! | `license` | that company id | no licence lookup is in the contract: a real account may refuse it, which ends in `needs_attention` with LeafLink's words |
//! | `sub_category` | the category id | no sub-category lookup is in the contract either; same consequence |
//! | `unit_of_measure` | from Flourish `uom` (`Each` → `Unit`, grams → `Gram`, …), else `Unit` | |
//! | `sell_in_unit_of_measure`, `unit_multiplier` | none, 1 | selling in cases is set up by hand in LeafLink; leafbridge does not manage it |
//! | `unit_denomination` | 1 (`"1"`) | one unit per unit |
//! | `strain_classification` | the strain's own, else `na` | the schema's advice when not applicable |
//! | `quantity` | the current Flourish total (Flow C's sum) | the product is orderable at once with true stock |
//! | `inventory_management` | `"1"` (Managed) | Flourish feeds the quantity |
//! | `wholesale_price` | Flourish `price` (per each; one unit per sell unit), else `0.00` | |
//! | `retail_price`, `sale_price` | `0.00` | the schema's advice when the source has none |
//! | `minimum_order`, `maximum_order` | `1`, `100000` | one unit; the schema's advice for "no maximum" |
//! | `external_ids` | `{"flourish_item_id": <id>}` | lets a person trace the product back |

use rust_decimal::Decimal;

use crate::leaflink::model::{
    Decimal as LeafLinkDecimal, Money, NewProduct, StrainClassification, UnitOfMeasure,
};
use crate::matcher::item::NewProduct as PlannedProduct;
use crate::matcher::{Outcome, System};

use super::load::Loaded;

/// The full create body for a planned product; `strain` is the resolved strain id.
pub(super) fn new_product(
    planned: &PlannedProduct,
    loaded: &Loaded,
    strain: Option<i64>,
    quantity: Decimal,
) -> Result<NewProduct, Outcome> {
    let company = seller(planned.brand, loaded)?;
    let price = loaded
        .item
        .price
        .and_then(Decimal::from_f64_retain)
        .unwrap_or_default();
    let mut external_ids = serde_json::Map::new();
    external_ids.insert("flourish_item_id".into(), loaded.item.id.clone().into());
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
        sub_category: planned.category,
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
        license: company,
        external_ids: Some(external_ids),
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
