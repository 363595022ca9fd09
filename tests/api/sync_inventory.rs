//! Flow C end to end: Flourish stock counts become LeafLink product quantities.

use leafbridge::sim::common::{DeliveryQuirks, LoggedRequest};
use serde_json::json;

use crate::sync_items::{
    all_writes, clear_logs, latest, products_with_sku, settle_through_retries, trigger, writes,
};
use crate::sync_orders_support::{
    assert_all_processed, leaflink_order, one_case_of_ten, only_flourish_order, outcomes, place,
};
use crate::world::{World, seed_settings, spawn_world, spawn_world_with};

const CULTIVATION: &str = "04bb2a7c";
const MANUFACTURING: &str = "9e31d0f5";

/// The sellable total of `sku` in Flourish now, over `facilities` (all when empty).
fn flourish_total(world: &World, sku: &str, facilities: &[&str]) -> f64 {
    let dump = world.flourish.dump();
    dump["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["sku"] == sku)
        .filter(|row| {
            facilities.is_empty() || facilities.contains(&row["facility_id"].as_str().unwrap())
        })
        .map(|row| row["sellable_qty"].as_f64().unwrap())
        .sum()
}

fn leaflink_quantity(world: &World, sku: &str) -> f64 {
    let product = &products_with_sku(world, sku)[0];
    product["quantity"].as_str().unwrap().parse().unwrap()
}

fn quantity_patches(log: Vec<LoggedRequest>) -> Vec<LoggedRequest> {
    writes(log)
        .into_iter()
        .filter(|r| r.method == "PATCH" && r.body.get("quantity").is_some())
        .collect()
}

#[tokio::test]
async fn stock_over_two_facilities_sums_into_the_leaflink_quantity() {
    let world = spawn_world().await;
    world
        .flourish
        .set_inventory(CULTIVATION, "151", 500.0, Some("CFC-PR-261020-OGK"))
        .unwrap();
    world
        .flourish
        .set_inventory(MANUFACTURING, "151", 130.0, Some("CFM-PR-261024-OGK"))
        .unwrap();
    world.settle().await;

    assert_eq!(flourish_total(&world, "OGK-PR-1G", &[]), 630.0);
    assert_eq!(leaflink_quantity(&world, "OGK-PR-1G"), 630.0);
    let patches = quantity_patches(world.leaflink.control().requests());
    assert_eq!(patches.len(), 1, "{patches:?}");
    assert_eq!(patches[0].path, "/api/v2/products/5150/");
    assert_eq!(patches[0].body, json!({"quantity": "630.0000"}));
    let events = world
        .events("entity_key=flourish.inventory_summary:OGK-PR-1G")
        .await;
    let outcomes: Vec<&str> = events
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["synced", "unchanged"], "newest first");
}

#[tokio::test]
async fn a_burst_for_one_sku_ends_in_one_patch_with_the_newest_sum() {
    let world = spawn_world().await;
    for qty in [470.0, 455.0, 440.0, 431.0, 425.0, 410.0] {
        world
            .flourish
            .set_inventory(CULTIVATION, "OGK-PR-1G", qty, Some("CFC-PR-261020-OGK"))
            .unwrap();
    }
    world.settle().await;

    assert_eq!(leaflink_quantity(&world, "OGK-PR-1G"), 410.0 + 120.0);
    let patches = quantity_patches(world.leaflink.control().requests());
    assert_eq!(patches.len(), 1, "{patches:?}");
    assert_eq!(patches[0].body["quantity"], "530.0000");
    let events = world
        .events("entity_key=flourish.inventory_summary:OGK-PR-1G")
        .await;
    assert_eq!(events.len(), 6);
    let synced = events.iter().filter(|e| e["outcome"] == "synced").count();
    assert_eq!(synced, 1, "one job of the burst wrote");
    assert_eq!(events[0]["outcome"], "synced", "the newest one");
    let stock_reads = world
        .flourish
        .control()
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/inventory/summary"))
        .count();
    assert_eq!(stock_reads, 2, "one read per facility for the whole burst");
}

#[tokio::test]
async fn a_product_not_available_gets_no_quantity() {
    let world = spawn_world().await;
    world
        .flourish
        .set_inventory(CULTIVATION, "157", 55.0, Some("CFC-261102-WC"))
        .unwrap();
    world.settle().await;

    let event = latest(&world, "flourish.inventory_summary:CF-FL-WC-35").await;
    assert_eq!(event["outcome"], "ignored");
    assert!(event["reason"].as_str().unwrap().contains("Unavailable"));
    assert_eq!(leaflink_quantity(&world, "CF-FL-WC-35"), 0.0);
    assert!(all_writes(&world).is_empty());
}

#[tokio::test]
async fn unchanged_stock_makes_no_write() {
    let world = spawn_world().await;
    for (sku, nonce) in [("OGK-PR-1G", 1), ("CF-FL-OGK-35", 2), ("OGK-PR-1G", 3)] {
        trigger(
            &world,
            "inventory_summary",
            json!({"sku": sku, "resync": nonce}),
        )
        .await;
    }
    trigger(&world, "inventory_summary", json!({"item_id": "151"})).await;
    world.settle().await;

    assert!(all_writes(&world).is_empty(), "{:?}", all_writes(&world));
    let by_item = latest(&world, "flourish.inventory_summary:item:151").await;
    assert_eq!(by_item["outcome"], "unchanged");
    let by_sku = latest(&world, "flourish.inventory_summary:CF-FL-OGK-35").await;
    assert_eq!(by_sku["outcome"], "unchanged");
}

#[tokio::test]
async fn only_the_configured_facilities_feed_leaflink() {
    let mut settings = seed_settings();
    settings.feeding_facilities = Some(vec![CULTIVATION.to_owned()]);
    let world = spawn_world_with(settings).await;
    trigger(&world, "inventory_summary", json!({"sku": "OGK-PR-1G"})).await;
    world.settle().await;

    assert_eq!(leaflink_quantity(&world, "OGK-PR-1G"), 480.0);
    let facility_reads: Vec<_> = world
        .flourish
        .control()
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/inventory/summary"))
        .collect();
    assert_eq!(facility_reads.len(), 1, "only the feeding facility is read");
}

#[tokio::test]
async fn failures_and_a_429_storm_end_with_the_newest_quantity() {
    let world = spawn_world().await;
    world.flourish.control().fail_next(5, 503);
    world.leaflink.control().rate_limit_next(9, 0);
    for qty in [300.0, 200.0] {
        world
            .flourish
            .set_inventory(MANUFACTURING, "151", qty, Some("CFM-PR-261024-OGK"))
            .unwrap();
    }
    settle_through_retries(&world).await;

    assert_eq!(leaflink_quantity(&world, "OGK-PR-1G"), 480.0 + 200.0);
    assert_eq!(world.app.queue().await.pending, 0);
    clear_logs(&world);
    trigger(
        &world,
        "inventory_summary",
        json!({"sku": "OGK-PR-1G", "resync": 1}),
    )
    .await;
    world.settle().await;
    assert!(all_writes(&world).is_empty());
}

/// (LeafLink `available_inventory`, Flourish sellable over every facility) of OGK-PR-1G.
fn available_and_sellable(world: &World) -> (f64, f64) {
    let product = &products_with_sku(world, "OGK-PR-1G")[0];
    let available = product["available_inventory"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    (available, flourish_total(world, "OGK-PR-1G", &[]))
}

/// What LeafLink reserves of OGK-PR-1G now.
fn reserved(world: &World) -> f64 {
    let product = &products_with_sku(world, "OGK-PR-1G")[0];
    product["reserved_qty"].as_str().unwrap().parse().unwrap()
}

/// Places and syncs one case of ten of OGK-PR-1G; returns (number, Flourish id).
async fn synced_order(world: &World) -> (String, String) {
    let number = place(world, 311, &[42], &[one_case_of_ten()]);
    world.settle().await;
    let id = only_flourish_order(world, &number)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (number, id)
}

#[tokio::test]
async fn an_order_in_flourish_is_not_subtracted_twice_from_leaflink_stock() {
    let world = spawn_world().await;
    world.settle().await;
    // The seed's Submitted orders are in LeafLink only: LeafLink promised them and Flourish does
    // not know them yet, so they stay subtracted throughout.
    let unknown_to_flourish = reserved(&world);
    let (available, sellable) = available_and_sellable(&world);
    assert_eq!(available, sellable - unknown_to_flourish, "seed");

    let number = place(&world, 311, &[42], &[one_case_of_ten()]);
    let (available, placed) = available_and_sellable(&world);
    assert_eq!(
        available,
        placed - unknown_to_flourish - 10.0,
        "placed, not yet in Flourish"
    );

    world.settle().await;
    let id = only_flourish_order(&world, &number)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (available, sellable) = available_and_sellable(&world);
    assert_eq!(sellable, placed - 10.0, "Flourish sellable holds the order");
    assert_eq!(available, sellable - unknown_to_flourish, "synced");
    // Flourish's sellable fell by the 10 LeafLink already reserves: the quantity stays.
    let found = outcomes(&world, "flourish.inventory_summary:OGK-PR-1G").await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "unchanged", "{found:?}");

    for (status, leaflink) in [
        ("Allocated", "Accepted"),
        ("Shipped", "Shipped"),
        ("Completed", "Complete"),
    ] {
        world.flourish.set_order_status(&id, status).unwrap();
        world.settle().await;
        assert_eq!(leaflink_order(&world, &number)["status"], json!(leaflink));
        let (available, now) = available_and_sellable(&world);
        assert_eq!(now, sellable, "{status}: sellable does not move again");
        assert_eq!(available, now - unknown_to_flourish, "{status}");
    }
    assert_eq!(
        reserved(&world),
        unknown_to_flourish,
        "fulfilment released it"
    );
    assert_all_processed(&world).await;
}

#[tokio::test]
async fn a_cancelled_order_gives_the_stock_back_on_both_sides() {
    let world = spawn_world().await;
    world.settle().await;
    let unknown_to_flourish = reserved(&world);
    let (_, before) = available_and_sellable(&world);
    let (number, id) = synced_order(&world).await;
    world.flourish.set_order_status(&id, "Allocated").unwrap();
    world.settle().await;

    world.flourish.set_order_status(&id, "Cancelled").unwrap();
    world.settle().await;

    assert_eq!(leaflink_order(&world, &number)["status"], json!("Rejected"));
    let (available, sellable) = available_and_sellable(&world);
    assert_eq!(sellable, before, "Flourish sellable is back");
    assert_eq!(available, sellable - unknown_to_flourish);
    assert_eq!(reserved(&world), unknown_to_flourish);
    assert_all_processed(&world).await;
}

#[tokio::test]
async fn a_stock_event_handled_before_the_rejection_is_redone_after_it() {
    let world = spawn_world().await;
    world.settle().await;
    let unknown_to_flourish = reserved(&world);
    let (_, id) = synced_order(&world).await;
    // Flourish's stock event overtakes its order event: leafbridge counts the stock while the
    // LeafLink order still reserves it.
    world.flourish.outbox().set_quirks(DeliveryQuirks {
        reorder_next: true,
        ..DeliveryQuirks::default()
    });

    world.flourish.set_order_status(&id, "Cancelled").unwrap();
    world.settle().await;

    let (available, sellable) = available_and_sellable(&world);
    assert_eq!(available, sellable - unknown_to_flourish);
    assert_all_processed(&world).await;
}
