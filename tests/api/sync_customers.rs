//! Flow D end to end: LeafLink customers become, or are linked to, Flourish destinations by
//! licence number, without overwriting Flourish's data unless configured to.

use serde_json::{Value, json};

use crate::sync_orders_support::*;
use crate::world::{World, seed_settings, spawn_world, spawn_world_with};

async fn trigger_customer(world: &World, data: Value) {
    let body = json!({"action": "edit", "type": "customer", "data": data});
    assert!(world.app.post_leaflink(&body).await.status().is_success());
}

#[tokio::test]
async fn customer_without_a_destination_gets_one_created_and_linked_once() {
    let world = spawn_world().await;
    trigger_customer(&world, json!({"license_number": REDWOOD_LICENSE})).await;
    world.settle().await;

    let created = destinations_with(&world, REDWOOD_LICENSE);
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["name"], json!("Redwood Remedies"));
    assert_eq!(created[0]["country"], json!("United States"));
    let key = format!("leaflink.customer:{REDWOOD_LICENSE}");
    assert_eq!(last_outcome(&world, &key).await.0, "synced");
    clear_logs(&world);

    trigger_customer(&world, json!({"license_number": REDWOOD_LICENSE, "seq": 2})).await;
    trigger_customer(&world, json!({"id": 321})).await;
    world.settle().await;
    assert!(all_writes(&world).is_empty(), "{:#?}", all_writes(&world));
    assert_eq!(destinations_with(&world, REDWOOD_LICENSE).len(), 1);
    assert_eq!(last_outcome(&world, &key).await.0, "unchanged");
    assert_eq!(
        last_outcome(&world, "leaflink.customer:id:321").await.0,
        "unchanged"
    );
}

#[tokio::test]
async fn existing_destination_is_linked_without_being_overwritten() {
    let world = spawn_world().await;
    world
        .leaflink
        .upsert_customer(&json!({"id": 311, "phone": "510-555-9999"}))
        .unwrap();
    trigger_customer(&world, json!({"license_number": "C10-0000123-LIC"})).await;
    world.settle().await;

    assert!(writes(world.flourish.control().requests()).is_empty());
    let (outcome, reason) = last_outcome(&world, "leaflink.customer:C10-0000123-LIC").await;
    assert_eq!(
        (outcome.as_str(), reason.as_str()),
        ("synced", "licence C10-0000123-LIC: link destination 2041")
    );
    let dest = &destinations_with(&world, "C10-0000123-LIC")[0];
    assert_eq!(dest["company_phone_number"], json!("510-555-0141"));
}

#[tokio::test]
async fn overwriting_destinations_sends_only_what_differs() {
    let settings = leafbridge::config::SyncSettings {
        overwrite_destinations: true,
        ..seed_settings()
    };
    let world = spawn_world_with(settings).await;
    world
        .leaflink
        .upsert_customer(&json!({"id": 311, "phone": "510-555-9999"}))
        .unwrap();
    trigger_customer(&world, json!({"license_number": "C10-0000123-LIC"})).await;
    world.settle().await;

    let dest = &destinations_with(&world, "C10-0000123-LIC")[0];
    assert_eq!(dest["company_phone_number"], json!("510-555-9999"));
    assert_eq!(dest["name"], json!("Green Door Dispensary"));
    assert_eq!(dest["country"], json!("United States"));
    clear_logs(&world);
    trigger_customer(
        &world,
        json!({"license_number": "C10-0000123-LIC", "seq": 2}),
    )
    .await;
    world.settle().await;
    assert!(all_writes(&world).is_empty(), "{:#?}", all_writes(&world));
}

#[tokio::test]
async fn customer_without_a_licence_needs_attention() {
    let world = spawn_world().await;
    // Mountain Bloom Collective (317) has a blank licence.
    trigger_customer(&world, json!({"id": 317})).await;
    world.settle().await;

    let (outcome, reason) = last_outcome(&world, "leaflink.customer:id:317").await;
    assert_eq!(outcome, "needs_attention");
    assert_eq!(
        reason,
        "customer \"Mountain Bloom Collective\" has no licence number"
    );
    assert!(writes(world.flourish.control().requests()).is_empty());
}

#[tokio::test]
async fn licence_on_two_leaflink_customers_needs_attention() {
    let world = spawn_world().await;
    trigger_customer(&world, json!({"license_number": "C10-0000555-LIC"})).await;
    world.settle().await;

    let (outcome, reason) = last_outcome(&world, "leaflink.customer:C10-0000555-LIC").await;
    assert_eq!(outcome, "needs_attention");
    assert_eq!(reason, "licence C10-0000555-LIC is on 2 LeafLink customers");
}
