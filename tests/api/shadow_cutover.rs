//! Cutover after a rehearsal: orders staff keyed by hand in Flourish with small differences (the
//! number in a note in another case, lines in another order) are adopted, not created again; the
//! dry run lists exactly what the run then does, and the run switches the mode to live.

use leafbridge::config::SyncSettings;
use leafbridge::remote::Mode;
use leafbridge::sim::leaflink::SimOrderLine;
use serde_json::{Value, json};

use crate::operator_support::post;
use crate::sync_orders_support::*;
use crate::world::{FLOURISH_API_KEY, World, seed_settings, spawn_world_with};

/// Green Door Dispensary's Flourish destination (LeafLink customer 311).
const GREEN_DOOR: &str = "2041";

/// Keys an outbound order into the Flourish simulator as a person would (not through
/// leafbridge); answers its id.
async fn key_by_hand(world: &World, lines: Value, notes: Value) -> String {
    let response = reqwest::Client::new()
        .post(format!("{}outbound-orders", world.flourish.base_url()))
        .header("x-api-key", FLOURISH_API_KEY)
        .header("FacilityID", CULTIVATION)
        .json(&json!({"destination": {"id": GREEN_DOOR}, "order_lines": lines, "notes": notes}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    let order = body.get("data").unwrap_or(&body);
    order["id"].as_str().unwrap().to_owned()
}

fn numbers(report: &Value, group: &str) -> Vec<String> {
    let mut list: Vec<String> = report[group]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["order_number"].as_str().unwrap().to_owned())
        .collect();
    list.sort();
    list
}

#[tokio::test]
async fn hand_keyed_orders_are_adopted_at_cutover_and_the_dry_run_matches_the_run() {
    let world = spawn_world_with(SyncSettings {
        mode: Mode::Shadow,
        ..seed_settings()
    })
    .await;
    world.settle().await;
    let noted = place(&world, 311, &[42], &[SimOrderLine::units(5101, "2")]);
    let reordered = place(
        &world,
        311,
        &[42],
        &[
            SimOrderLine::units(5102, "3"),
            SimOrderLine::units(5103, "1"),
        ],
    );
    let missing = place(&world, 311, &[42], &[SimOrderLine::units(5104, "1")]);
    world.settle().await;
    let note = format!("keyed from LeafLink order {}", noted.to_uppercase());
    let noted_id = key_by_hand(
        &world,
        json!([{"sku": "CF-FL-OGK-35", "order_qty": 2}]),
        json!([{"subject": "LeafLink", "note": note}]),
    )
    .await;
    let reordered_id = key_by_hand(
        &world,
        json!([{"sku": "CF-FL-GSC-35", "order_qty": 1}, {"sku": "CF-FL-BD-35", "order_qty": 3}]),
        json!([]),
    )
    .await;
    world.settle().await;
    clear_logs(&world);

    let (status, dry) = post(&world.app, "/api/v1/cutover", json!({"dry_run": true})).await;
    assert_eq!(status, 200, "{dry}");
    assert!(all_writes(&world).is_empty(), "a dry run writes nothing");
    assert_eq!(dry["mode"], "shadow");
    let adopted = numbers(&dry, "adopt");
    assert!(
        adopted.contains(&noted) && adopted.contains(&reordered),
        "{dry:#}"
    );
    assert!(numbers(&dry, "create").contains(&missing), "{dry:#}");

    let (status, run) = post(&world.app, "/api/v1/cutover", json!({})).await;
    assert_eq!(status, 200, "{run}");
    for group in ["create", "adopt", "update", "leave_alone", "failed"] {
        assert_eq!(
            numbers(&run, group),
            numbers(&dry, group),
            "{group}: {run:#}"
        );
    }
    assert_eq!(run["mode"], "live");
    let (_, mode) = crate::operator_support::call(&world.app, "GET", "/api/v1/mode", None).await;
    assert_eq!(mode["mode"], "live");

    assert_eq!(
        order_link(&world, &noted).await.unwrap().remote_id,
        noted_id
    );
    assert_eq!(
        order_link(&world, &reordered).await.unwrap().remote_id,
        reordered_id
    );
    let live: Vec<Value> = world.flourish.dump()["outbound_orders"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["order_status"] != "Cancelled")
        .cloned()
        .collect();
    let others = |number: &str, keyed: &str| {
        live.iter()
            .filter(|o| o["original_order_id"] == json!(number) && o["id"] != json!(keyed))
            .count()
    };
    assert_eq!(others(&noted, &noted_id), 0, "no second order for {noted}");
    assert_eq!(
        others(&reordered, &reordered_id),
        0,
        "no second order for {reordered}"
    );
    let created = live
        .iter()
        .filter(|o| o["original_order_id"] == json!(missing))
        .count();
    assert_eq!(created, 1, "the order nobody keyed is created");
}
