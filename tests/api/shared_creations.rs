//! Jobs for different entities that want the same new thing on the other platform — the
//! destination of one licence, the product of one SKU, one strain — create it once, even with
//! several workers and a slow platform (a claim in the store serialises the creation).

use std::time::Duration;

use leafbridge::sim::common::LoggedRequest;
use serde_json::{Value, json};

use crate::sync_orders_support::{
    REDWOOD_LICENSE, destinations_with, flourish_orders, one_case_of_ten, place,
    settle_with_retries,
};
use crate::world::{World, spawn_world};

/// Delivers the simulators' pending webhooks, then runs the queue with `workers` workers at
/// once until it is empty.
async fn run_concurrently(world: &World, workers: usize) {
    world.leaflink.outbox().flush().await;
    world.flourish.outbox().flush().await;
    let now = leafbridge::store::now_ms();
    let runs = (0..workers).map(|_| world.app.worker.run_pending(now));
    for ran in futures::future::join_all(runs).await {
        ran.expect("workers run");
    }
}

fn posts_to(log: &[LoggedRequest], path: &str) -> usize {
    log.iter()
        .filter(|r| r.method == "POST" && r.path == path)
        .count()
}

fn products_with_sku(world: &World, sku: &str) -> Vec<Value> {
    let dump = world.leaflink.dump();
    let products = dump["products"].as_array().unwrap();
    products
        .iter()
        .filter(|p| p["sku"] == sku)
        .cloned()
        .collect()
}

#[tokio::test]
async fn six_first_orders_of_a_new_customer_create_one_destination() {
    let world = spawn_world().await;
    world
        .flourish
        .control()
        .set_latency(Duration::from_millis(50));
    // Redwood Remedies (321) has no destination; its manager routes the orders.
    let numbers: Vec<String> = (0..6)
        .map(|_| place(&world, 321, &[], &[one_case_of_ten()]))
        .collect();
    run_concurrently(&world, 6).await;
    world.flourish.control().set_latency(Duration::ZERO);
    settle_with_retries(&world).await;

    let log = world.flourish.control().requests();
    assert_eq!(posts_to(&log, "/external/api/v1/destinations"), 1);
    assert_eq!(destinations_with(&world, REDWOOD_LICENSE).len(), 1);
    for number in &numbers {
        assert_eq!(flourish_orders(&world, number).len(), 1, "{number}");
    }
}

/// A new e-commerce flower item of Canyon Farms.
fn new_item(id: &str, sku: &str, strain: &str) -> Value {
    json!({
        "id": id, "item_name": format!("{strain} {sku}"), "item_description": "A new jar.",
        "sku": sku, "brand": "Canyon Farms", "ecommerce_active": true, "uom": "Each",
        "price": 45.5, "item_category": "Flower", "strain_name": strain, "strain_required": true,
        "product_line": "House Flower", "custom_category": "Flower",
    })
}

#[tokio::test]
async fn new_items_naming_one_new_strain_create_it_once() {
    let world = spawn_world().await;
    world
        .leaflink
        .control()
        .set_latency(Duration::from_millis(50));
    for (id, sku) in [
        ("911", "CF-FL-GG-7"),
        ("912", "CF-FL-GG-14"),
        ("913", "CF-FL-GG-28"),
    ] {
        world
            .flourish
            .upsert_item(&new_item(id, sku, "Glue Gelato"))
            .unwrap();
    }
    run_concurrently(&world, 3).await;
    world.leaflink.control().set_latency(Duration::ZERO);
    settle_with_retries(&world).await;

    let log = world.leaflink.control().requests();
    assert_eq!(posts_to(&log, "/api/v2/strains/"), 1);
    let dump = world.leaflink.dump();
    let strains: Vec<&Value> = dump["strains"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"] == "Glue Gelato")
        .collect();
    assert_eq!(strains.len(), 1);
    for sku in ["CF-FL-GG-7", "CF-FL-GG-14", "CF-FL-GG-28"] {
        let products = products_with_sku(&world, sku);
        assert_eq!(products.len(), 1, "{sku}");
        assert_eq!(products[0]["strains"], json!([strains[0]["id"]]), "{sku}");
    }
}

#[tokio::test]
async fn one_new_item_announced_by_id_and_by_sku_creates_one_product() {
    let world = spawn_world().await;
    world
        .leaflink
        .control()
        .set_latency(Duration::from_millis(50));
    // The simulator announces the item by id; a poller or operator names it by SKU.
    world
        .flourish
        .upsert_item(&new_item("914", "CF-FL-OGK-28", "OG Kush"))
        .unwrap();
    let by_sku = json!({"resource_type": "item", "data": {"sku": "CF-FL-OGK-28"}});
    assert!(world.app.post_flourish(&by_sku).await.status().is_success());
    run_concurrently(&world, 2).await;
    world.leaflink.control().set_latency(Duration::ZERO);
    settle_with_retries(&world).await;

    assert_eq!(products_with_sku(&world, "CF-FL-OGK-28").len(), 1);
    let log = world.leaflink.control().requests();
    assert_eq!(posts_to(&log, "/api/v2/products/"), 1);
}
