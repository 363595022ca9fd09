//! Items ↔ products by SKU: missing on either side, near-misses, commas and duplicates.

use std::collections::{BTreeMap, HashSet};

use super::Context;
use crate::flourish::model as fl;
use crate::leaflink::model as ll;
use crate::matcher::{Lookup, SkuKey};
use crate::preflight::finding::{Finding, RecordRef, Severity, Side};

/// All SKU findings.
pub fn check(cx: &Context<'_>) -> Vec<Finding> {
    let near = near_misses(cx);
    let paired_items: HashSet<&str> = near.iter().map(|(i, _)| i.id.as_str()).collect();
    let paired_products: HashSet<i64> = near.iter().map(|(_, p)| p.id).collect();
    let mut findings = Vec::new();
    for item in &cx.active_items {
        if cx.products_with(&SkuKey::new(&item.sku)).is_empty()
            && !paired_items.contains(item.id.as_str())
        {
            findings.push(item_missing(cx, item));
        }
    }
    for product in &cx.listed_products {
        let missing = matches!(cx.items.find(&SkuKey::new(&product.sku)), Lookup::Missing);
        if missing && !paired_products.contains(&product.id) {
            findings.push(product_missing(product));
        }
    }
    findings.extend(near.iter().map(|(item, product)| near_miss(item, product)));
    findings.extend(commas(cx));
    findings.extend(duplicates(cx));
    findings
}

pub fn item_ref(item: &fl::Item) -> RecordRef {
    RecordRef::flourish("item", &item.id, item.sku.trim())
}

pub fn product_ref(product: &ll::Product) -> RecordRef {
    RecordRef::leaflink("product", product.id, product.sku.trim())
}

fn item_missing(cx: &Context<'_>, item: &fl::Item) -> Finding {
    let sku = item.sku.trim();
    let brand = item.brand.as_deref().unwrap_or("").trim();
    let blocked = matches!(cx.catalog.brand(brand), Lookup::Missing);
    let outcome = if blocked {
        format!("the first sync would create it once brand {brand:?} exists in LeafLink")
    } else {
        "the first sync creates it".to_owned()
    };
    Finding::new(
        "item_missing_in_leaflink",
        Severity::Info,
        format!("E-commerce item {sku} has no LeafLink product; {outcome}"),
    )
    .with([item_ref(item)])
    .fix(Side::Flourish, format!("nothing, if {sku} should be listed on LeafLink; otherwise turn off E-commerce Active on the item"))
}

fn product_missing(product: &ll::Product) -> Finding {
    let sku = product.sku.trim();
    Finding::new(
        "product_missing_in_flourish",
        Severity::Warning,
        format!("LeafLink product {sku} is listed but no Flourish item has that SKU; orders for it need attention"),
    )
    .with([product_ref(product)])
    .fix(Side::Leaflink, format!("archive product {} or give a Flourish item the SKU {sku}", product.id))
}

/// A SKU with whitespace, `-` and `_` removed and letters upper-cased: how typos look alike.
fn loose(sku: &str) -> String {
    sku.chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
        .flat_map(char::to_uppercase)
        .collect()
}

/// Active items and listed products without an exact partner whose SKUs are loosely equal.
fn near_misses<'a>(cx: &Context<'a>) -> Vec<(&'a fl::Item, &'a ll::Product)> {
    let mut by_loose: BTreeMap<String, Vec<&ll::Product>> = BTreeMap::new();
    for product in &cx.listed_products {
        if matches!(cx.items.find(&SkuKey::new(&product.sku)), Lookup::Missing) {
            by_loose
                .entry(loose(&product.sku))
                .or_default()
                .push(product);
        }
    }
    let mut pairs = Vec::new();
    for item in &cx.active_items {
        if !cx.products_with(&SkuKey::new(&item.sku)).is_empty() {
            continue;
        }
        for product in by_loose.get(&loose(&item.sku)).into_iter().flatten() {
            pairs.push((*item, *product));
        }
    }
    pairs
}

fn near_miss(item: &fl::Item, product: &ll::Product) -> Finding {
    let (left, right) = (item.sku.trim(), product.sku.trim());
    Finding::new(
        "sku_near_miss",
        Severity::Error,
        format!("Flourish SKU {left} and LeafLink SKU {right} differ only by case, spaces or dashes; they will not match"),
    )
    .with([item_ref(item), product_ref(product)])
    .fix(Side::Leaflink, format!("change the SKU of product {} to {left} (or the item's SKU in Flourish to {right})", product.id))
}

fn commas(cx: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for product in cx.listed_products.iter().filter(|p| p.sku.contains(',')) {
        let sku = SkuKey::new(&product.sku);
        let items = items_with(cx, &sku);
        findings.push(
            Finding::new(
                "sku_contains_comma",
                Severity::Error,
                format!(
                    "LeafLink SKU {} contains a comma, which LeafLink's SKU filter splits on",
                    sku.as_str()
                ),
            )
            .with([product_ref(product)])
            .with(items.into_iter().map(item_ref))
            .fix(
                Side::Flourish,
                format!(
                    "change the SKU {} in both systems to one without a comma",
                    sku.as_str()
                ),
            ),
        );
    }
    findings
}

fn items_with<'a>(cx: &Context<'a>, sku: &SkuKey) -> Vec<&'a fl::Item> {
    cx.snapshot
        .flourish
        .items
        .iter()
        .filter(|i| SkuKey::new(&i.sku) == *sku)
        .collect()
}

fn duplicates(cx: &Context<'_>) -> Vec<Finding> {
    let mut products: BTreeMap<SkuKey, Vec<&ll::Product>> = BTreeMap::new();
    for product in &cx.listed_products {
        products
            .entry(SkuKey::new(&product.sku))
            .or_default()
            .push(product);
    }
    let mut items: BTreeMap<SkuKey, Vec<&fl::Item>> = BTreeMap::new();
    for item in &cx.snapshot.flourish.items {
        items.entry(SkuKey::new(&item.sku)).or_default().push(item);
    }
    let mut findings = Vec::new();
    for (sku, dups) in products
        .iter()
        .filter(|(s, p)| p.len() > 1 && !s.is_empty())
    {
        let partners = items.get(sku).map_or(&[][..], Vec::as_slice);
        findings.push(duplicate(
            sku,
            Side::Leaflink,
            dups.iter().map(|p| product_ref(p)),
            partners.iter().map(|i| item_ref(i)),
        ));
    }
    for (sku, dups) in items.iter().filter(|(s, i)| i.len() > 1 && !s.is_empty()) {
        let partners = products.get(sku).map_or(&[][..], Vec::as_slice);
        findings.push(duplicate(
            sku,
            Side::Flourish,
            dups.iter().map(|i| item_ref(i)),
            partners.iter().map(|p| product_ref(p)),
        ));
    }
    findings
}

fn duplicate(
    sku: &SkuKey,
    side: Side,
    dups: impl ExactSizeIterator<Item = RecordRef>,
    partners: impl Iterator<Item = RecordRef>,
) -> Finding {
    let (count, kind) = (
        dups.len(),
        if side == Side::Leaflink {
            "products"
        } else {
            "items"
        },
    );
    Finding::new(
        "duplicate_sku",
        Severity::Error,
        format!(
            "{count} {} {kind} share the SKU {}; sync cannot tell which one to write",
            side.name(),
            sku.as_str()
        ),
    )
    .with(dups)
    .with(partners)
    .fix(
        side,
        format!(
            "keep one {} record with SKU {} and archive or re-SKU the others",
            side.name(),
            sku.as_str()
        ),
    )
}
