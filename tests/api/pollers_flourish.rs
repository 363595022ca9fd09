//! Reconciliation pollers against the Flourish simulator: a lost item callback is repaired by
//! the item poll; the inventory poll finds stock that moved without a callback, and leaves
//! alone what a callback already reported.

use leafbridge::sim::common::DeliveryQuirks;
use leafbridge::sync::poll::Poller;
use serde_json::json;

use crate::pollers::{events_for, jobs_for, poll};
use crate::world::{World, spawn_world};

const CULTIVATION: &str = "04bb2a7c";
const OGK_KEY: &str = "flourish.inventory_summary:OGK-PR-1G";

fn lose_next_callback(world: &World) {
    world.flourish.outbox().set_quirks(DeliveryQuirks {
        drop_next: 1,
        ..DeliveryQuirks::default()
    });
}

#[tokio::test]
async fn item_poll_repairs_a_lost_item_callback() {
    let world = spawn_world().await;
    lose_next_callback(&world);
    world
        .flourish
        .update_item("151", &json!({"item_name": "OG Kush Pre-Roll 1g Tube"}))
        .unwrap();
    world.settle().await;
    let key = "flourish.item:151";
    assert!(world.events(&format!("entity_key={key}")).await.is_empty());

    let report = poll(&world, Poller::Items).await;

    assert_eq!((report.listed, report.enqueued), (1, 1), "{report:?}");
    assert_eq!(events_for(&world, "poller", key).await[0]["kind"], "item");
    assert_eq!(
        jobs_for(&world, key).await,
        [("flourish.item".into(), "pending".into())]
    );
    let again = poll(&world, Poller::Items).await;
    assert_eq!((again.listed, again.enqueued), (1, 0), "{again:?}");
    // The gap is repaired: the LeafLink product takes the new name.
    world.settle().await;
    assert_eq!(product(&world, 5150)["name"], "OG Kush Pre-Roll 1g Tube");
}

#[tokio::test]
async fn item_poll_right_after_the_callback_enqueues_nothing() {
    let world = spawn_world().await;
    world
        .flourish
        .update_item("151", &json!({"price": 9.5}))
        .unwrap();
    world.settle().await;

    let report = poll(&world, Poller::Items).await;

    assert_eq!((report.listed, report.skipped, report.enqueued), (1, 1, 0));
    assert_eq!(jobs_for(&world, "flourish.item:151").await.len(), 1);
}

#[tokio::test]
async fn the_first_inventory_poll_only_records_the_figures() {
    let world = spawn_world().await;

    let report = poll(&world, Poller::Inventory).await;

    assert_eq!((report.listed, report.enqueued), (0, 0), "{report:?}");
    assert!(world.events("source=poller").await.is_empty());
    let seen = leafbridge::store::watermarks::seen(
        &world.app.db.pool,
        &world.app.state.connection,
        Poller::Inventory.name(),
    )
    .await
    .unwrap();
    assert_eq!(seen["OGK-PR-1G"], r#"{"04bb2a7c":480.0,"9e31d0f5":120.0}"#);
}

#[tokio::test]
async fn inventory_poll_repairs_a_lost_stock_callback() {
    let world = spawn_world().await;
    poll(&world, Poller::Inventory).await;
    lose_next_callback(&world);
    world
        .flourish
        .set_inventory(CULTIVATION, "OGK-PR-1G", 400.0, Some("CFC-PR-261020-OGK"))
        .unwrap();
    world.settle().await;

    let report = poll(&world, Poller::Inventory).await;

    assert_eq!((report.listed, report.enqueued), (1, 1), "{report:?}");
    let events = events_for(&world, "poller", OGK_KEY).await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        jobs_for(&world, OGK_KEY).await,
        [("flourish.inventory_summary".into(), "pending".into())]
    );
    let again = poll(&world, Poller::Inventory).await;
    assert_eq!((again.listed, again.enqueued), (0, 0), "{again:?}");
    // The gap is repaired: LeafLink's quantity is the sum over both facilities.
    world.settle().await;
    let quantity = product(&world, 5150)["quantity"]
        .as_str()
        .unwrap()
        .parse::<f64>()
        .unwrap();
    assert_eq!(quantity, 520.0);
}

/// A LeafLink product as the simulator holds it.
fn product(world: &crate::world::World, id: i64) -> serde_json::Value {
    let state = world.leaflink.dump();
    state["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap()
        .clone()
}

#[tokio::test]
async fn inventory_poll_leaves_alone_stock_a_callback_reported() {
    let world = spawn_world().await;
    poll(&world, Poller::Inventory).await;
    world
        .flourish
        .set_inventory(CULTIVATION, "OGK-PR-1G", 400.0, Some("CFC-PR-261020-OGK"))
        .unwrap();
    world.settle().await;
    assert_eq!(events_for(&world, "flourish", OGK_KEY).await.len(), 1);

    let report = poll(&world, Poller::Inventory).await;

    assert_eq!((report.listed, report.skipped, report.enqueued), (1, 1, 0));
    assert_eq!(
        jobs_for(&world, OGK_KEY).await.len(),
        1,
        "only the callback's job"
    );
}

#[tokio::test]
async fn inventory_poll_enqueues_stock_that_moved_again_after_its_callback() {
    let world = spawn_world().await;
    poll(&world, Poller::Inventory).await;
    let lot = Some("CFC-PR-261020-OGK");
    world
        .flourish
        .set_inventory(CULTIVATION, "OGK-PR-1G", 400.0, lot)
        .unwrap();
    world.settle().await;
    lose_next_callback(&world);
    world
        .flourish
        .set_inventory(CULTIVATION, "OGK-PR-1G", 350.0, lot)
        .unwrap();
    world.settle().await;

    let report = poll(&world, Poller::Inventory).await;

    assert_eq!(
        report.enqueued, 1,
        "the callback reported 400, the stock is 350"
    );
    assert_eq!(jobs_for(&world, OGK_KEY).await.len(), 2);
}
