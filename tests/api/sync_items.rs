//! Flow B end to end: Flourish items become LeafLink products through both simulators, and
//! LeafLink product events only ever record links.

use std::time::Duration;

use leafbridge::sim::common::{DeliveryQuirks, LoggedRequest};
use serde_json::{Value, json};

use crate::world::{World, spawn_world};

/// The writes (POST, PUT, PATCH, DELETE) in a simulator's request log.
pub fn writes(log: Vec<LoggedRequest>) -> Vec<LoggedRequest> {
    log.into_iter().filter(|r| r.method != "GET").collect()
}

/// Writes on both platforms since the logs were last cleared.
pub fn all_writes(world: &World) -> Vec<LoggedRequest> {
    let mut all = writes(world.leaflink.control().requests());
    all.extend(writes(world.flourish.control().requests()));
    all
}

pub fn clear_logs(world: &World) {
    world.leaflink.control().clear_requests();
    world.flourish.control().clear_requests();
}

/// Settles, then also runs the jobs waiting out a backoff, until nothing moves.
pub async fn settle_through_retries(world: &World) {
    for _ in 0..30 {
        world.settle().await;
        if world.app.drain(Duration::from_secs(86_400)).await == 0 {
            world.settle().await;
            return;
        }
    }
    panic!("jobs kept failing");
}

/// A Flourish webhook for one record, as a poller or an operator's resync would send it.
pub async fn trigger(world: &World, resource_type: &str, data: Value) {
    let body = json!({"resource_type": resource_type, "data": data});
    let status = world.app.post_flourish(&body).await.status();
    assert!(status.is_success(), "trigger refused: {status}");
}

/// The newest recorded event for an entity key.
pub async fn latest(world: &World, entity_key: &str) -> Value {
    let events = world.events(&format!("entity_key={entity_key}")).await;
    events
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no event for {entity_key}"))
}

/// The full event, with its detail (plan, writes, fix).
pub async fn detail(world: &World, event: &Value) -> Value {
    let path = format!("/api/v1/events/{}", event["id"].as_str().unwrap());
    world.app.admin_get(&path).await.json().await.unwrap()
}

/// LeafLink products with this SKU.
pub fn products_with_sku(world: &World, sku: &str) -> Vec<Value> {
    let dump = world.leaflink.dump();
    let products = dump["products"].as_array().unwrap();
    products
        .iter()
        .filter(|p| p["sku"] == sku)
        .cloned()
        .collect()
}

fn posts_to(log: &[LoggedRequest], path: &str) -> usize {
    log.iter()
        .filter(|r| r.method == "POST" && r.path == path)
        .count()
}

/// A new e-commerce flower item of Canyon Farms.
fn new_item(id: &str, sku: &str, strain: &str) -> Value {
    json!({
        "id": id, "item_name": format!("{strain} 7g"), "item_description": "A new jar.",
        "sku": sku, "brand": "Canyon Farms", "ecommerce_active": true, "uom": "Each",
        "price": 45.5, "item_category": "Flower", "strain_name": strain, "strain_required": true,
        "product_line": "House Flower", "custom_category": "Flower",
    })
}

#[tokio::test]
async fn og_kush_item_joins_the_existing_lowercase_leaflink_strain() {
    let world = spawn_world().await;
    world
        .flourish
        .upsert_item(&new_item("901", "CF-FL-OGK-7", "OG KUSH"))
        .unwrap();
    world.settle().await;

    let created = products_with_sku(&world, "CF-FL-OGK-7");
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["strains"], json!([18201]), "og kush is 18201");
    let log = world.leaflink.control().requests();
    assert_eq!(posts_to(&log, "/api/v2/strains/"), 0, "no new strain");
    assert_eq!(
        latest(&world, "flourish.item:901").await["outcome"],
        "synced"
    );
}

#[tokio::test]
async fn a_missing_strain_is_created_once_and_shared_by_later_items() {
    let world = spawn_world().await;
    for (id, sku) in [("902", "CF-FL-MH-7"), ("903", "CF-FL-MH-14")] {
        world
            .flourish
            .upsert_item(&new_item(id, sku, "Mango Haze"))
            .unwrap();
    }
    world.settle().await;
    trigger(&world, "item", json!({"id": "902", "resync": 1})).await;
    world.settle().await;

    let log = world.leaflink.control().requests();
    assert_eq!(posts_to(&log, "/api/v2/strains/"), 1);
    let dump = world.leaflink.dump();
    let strain = dump["strains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Mango Haze")
        .expect("the strain was created")
        .clone();
    for sku in ["CF-FL-MH-7", "CF-FL-MH-14"] {
        let products = products_with_sku(&world, sku);
        assert_eq!(products.len(), 1, "{sku}");
        assert_eq!(products[0]["strains"], json!([strain["id"]]), "{sku}");
    }
}

#[tokio::test]
async fn an_edited_item_updates_its_product_without_touching_the_listing_state() {
    let world = spawn_world().await;
    world
        .flourish
        .update_item("157", &json!({"item_name": "Wedding Cake 3.5g Jar"}))
        .unwrap();
    world.settle().await;

    let product = &products_with_sku(&world, "CF-FL-WC-35")[0];
    assert_eq!(product["name"], "Wedding Cake 3.5g Jar");
    assert_eq!(product["listing_state"], "Unavailable", "left as it was");
    let patches: Vec<_> = writes(world.leaflink.control().requests());
    assert_eq!(patches.len(), 1, "{patches:?}");
    assert_eq!(patches[0].method, "PATCH");
    assert_eq!(patches[0].path, "/api/v2/products/5106/");
    assert_eq!(patches[0].body, json!({"name": "Wedding Cake 3.5g Jar"}));
    let event = latest(&world, "flourish.item:157").await;
    assert_eq!(event["outcome"], "synced");
}

#[tokio::test]
async fn a_new_ecommerce_item_is_created_available_once_despite_duplicates_and_resyncs() {
    let world = spawn_world().await;
    world.flourish.outbox().set_quirks(DeliveryQuirks {
        duplicate_next: 1,
        ..DeliveryQuirks::default()
    });
    world
        .flourish
        .update_item("160", &json!({"price": 25.0}))
        .unwrap();
    world.settle().await;
    for nonce in 0..2 {
        trigger(&world, "item", json!({"id": "160", "resync": nonce})).await;
        trigger(
            &world,
            "item",
            json!({"sku": "CF-FL-PP-35", "resync": nonce}),
        )
        .await;
    }
    world.settle().await;

    let created = products_with_sku(&world, "CF-FL-PP-35");
    assert_eq!(created.len(), 1, "exactly one product");
    let product = &created[0];
    assert_eq!(product["listing_state"], "Available");
    assert_eq!(product["brand"], 2311);
    assert_eq!(product["product_line"], 5601, "Reserve Flower");
    assert_eq!(product["category"], 1, "Flower");
    assert_eq!(product["strains"], json!([18210]), "Purple Punch");
    assert_eq!(product["wholesale_price"]["amount"], "25.00");
    let log = world.leaflink.control().requests();
    assert_eq!(posts_to(&log, "/api/v2/products/"), 1);
    let outcome = latest(&world, "flourish.item:160").await["outcome"].clone();
    assert_eq!(outcome, "unchanged", "the resync found it in step");
}

#[tokio::test]
async fn a_brand_missing_in_leaflink_needs_attention_naming_the_brand_and_the_fix() {
    let world = spawn_world().await;
    trigger(&world, "item", json!({"id": "198"})).await;
    world.settle().await;

    let event = latest(&world, "flourish.item:198").await;
    assert_eq!(event["outcome"], "needs_attention");
    let reason = event["reason"].as_str().unwrap();
    assert!(reason.contains("Arroyo Reserve"), "{reason}");
    let fix = &detail(&world, &event).await["detail"]["fix"];
    assert_eq!(fix["system"], "LeafLink");
    assert_eq!(fix["action"], "create brand `Arroyo Reserve` in LeafLink");
    assert!(all_writes(&world).is_empty());
}

#[tokio::test]
async fn a_sku_on_two_leaflink_products_needs_attention_and_nothing_is_written() {
    let world = spawn_world().await;
    trigger(&world, "item", json!({"id": "172"})).await;
    world.settle().await;

    let event = latest(&world, "flourish.item:172").await;
    assert_eq!(event["outcome"], "needs_attention");
    let reason = event["reason"].as_str().unwrap();
    assert!(
        reason.contains("5118") && reason.contains("5198"),
        "{reason}"
    );
    assert!(all_writes(&world).is_empty());
}

#[tokio::test]
async fn a_strain_specific_item_without_strain_needs_attention() {
    let world = spawn_world().await;
    trigger(&world, "item", json!({"id": "192"})).await;
    world.settle().await;

    let event = latest(&world, "flourish.item:192").await;
    assert_eq!(event["outcome"], "needs_attention");
    assert_eq!(event["reason"], "strain-specific item has no strain");
    assert!(all_writes(&world).is_empty());
}

#[tokio::test]
async fn an_item_taken_off_ecommerce_is_ignored_and_its_product_left_as_it_is() {
    let world = spawn_world().await;
    world
        .flourish
        .update_item(
            "151",
            &json!({"ecommerce_active": false, "item_name": "Gone"}),
        )
        .unwrap();
    world.settle().await;

    let event = latest(&world, "flourish.item:151").await;
    assert_eq!(event["outcome"], "ignored");
    assert!(all_writes(&world).is_empty());
    let product = &products_with_sku(&world, "OGK-PR-1G")[0];
    assert_eq!(product["listing_state"], "Available");
    assert_eq!(product["name"], "OG Kush Pre-Roll 1g");
}

/// Every seed item, as a resync would enqueue them.
async fn resync_every_item(world: &World, nonce: u32) {
    let dump = world.flourish.dump();
    for item in dump["items"].as_array().unwrap() {
        trigger(world, "item", json!({"id": item["id"], "resync": nonce})).await;
    }
    world.settle().await;
}

#[tokio::test]
async fn a_resync_of_items_already_in_sync_makes_no_write() {
    let world = spawn_world().await;
    resync_every_item(&world, 0).await;
    // The first pass creates only the items that have no product with their exact SKU.
    let first = writes(world.leaflink.control().requests());
    let mut created: Vec<String> = first
        .iter()
        .map(|r| {
            assert_eq!(
                (r.method.as_str(), r.path.as_str()),
                ("POST", "/api/v2/products/")
            );
            r.body["sku"].as_str().unwrap().to_owned()
        })
        .collect();
    created.sort();
    assert_eq!(
        created,
        ["CF-FL-PP-35", "MK-CHOC-MINT-100", "SE-CART-GDP-1G"]
    );

    clear_logs(&world);
    resync_every_item(&world, 1).await;
    assert!(all_writes(&world).is_empty(), "{:?}", all_writes(&world));
    let events = world.events("kind=item").await;
    let second: Vec<&Value> = events.iter().take(49).collect();
    assert!(
        second.iter().all(|e| e["outcome"] != "synced"),
        "{second:?}"
    );
    assert_eq!(world.app.queue().await.pending, 0);
}

#[tokio::test]
async fn leaflink_failing_then_recovering_ends_with_one_product() {
    let world = spawn_world().await;
    world.leaflink.control().fail_next(6, 503);
    trigger(&world, "item", json!({"id": "160"})).await;
    settle_through_retries(&world).await;

    assert_eq!(products_with_sku(&world, "CF-FL-PP-35").len(), 1);
    let event = latest(&world, "flourish.item:160").await;
    assert_eq!(event["outcome"], "synced");
    let attempts = detail(&world, &event).await["attempts"]
        .as_array()
        .unwrap()
        .len();
    assert!(attempts > 1, "the outage made the first attempt fail");
    assert_eq!(world.app.queue().await.pending, 0);
}

#[tokio::test]
async fn a_429_storm_ends_with_one_product_and_the_same_state() {
    let world = spawn_world().await;
    world.leaflink.control().rate_limit_next(12, 0);
    world.flourish.control().rate_limit_next(6, 0);
    trigger(&world, "item", json!({"id": "160"})).await;
    world
        .flourish
        .update_item("157", &json!({"item_name": "Wedding Cake Jar"}))
        .unwrap();
    settle_through_retries(&world).await;

    assert_eq!(products_with_sku(&world, "CF-FL-PP-35").len(), 1);
    let edited = &products_with_sku(&world, "CF-FL-WC-35")[0];
    assert_eq!(edited["name"], "Wedding Cake Jar");
    assert_eq!(edited["listing_state"], "Unavailable");
    assert_eq!(world.app.queue().await.pending, 0);
}

#[tokio::test]
async fn leaflink_product_events_only_link_and_never_write() {
    let world = spawn_world().await;
    world
        .leaflink
        .update_product(
            5101,
            &json!({"description": "Indoor OG Kush, hand-trimmed."}),
        )
        .unwrap();
    world.settle().await;
    let event = latest(&world, "leaflink.product:5101").await;
    assert_eq!(event["outcome"], "synced");
    assert!(event["reason"].as_str().unwrap().starts_with("linked"));
    clear_logs(&world);
    world
        .leaflink
        .update_product(5101, &json!({"description": "Indoor OG Kush."}))
        .unwrap();
    world.settle().await;
    let again = latest(&world, "leaflink.product:5101").await;
    assert_eq!(again["outcome"], "unchanged");
    let leaflink_writes = writes(world.leaflink.control().requests());
    assert!(leaflink_writes.is_empty(), "{leaflink_writes:?}");
    assert!(writes(world.flourish.control().requests()).is_empty());
}
