//! Brands, product lines and categories that active items need in LeafLink.

use std::collections::BTreeMap;

use super::Context;
use super::skus::item_ref;
use crate::flourish::model as fl;
use crate::matcher::Lookup;
use crate::matcher::keys::name_key;
use crate::preflight::finding::{Finding, RecordRef, Severity, Side};

/// Catalogue findings.
pub fn check(cx: &Context<'_>) -> Vec<Finding> {
    let mut findings = missing_brands(cx);
    findings.extend(missing_lines(cx));
    findings.extend(unresolved_categories(cx));
    findings
}

fn text(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(name_key).filter(|s| !s.is_empty())
}

/// Active items grouped by a name they carry.
fn group_by<'a>(
    cx: &Context<'a>,
    field: impl Fn(&'a fl::Item) -> Option<&'a str>,
) -> BTreeMap<&'a str, Vec<&'a fl::Item>> {
    let mut groups: BTreeMap<&str, Vec<&fl::Item>> = BTreeMap::new();
    for item in &cx.active_items {
        if let Some(name) = field(item) {
            groups.entry(name).or_default().push(item);
        }
    }
    groups
}

fn missing_brands(cx: &Context<'_>) -> Vec<Finding> {
    let groups = group_by(cx, |i| text(&i.brand));
    let mut findings = Vec::new();
    for (brand, items) in groups {
        if !matches!(cx.catalog.brand(brand), Lookup::Missing) {
            continue;
        }
        let records = cx
            .snapshot
            .flourish
            .brands
            .iter()
            .filter(|b| name_key(&b.brand_name) == brand);
        findings.push(
            Finding::new(
                "brand_missing_in_leaflink",
                Severity::Error,
                format!("Brand {brand} is used by {} e-commerce item(s) but does not exist in LeafLink", items.len()),
            )
            .with(records.map(|b| RecordRef::flourish("brand", &b.id, b.brand_name.trim())))
            .with(items.iter().map(|i| item_ref(i)))
            .fix(Side::Leaflink, format!("create the brand {brand} in LeafLink (brands cannot be created through the API)")),
        );
    }
    findings
}

fn missing_lines(cx: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for item in &cx.active_items {
        let (Some(brand), Some(line)) = (text(&item.brand), text(&item.product_line)) else {
            continue;
        };
        let brand_ids = match cx.catalog.brand(brand) {
            Lookup::Missing => continue,
            Lookup::One(id) => vec![id],
            Lookup::Many(ids) => ids,
        };
        if brand_ids
            .iter()
            .all(|id| matches!(cx.catalog.product_line(*id, line), Lookup::Missing))
        {
            findings.push(
                Finding::new(
                    "product_line_missing_in_leaflink",
                    Severity::Error,
                    format!("Item {} uses product line {line}, which brand {brand} does not have in LeafLink", item.sku.trim()),
                )
                .with([item_ref(item)])
                .fix(Side::Leaflink, format!("add the product line {line} to brand {brand} in LeafLink, or change the item's product line in Flourish")),
            );
        }
    }
    findings
}

fn unresolved_categories(cx: &Context<'_>) -> Vec<Finding> {
    let groups = group_by(cx, |i| text(&i.custom_category));
    let mut findings = Vec::new();
    for (category, items) in groups {
        let target = cx.settings.category_map.leaflink_name(category);
        if !matches!(cx.catalog.category(target), Lookup::Missing) {
            continue;
        }
        let why = if target == category {
            "has no category mapping and no LeafLink category of that name".to_owned()
        } else {
            format!("is mapped to {target}, which is not a LeafLink category")
        };
        findings.push(
            Finding::new(
                "category_unresolved",
                Severity::Error,
                format!("Custom category {category} {why}"),
            )
            .with(items.iter().map(|i| item_ref(i)))
            .fix(
                Side::Leafbridge,
                format!("map {category} to a LeafLink category in the category map setting"),
            ),
        );
    }
    findings
}
