//! What Flourish is the source of truth for: stock levels (`LEAFBRIDGE_MANAGE_STOCK`) and the
//! product fields leafbridge writes (`LEAFBRIDGE_PRODUCT_FIELDS`). What is not managed is never
//! written, by the flows, the pollers or a resync, and never reported as out of step.

use leafbridge::config::{ProductFields, SyncSettings};
use leafbridge::preflight;
use leafbridge::sync::poll::Poller;
use serde_json::json;

use crate::preflight_support::{fixture, start};
use crate::sync_items::{latest, products_with_sku, trigger, writes};
use crate::world::{seed_settings, spawn_world_with};

const CULTIVATION: &str = "04bb2a7c";

#[tokio::test]
async fn without_stock_management_no_quantity_is_written_and_the_inventory_poller_is_off() {
    let settings = SyncSettings {
        manage_stock: false,
        ..seed_settings()
    };
    assert!(Poller::Inventory.interval(&settings).is_zero());
    assert!(!Poller::Items.interval(&settings).is_zero());
    let world = spawn_world_with(settings).await;
    let before = products_with_sku(&world, "OGK-PR-1G")[0]["quantity"].clone();
    world
        .flourish
        .set_inventory(CULTIVATION, "151", 500.0, Some("CFC-PR-261020-OGK"))
        .unwrap();
    world.settle().await;

    assert_eq!(
        products_with_sku(&world, "OGK-PR-1G")[0]["quantity"],
        before
    );
    let quantity_writes: Vec<_> = writes(world.leaflink.control().requests())
        .into_iter()
        .filter(|r| r.body.get("quantity").is_some())
        .collect();
    assert!(quantity_writes.is_empty(), "{quantity_writes:?}");
    let event = latest(&world, "flourish.inventory_summary:OGK-PR-1G").await;
    assert_eq!(event["outcome"], "ignored");
    assert!(
        event["reason"]
            .as_str()
            .unwrap()
            .contains("LEAFBRIDGE_MANAGE_STOCK")
    );
}

#[tokio::test]
async fn with_stock_management_the_same_change_is_written() {
    let world = spawn_world_with(seed_settings()).await;
    world
        .flourish
        .set_inventory(CULTIVATION, "151", 500.0, Some("CFC-PR-261020-OGK"))
        .unwrap();
    world.settle().await;
    let quantity_writes = writes(world.leaflink.control().requests())
        .into_iter()
        .filter(|r| r.body.get("quantity").is_some())
        .count();
    assert_eq!(quantity_writes, 1);
}

#[tokio::test]
async fn only_the_managed_product_fields_are_written() {
    let world = spawn_world_with(SyncSettings {
        product_fields: ProductFields::parse("description").unwrap(),
        ..seed_settings()
    })
    .await;
    world
        .flourish
        .update_item(
            "157",
            &json!({"item_name": "Wedding Cake Jar", "item_description": "Now in glass."}),
        )
        .unwrap();
    world.settle().await;

    let patches = writes(world.leaflink.control().requests());
    assert_eq!(patches.len(), 1, "{patches:?}");
    assert_eq!(patches[0].body, json!({"description": "Now in glass."}));
    let product = &products_with_sku(&world, "CF-FL-WC-35")[0];
    assert_ne!(product["name"], "Wedding Cake Jar", "name is not managed");
}

#[tokio::test]
async fn a_difference_in_an_unmanaged_field_is_in_step_not_a_mismatch() {
    let world = spawn_world_with(SyncSettings {
        product_fields: ProductFields::parse("description,brand,category,strains").unwrap(),
        ..seed_settings()
    })
    .await;
    world
        .flourish
        .update_item("157", &json!({"item_name": "Wedding Cake Jar"}))
        .unwrap();
    world.settle().await;

    assert!(writes(world.leaflink.control().requests()).is_empty());
    // The first run only recorded the link; a resync finds the product in step.
    trigger(&world, "item", json!({"id": "157", "resync": 1})).await;
    world.settle().await;
    assert!(writes(world.leaflink.control().requests()).is_empty());
    let event = latest(&world, "flourish.item:157").await;
    assert_eq!(event["outcome"], "unchanged");
    assert!(
        event["reason"]
            .as_str()
            .unwrap()
            .contains("LEAFBRIDGE_PRODUCT_FIELDS")
    );
}

#[tokio::test]
async fn preflight_does_not_report_product_lines_leafbridge_does_not_manage() {
    let mut world = start(&fixture("seed.json")).await;
    let count = |report: &preflight::Report| {
        report
            .findings
            .iter()
            .filter(|f| f.check == "product_line_missing_in_leaflink")
            .count()
    };
    assert_eq!(count(&preflight::build_report(&world.settings).await), 1);
    world.settings.checks.product_lines_managed = false;
    assert_eq!(count(&preflight::build_report(&world.settings).await), 0);
}
