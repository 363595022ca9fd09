//! Throughput of the pure matcher: index 50,000 LeafLink products, then plan 50,000 Flourish
//! items (a mix of in-sync, renamed, unlinked and new ones) and their inventory.
//! Half the items are linked, a quarter are found by SKU, a quarter are new.
//!
//! Run with `cargo bench --bench matcher`; it prints figures rather than asserting on them.

use std::hint::black_box;
use std::time::{Duration, Instant};

use leafbridge::matcher::catalog::{Named, ProductLine};
use leafbridge::matcher::inventory::InventoryRow;
use leafbridge::matcher::records::{Item, ListingState, Product, Strain};
use leafbridge::matcher::{
    Catalog, CategoryMap, FeedingFacilities, InventoryTotals, ItemContext, LinkSet, ProductIndex,
    StrainIndex, StrainMatching, plan_inventory, plan_item,
};
use rust_decimal::Decimal;

const COUNT: usize = 50_000;
const BRANDS: usize = 50;
const STRAINS: usize = 1_000;

fn sku(i: usize) -> String {
    format!("SKU-{i:06}")
}

fn item(i: usize) -> Item {
    Item {
        id: i.to_string(),
        name: format!("Product {i}"),
        description: None,
        sku: sku(i),
        brand: Some(format!("Brand {}", i % BRANDS)),
        ecommerce_active: true,
        // Every tenth item names a strain LeafLink does not have yet, in capitals.
        strain_name: Some(format!("STRAIN {}", i % (STRAINS + STRAINS / 10))),
        strain_required: true,
        product_line: Some("Line".into()),
        custom_category: Some("Pre-Roll".into()),
        item_category: None,
    }
}

/// Products for the first three quarters of the items (the second quarter with stale names),
/// then unrelated products up to `COUNT`.
fn product(i: usize) -> Product {
    let name = if i % 4 == 1 {
        format!("Old {i}")
    } else {
        format!("Product {i}")
    };
    Product {
        id: i as i64 + 1,
        sku: sku(i),
        name,
        description: format!("Product {i}"),
        listing_state: ListingState::Available,
        brand: Some((i % BRANDS) as i64),
        product_line: Some((i % BRANDS) as i64 + 1_000),
        category: Some(1),
        strains: vec![(i % (STRAINS + STRAINS / 10)) as i64],
        quantity: Some(Decimal::from(i % 7)),
    }
}

fn per_item(total: Duration) -> f64 {
    total.as_nanos() as f64 / COUNT as f64
}

fn main() {
    let items: Vec<Item> = (0..COUNT).map(item).collect();
    let products: Vec<Product> = (0..COUNT)
        .filter(|i| i % 4 != 3)
        .chain(COUNT..COUNT + COUNT / 4)
        .map(product)
        .collect();
    let strains: Vec<Strain> = (0..STRAINS)
        .map(|i| Strain {
            id: i as i64,
            name: format!("strain {i}"),
        })
        .collect();
    let brands: Vec<Named> = (0..BRANDS)
        .map(|i| Named {
            id: i as i64,
            name: format!("Brand {i}"),
        })
        .collect();
    let lines: Vec<ProductLine> = (0..BRANDS)
        .map(|i| ProductLine {
            id: i as i64 + 1_000,
            name: "Line".into(),
            brand: i as i64,
        })
        .collect();
    let rows: Vec<InventoryRow> = (0..COUNT * 2)
        .map(|i| InventoryRow {
            facility_id: format!("fac-{}", i % 2),
            sku: sku(i / 2),
            sellable_qty: Decimal::from(i % 5),
        })
        .collect();

    let started = Instant::now();
    let product_index = ProductIndex::new(products);
    let strain_index = StrainIndex::new(&strains, StrainMatching::CaseInsensitive);
    let catalog = Catalog::new(
        &brands,
        &lines,
        &[Named {
            id: 1,
            name: "Pre-Rolls".into(),
        }],
    );
    let categories = CategoryMap::new([("Pre-Roll", "Pre-Rolls")]);
    let mut links = LinkSet::new(StrainMatching::CaseInsensitive);
    for i in (0..COUNT).filter(|i| i % 4 < 2) {
        links.link_product(&sku(i), i as i64 + 1);
    }
    let totals = InventoryTotals::new(&rows, &FeedingFacilities::All);
    let build = started.elapsed();

    let ctx = ItemContext {
        products: &product_index,
        catalog: &catalog,
        strains: &strain_index,
        categories: &categories,
        links: &links,
    };
    let started = Instant::now();
    let (mut planned, mut unchanged) = (0usize, 0usize);
    for item in &items {
        match black_box(plan_item(black_box(item), &ctx)) {
            Ok(_) => planned += 1,
            Err(_) => unchanged += 1,
        }
    }
    let items_time = started.elapsed();

    let started = Instant::now();
    let mut quantity_writes = 0usize;
    for i in 0..COUNT {
        if black_box(plan_inventory(&sku(i), &totals, &product_index, &links)).is_ok() {
            quantity_writes += 1;
        }
    }
    let inventory_time = started.elapsed();

    println!("matcher bench: {COUNT} items, {COUNT} products");
    println!(
        "  build indexes (products, strains, catalog, links, {} inventory rows): {:.2} ms",
        rows.len(),
        build.as_secs_f64() * 1e3
    );
    println!(
        "  plan_item x {COUNT}: {:.2} ms total, {:.0} ns/item ({planned} plans, {unchanged} outcomes)",
        items_time.as_secs_f64() * 1e3,
        per_item(items_time)
    );
    println!(
        "  plan_inventory x {COUNT}: {:.2} ms total, {:.0} ns/sku ({quantity_writes} writes)",
        inventory_time.as_secs_f64() * 1e3,
        per_item(inventory_time)
    );
    let total = build + items_time + inventory_time;
    println!("  total: {:.2} ms", total.as_secs_f64() * 1e3);
}
