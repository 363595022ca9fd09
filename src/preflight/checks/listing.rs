//! Listing states and sell-in-multiples settings of LeafLink products.

use std::collections::BTreeMap;

use super::Context;
use super::skus::{item_ref, product_ref};
use crate::leaflink::model::{self as ll, ListingState, SellInUnit, UnitOfMeasure};
use crate::matcher::SkuKey;
use crate::preflight::finding::{Finding, Severity, Side};

/// Listing and case findings.
pub fn check(cx: &Context<'_>) -> Vec<Finding> {
    let mut findings = not_available(cx);
    findings.extend(cx.listed_products.iter().filter_map(|p| invalid_case(p)));
    findings
}

/// Whether Flourish inventory reaches a product in this state.
fn takes_inventory(state: ListingState) -> bool {
    matches!(state, ListingState::Available | ListingState::Backorder)
}

fn not_available(cx: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for item in &cx.active_items {
        for product in cx.products_with(&SkuKey::new(&item.sku)) {
            if takes_inventory(product.listing_state) {
                continue;
            }
            let state = product.listing_state.as_str();
            findings.push(
                Finding::new(
                    "product_not_available",
                    Severity::Warning,
                    format!(
                        "LeafLink product {} is {state}; Flourish inventory will not sync to it",
                        product.sku.trim()
                    ),
                )
                .with([product_ref(product), item_ref(item)])
                .fix(
                    Side::Leaflink,
                    format!(
                        "set product {} to Available (or Backorder) if it should sell",
                        product.id
                    ),
                ),
            );
        }
    }
    findings
}

fn invalid_case(product: &ll::Product) -> Option<Finding> {
    if product.sell_in_unit_of_measure != Some(SellInUnit::Case) {
        return None;
    }
    let unit = product.unit_of_measure;
    let problem = if unit != Some(UnitOfMeasure::Unit) {
        let shown = unit.map_or("none".to_owned(), |u| format!("{u:?}"));
        format!("sells in cases but its unit of measure is {shown}, not Unit")
    } else if product.unit_multiplier < 2 {
        format!(
            "sells in cases of {}, which is not a case",
            product.unit_multiplier
        )
    } else {
        return None;
    };
    Some(
        Finding::new("case_product_invalid", Severity::Error, format!("LeafLink product {} {problem}", product.sku.trim()))
            .with([product_ref(product)])
            .fix(Side::Leaflink, format!("on product {}, set the unit of measure to Unit and the units per case to 2 or more, or stop selling in cases", product.id)),
    )
}

/// Listing states of the products sharing an active item's SKU, with counts.
pub fn state_counts(cx: &Context<'_>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for item in &cx.active_items {
        for product in cx.products_with(&SkuKey::new(&item.sku)) {
            *counts
                .entry(product.listing_state.as_str().to_owned())
                .or_insert(0) += 1;
        }
    }
    counts
}
