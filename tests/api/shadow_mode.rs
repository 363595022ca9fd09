//! Shadow mode end to end: the demo scenario in shadow mode writes nothing to either simulator,
//! records its plans as `shadowed` (and its data problems as attention found in rehearsal), and
//! its report lists what live mode then writes; switching back to shadow stops writes at once.

use leafbridge::config::SyncSettings;
use leafbridge::remote::Mode;
use leafbridge::sim::leaflink::SimOrderLine;
use serde_json::{Value, json};

use crate::helpers::ADMIN_TOKEN;
use crate::sync_orders_support::*;
use crate::world::{World, seed_settings, spawn_world_with};

async fn put_mode(world: &World, mode: &str) -> (u16, Value) {
    let response = world
        .app
        .http
        .put(format!("{}/api/v1/mode", world.app.address))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({ "mode": mode }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get_json(world: &World, path: &str) -> Value {
    let response = world.app.admin_get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

fn product(world: &World, id: i64) -> Value {
    world.leaflink.dump()["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == json!(id))
        .cloned()
        .unwrap()
}

/// The demo's steps (an order, a rep change, an item edit, a stock count, a bad SKU); the
/// numbers of the good and the bad order.
async fn demo_steps(world: &World) -> (String, String) {
    let number = place(world, 311, &[42], &[one_case_of_ten().with_batch(77)]);
    world.settle().await;
    world.leaflink.set_order_sales_reps(&number, &[43]).unwrap();
    world.settle().await;
    let edit =
        json!({"item_description": "Small-batch indoor flower, hang-dried and hand-trimmed."});
    world.flourish.update_item("157", &edit).unwrap();
    world.settle().await;
    world
        .flourish
        .set_inventory(CULTIVATION, "OGK-PR-1G", 250.0, None)
        .unwrap();
    world.settle().await;
    let bad = place(world, 312, &[57], &[SimOrderLine::units(5191, "4")]);
    world.settle().await;
    (number, bad)
}

#[tokio::test]
async fn the_demo_in_shadow_mode_writes_nothing_and_its_report_lists_what_live_then_writes() {
    let world = spawn_world_with(SyncSettings {
        mode: Mode::Shadow,
        ..seed_settings()
    })
    .await;
    world.settle().await;
    clear_logs(&world);
    let product_before = product(&world, 5106);

    let (number, bad) = demo_steps(&world).await;

    let writes = all_writes(&world);
    assert!(writes.is_empty(), "shadow mode wrote: {writes:#?}");
    assert!(flourish_orders(&world, &number).is_empty());
    assert_eq!(
        product(&world, 5106)["description"],
        product_before["description"]
    );
    let (outcome, _) = last_outcome(&world, &format!("leaflink.order:{number}")).await;
    assert_eq!(outcome, "shadowed");
    assert_all_processed(&world).await;
    let mode = get_json(&world, "/api/v1/mode").await;
    assert_eq!(mode["mode"], "shadow");

    let attention = get_json(&world, "/api/v1/attention").await;
    let item = attention["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["entity_key"] == json!(format!("leaflink.order:{bad}")))
        .cloned()
        .unwrap_or_else(|| panic!("the bad SKU needs attention: {attention:#}"));
    assert_eq!(item["rehearsal"], true);

    let report = get_json(&world, "/api/v1/shadow-report").await;
    let facilities = report["orders_by_facility"].as_array().unwrap();
    assert_eq!(facilities.len(), 1, "{report:#}");
    assert_eq!(
        facilities[0]["key"], MANUFACTURING,
        "where the order goes last"
    );
    assert_eq!(facilities[0]["count"], 1);
    let order_event = facilities[0]["event_ids"][0].as_str().unwrap().to_owned();
    let event = get_json(&world, &format!("/api/v1/events/{order_event}")).await;
    assert_eq!(
        event["entity_key"],
        json!(format!("leaflink.order:{number}"))
    );
    let updated = report["products_updated"].as_array().unwrap();
    assert!(
        updated.iter().any(|u| u["product_id"] == 5106),
        "{report:#}"
    );
    let stocked = report["stock_updates"].as_array().unwrap();
    assert!(
        stocked
            .iter()
            .any(|s| s["sku"] == "OGK-PR-1G" && s["product_id"] == 5150),
        "{report:#}"
    );
    let reasons = report["attention"].as_array().unwrap();
    assert!(
        reasons
            .iter()
            .any(|r| r["event_ids"].as_array().unwrap().contains(&item["id"])),
        "{report:#}"
    );

    // Live: the shadowed events run for real and write what the report listed.
    let (status, mode) = put_mode(&world, "live").await;
    assert_eq!((status, &mode["mode"]), (200, &json!("live")));
    clear_logs(&world);
    let (status, replay) = crate::operator_support::post(
        &world.app,
        "/api/v1/events/replay",
        json!({"outcome": "shadowed"}),
    )
    .await;
    assert_eq!(status, 202, "{replay}");
    settle_with_retries(&world).await;
    let [order] = &flourish_orders(&world, &number)[..] else {
        panic!("one Flourish order for {number}");
    };
    assert_eq!(order["facility_id"], MANUFACTURING);
    assert_ne!(
        product(&world, 5106)["description"],
        product_before["description"]
    );
    let writes = all_writes(&world);
    let wrote = |method: &str, path: &str| {
        writes
            .iter()
            .any(|w| w.method == method && w.path.contains(path))
    };
    assert!(wrote("POST", "/outbound-orders"), "{writes:#?}");
    assert!(wrote("PATCH", "/products/5106"), "{writes:#?}");
    assert!(wrote("PATCH", "/products/5150"), "{writes:#?}");

    // Back to shadow: writes stop at once.
    let (status, _) = put_mode(&world, "shadow").await;
    assert_eq!(status, 200);
    clear_logs(&world);
    let another = place(&world, 311, &[42], &[one_case_of_ten()]);
    world.settle().await;
    assert!(all_writes(&world).is_empty());
    assert!(flourish_orders(&world, &another).is_empty());
}

#[tokio::test]
async fn a_write_reaching_a_client_in_shadow_mode_fails_without_being_sent() {
    let world = spawn_world_with(SyncSettings {
        mode: Mode::Shadow,
        ..seed_settings()
    })
    .await;
    let sync = world.app.state.sync.clone().unwrap();
    clear_logs(&world);
    let error = sync
        .flourish
        .cancel_outbound_order(CULTIVATION, "1")
        .await
        .unwrap_err();
    assert!(error.to_string().contains("shadow mode"), "{error}");
    assert!(all_writes(&world).is_empty());
}
