//! Brands, product lines, categories, sub-categories and the license that active items need in
//! LeafLink.

use std::collections::BTreeMap;

use super::Context;
use super::skus::item_ref;
use crate::flourish::model as fl;
use crate::matcher::keys::name_key;
use crate::matcher::{Lookup, SkuKey};
use crate::preflight::finding::{Finding, RecordRef, Severity, Side};
use crate::sync::items::listing::{resolve_license, resolve_subcategory};

/// Catalogue findings.
pub fn check(cx: &Context<'_>) -> Vec<Finding> {
    let mut findings = missing_brands(cx);
    findings.extend(missing_lines(cx));
    findings.extend(unresolved_categories(cx));
    findings.extend(unresolved_subcategories(cx));
    findings.extend(unresolved_license(cx));
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
    if !cx.settings.product_lines_managed {
        return findings;
    }
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

/// Custom categories whose LeafLink category resolves but no sub-category does: a new item of
/// that category cannot be created in LeafLink.
fn unresolved_subcategories(cx: &Context<'_>) -> Vec<Finding> {
    let groups = group_by(cx, |i| text(&i.custom_category));
    let categories = &cx.snapshot.leaflink.categories;
    let mut findings = Vec::new();
    for (custom, items) in groups {
        let target = cx.settings.category_map.leaflink_name(custom);
        let Lookup::One(id) = cx.catalog.category(target) else {
            continue;
        };
        let Some(category) = categories.iter().find(|c| c.id == id) else {
            continue;
        };
        let resolved = resolve_subcategory(
            &cx.snapshot.leaflink.subcategories,
            category,
            Some(custom),
            &cx.settings.subcategory_map,
        );
        if let Err(unresolved) = resolved {
            findings.push(
                Finding::new(
                    "subcategory_unresolved",
                    Severity::Warning,
                    capitalised(&unresolved.problem),
                )
                .with(items.iter().map(|i| item_ref(i)))
                .fix(Side::Leafbridge, unresolved.fix),
            );
        }
    }
    findings
}

/// No license to list new products under (none, or several and no setting naming one), when
/// the first sync has products to create.
fn unresolved_license(cx: &Context<'_>) -> Option<Finding> {
    let creates = cx
        .active_items
        .iter()
        .any(|i| !cx.products_by_sku.contains_key(&SkuKey::new(&i.sku)));
    if !creates {
        return None;
    }
    let licenses = &cx.snapshot.leaflink.licenses;
    let unresolved = resolve_license(licenses, cx.settings.leaflink_license.as_deref()).err()?;
    Some(
        Finding::new(
            "product_license_unresolved",
            Severity::Error,
            format!(
                "No LeafLink license for new products: {}",
                unresolved.problem
            ),
        )
        .with(
            licenses
                .iter()
                .map(|l| RecordRef::leaflink("license", l.id, l.number.trim())),
        )
        .fix(Side::Leafbridge, unresolved.fix),
    )
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
