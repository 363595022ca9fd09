//! Flow B's create body: the product is listed under a real LeafLink license and sub-category,
//! carries an external id only under the key the operator configured, and stops as
//! `needs_attention` (with the setting to fix) when either does not resolve.

use leafbridge::config::SyncSettings;
use serde_json::{Value, json};

use crate::sync_items::{all_writes, detail, latest, products_with_sku};
use crate::world::{World, seed_settings, spawn_world, spawn_world_with};

/// A new e-commerce item of Canyon Farms in `custom_category`.
fn new_item(id: &str, sku: &str, custom_category: &str) -> Value {
    json!({
        "id": id, "item_name": format!("New {sku}"), "item_description": "A new jar.",
        "sku": sku, "brand": "Canyon Farms", "ecommerce_active": true, "uom": "Each",
        "price": 30.0, "item_category": "Flower", "strain_name": "OG Kush",
        "strain_required": true, "product_line": "House Flower",
        "custom_category": custom_category,
    })
}

async fn create(world: &World, id: &str, sku: &str, custom_category: &str) {
    world
        .flourish
        .upsert_item(&new_item(id, sku, custom_category))
        .unwrap();
    world.settle().await;
}

#[tokio::test]
async fn a_new_item_is_listed_under_the_configured_license_and_mapped_subcategory_without_external_id()
 {
    let world = spawn_world().await;
    create(&world, "931", "CF-FL-NEW-1", "Flower").await;

    let created = products_with_sku(&world, "CF-FL-NEW-1");
    assert_eq!(created.len(), 1, "{created:?}");
    let product = &created[0];
    assert_eq!(product["license"]["id"], 7701, "not the company 4127");
    assert_eq!(product["license"]["number"], "C11-0004127-LIC");
    assert_eq!(
        product["sub_category"], 31,
        "Indoor under Flower, not the category id"
    );
    assert_eq!(product["category"], 1);
    let ids = &product["external_ids"];
    assert!(
        ids.is_null() || ids.as_object().is_some_and(|o| o.is_empty()),
        "no key configured, no external id: {ids}"
    );
    let log = world.leaflink.control().requests();
    let post = log
        .iter()
        .find(|r| r.method == "POST" && r.path == "/api/v2/products/")
        .unwrap();
    assert!(post.body.get("external_ids").is_none(), "{}", post.body);
}

#[tokio::test]
async fn a_subcategory_named_like_the_custom_category_is_found_within_its_category() {
    let world = spawn_world().await;
    let mut item = new_item("932", "MK-GUM-NEW-1", "Gummies");
    item["brand"] = json!("Mesa Kitchen");
    item["strain_required"] = json!(false);
    item["product_line"] = Value::Null;
    world.flourish.upsert_item(&item).unwrap();
    world.settle().await;

    let created = products_with_sku(&world, "MK-GUM-NEW-1");
    assert_eq!(created.len(), 1, "{created:?}");
    assert_eq!(created[0]["category"], 3, "Gummies → Edible");
    assert_eq!(created[0]["sub_category"], 35, "Gummies under Edible");
}

#[tokio::test]
async fn a_configured_product_key_carries_the_flourish_item_id() {
    let world = spawn_world_with(SyncSettings {
        product_external_id_key: Some("flourish".into()),
        ..seed_settings()
    })
    .await;
    create(&world, "933", "CF-FL-NEW-3", "Flower").await;

    let created = products_with_sku(&world, "CF-FL-NEW-3");
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["external_ids"], json!({"flourish": "933"}));
}

#[tokio::test]
async fn a_key_leaflink_did_not_issue_is_refused_and_needs_attention() {
    let world = spawn_world_with(SyncSettings {
        product_external_id_key: Some("flourish_item_id".into()),
        ..seed_settings()
    })
    .await;
    create(&world, "934", "CF-FL-NEW-4", "Flower").await;

    assert!(products_with_sku(&world, "CF-FL-NEW-4").is_empty());
    let event = latest(&world, "flourish.item:934").await;
    assert_eq!(event["outcome"], "needs_attention");
    let reason = event["reason"].as_str().unwrap();
    assert!(reason.contains("external_ids"), "{reason}");
}

#[tokio::test]
async fn several_licenses_without_the_setting_need_attention_naming_it() {
    let world = spawn_world_with(SyncSettings {
        leaflink_license: None,
        ..seed_settings()
    })
    .await;
    create(&world, "935", "CF-FL-NEW-5", "Flower").await;

    assert!(products_with_sku(&world, "CF-FL-NEW-5").is_empty());
    let event = latest(&world, "flourish.item:935").await;
    assert_eq!(event["outcome"], "needs_attention");
    let fix = &detail(&world, &event).await["detail"]["fix"];
    let action = fix["action"].as_str().unwrap();
    assert!(
        action.contains("LEAFBRIDGE_LEAFLINK_LICENSE") && action.contains("C11-0004128-LIC"),
        "{action}"
    );
    let posts: Vec<_> = all_writes(&world)
        .into_iter()
        .filter(|r| r.path == "/api/v2/products/")
        .collect();
    assert!(posts.is_empty(), "nothing was sent: {posts:?}");
}

#[tokio::test]
async fn an_unmapped_subcategory_needs_attention_naming_the_map_and_the_choices() {
    let world = spawn_world().await;
    create(&world, "936", "CF-PR-NEW-6", "Pre-Roll").await;

    assert!(products_with_sku(&world, "CF-PR-NEW-6").is_empty());
    let event = latest(&world, "flourish.item:936").await;
    assert_eq!(event["outcome"], "needs_attention");
    let fix = &detail(&world, &event).await["detail"]["fix"];
    let action = fix["action"].as_str().unwrap();
    assert!(
        action.contains("LEAFBRIDGE_SUBCATEGORY_MAP")
            && action.contains("`Singles`")
            && action.contains("`Multi-Packs`"),
        "{action}"
    );
}
