//! Speed of the preflight checks once both platforms are read: 50,000 Flourish items and
//! LeafLink products and 10,000 customers and destinations, generated in memory with a sprinkle
//! of every kind of problem. The target is well under one second per run.
//!
//! Run with `cargo bench --bench preflight`; it prints figures rather than asserting on them.

use std::hint::black_box;
use std::time::{Duration, Instant};

use leafbridge::flourish::model as fl;
use leafbridge::leaflink::model as ll;
use leafbridge::preflight::snapshot::{FlourishData, LeafLinkData, StockRow};
use leafbridge::preflight::{CheckSettings, Report, Snapshot};

const ITEMS: usize = 50_000;
const CUSTOMERS: usize = 10_000;
const BRANDS: usize = 40;
const STRAINS: usize = 800;
const STAFF: usize = 60;
const RUNS: usize = 7;

fn sku(i: usize) -> String {
    format!("SKU-{i:06}")
}

fn item(i: usize) -> fl::Item {
    fl::Item {
        id: (100_000 + i).to_string(),
        item_name: format!("Product {i}"),
        // Every 500th item is a near-miss typo of its product's SKU.
        sku: if i % 500 == 7 {
            sku(i).to_lowercase()
        } else {
            sku(i)
        },
        brand: Some(format!("Brand {}", i % (BRANDS + 1))),
        ecommerce_active: !i.is_multiple_of(20),
        strain_name: (i % 300 != 5).then(|| format!("STRAIN {}", i % (STRAINS + 10))),
        strain_required: true,
        product_line: Some(if i % 700 == 3 {
            "Missing Line".into()
        } else {
            "Line".into()
        }),
        custom_category: Some(if i % 900 == 4 {
            "Odd".into()
        } else {
            "Flower".into()
        }),
        ..fl::Item::default()
    }
}

fn product(i: usize) -> ll::Product {
    let state = match i % 250 {
        1 => ll::ListingState::Unavailable,
        2 => ll::ListingState::Archived,
        _ => ll::ListingState::Available,
    };
    let case = i.is_multiple_of(10);
    ll::Product {
        id: i as i64 + 1,
        sku: if i % 1_000 == 9 {
            format!("{},X", sku(i))
        } else {
            sku(i)
        },
        name: format!("Product {i}"),
        description: String::new(),
        listing_state: state,
        brand: Some((i % BRANDS) as i64),
        product_line: Some(1_000 + (i % BRANDS) as i64),
        category: Some(1),
        sub_category: None,
        license: None,
        strains: vec![],
        unit_of_measure: Some(if i.is_multiple_of(600) {
            ll::UnitOfMeasure::Gram
        } else {
            ll::UnitOfMeasure::Unit
        }),
        sell_in_unit_of_measure: case.then_some(ll::SellInUnit::Case),
        unit_multiplier: if case { 10 } else { 1 },
        quantity: ll::Decimal::default(),
        reserved_qty: ll::Decimal::default(),
        available_inventory: ll::Decimal::default(),
        wholesale_price: None,
        retail_price: None,
        external_ids: None,
        modified: None,
        parent: None,
    }
}

fn license(i: usize) -> String {
    format!("C10-{i:07}-LIC")
}

fn leaflink() -> LeafLinkData {
    // Items 0..ITEMS have products for all but every 100th, 500 products have no item, and
    // every 2,000th SKU is listed twice.
    let mut products: Vec<ll::Product> = (0..ITEMS)
        .filter(|i| i % 100 != 50)
        .chain(ITEMS..ITEMS + 500)
        .map(product)
        .collect();
    products.extend((0..ITEMS).step_by(2_000).map(|i| ll::Product {
        id: 900_000 + i as i64,
        ..product(i)
    }));
    LeafLinkData {
        brands: (0..BRANDS)
            .map(|i| ll::Brand {
                id: i as i64,
                name: format!("Brand {i}"),
                company: None,
            })
            .collect(),
        product_lines: (0..BRANDS)
            .map(|i| ll::ProductLine {
                id: 1_000 + i as i64,
                name: "Line".into(),
                brand: i as i64,
            })
            .collect(),
        categories: vec![ll::Category {
            id: 1,
            name: "Flower".into(),
            slug: "flower".into(),
        }],
        strains: (0..STRAINS)
            .map(|i| ll::Strain {
                id: i as i64,
                name: format!("strain {i}"),
                strain_classification: None,
                company: None,
            })
            .collect(),
        staff: (0..STAFF)
            .map(|i| ll::CompanyStaff {
                id: i as i64,
                email: Some(format!("rep{i}@x.example")),
                is_active: true,
                ..Default::default()
            })
            .collect(),
        customers: (0..CUSTOMERS)
            .map(|i| ll::Customer {
                id: i as i64,
                name: format!("Customer {i}"),
                license_number: (i % 400 != 1).then(|| {
                    if i % 450 == 2 {
                        license(i).replace('-', "- ")
                    } else {
                        license(i / 2 * 2 + usize::from(i % 1_000 != 0) * (i % 2))
                    }
                }),
                managers: vec![(i % (STAFF + 5)) as i64],
                ..Default::default()
            })
            .collect(),
        products,
        batches: (0..5_000)
            .map(|i| ll::Batch {
                id: i as i64,
                production_batch_number: format!("LOT-{i}"),
                batch_date: None,
                owner: None,
            })
            .collect(),
        orders: Vec::new(),
        licenses: Vec::new(),
        subcategories: Vec::new(),
    }
}

fn flourish() -> FlourishData {
    FlourishData {
        facilities: vec![fl::Facility {
            id: "f1".into(),
            facility_name: "One".into(),
            ..Default::default()
        }],
        sales_reps: (0..STAFF - 3)
            .map(|i| fl::SalesRep {
                sales_rep_id: i.to_string(),
                email: Some(format!("REP{i}@x.example")),
                facility_id: (i % 25 != 0).then(|| "f1".into()),
                ..Default::default()
            })
            .collect(),
        items: (0..ITEMS).map(item).collect(),
        destinations: (0..CUSTOMERS - 500)
            .map(|i| fl::Destination {
                id: format!("d{i}"),
                fields: fl::DestinationFields {
                    name: format!("Customer {i}"),
                    license_number: license(i),
                    ..Default::default()
                },
                last_updated_timestamp: None,
            })
            .collect(),
        brands: (0..=BRANDS)
            .map(|i| fl::Brand {
                id: i.to_string(),
                brand_name: format!("Brand {i}"),
            })
            .collect(),
        strains: Vec::new(),
        payment_terms: Vec::new(),
        inventory: (0..ITEMS)
            .map(|i| StockRow {
                facility_id: "f1".into(),
                row: fl::InventoryRow {
                    item_id: i.to_string(),
                    sku: sku(i),
                    sellable_qty: 5.0,
                    lot_number: Some(format!("LOT-{}", i % 4_900)),
                },
            })
            .collect(),
    }
}

fn main() {
    let snapshot = Snapshot {
        leaflink: leaflink(),
        flourish: flourish(),
    };
    let settings = CheckSettings::default();
    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut report = Report::default();
    for _ in 0..RUNS {
        let started = Instant::now();
        report = black_box(Report::from_snapshot(black_box(&snapshot), &settings));
        times.push(started.elapsed());
    }
    times.sort();
    let s = &report.summary;
    println!(
        "preflight checks over {} items, {} products, {} customers, {} destinations:",
        snapshot.flourish.items.len(),
        snapshot.leaflink.products.len(),
        snapshot.leaflink.customers.len(),
        snapshot.flourish.destinations.len()
    );
    println!(
        "  {} errors, {} warnings, {} info, {} notes",
        s.errors,
        s.warnings,
        s.infos,
        report.notes.len()
    );
    println!(
        "  best {:.1} ms, median {:.1} ms, worst {:.1} ms over {RUNS} runs (target < 1000 ms)",
        ms(times[0]),
        ms(times[RUNS / 2]),
        ms(times[RUNS - 1])
    );
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1_000.0
}
