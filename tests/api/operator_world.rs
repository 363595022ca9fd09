//! The operator API against the real flows and both simulators: a dry run shows the plan and
//! writes nothing; a resync of data already in sync writes nothing; attention names the fix.

use serde_json::{Value, json};

use crate::world::spawn_world;

const SEED_ORDER: &str = "ad74a83f-8e39-4d41-b24f-9efe686b21df";

fn writes(requests: &[leafbridge::sim::common::LoggedRequest]) -> usize {
    requests.iter().filter(|r| r.method != "GET").count()
}

async fn post(world: &crate::world::World, path: &str, body: Value) -> (u16, Value) {
    let response = world
        .app
        .http
        .post(format!("{}{path}", world.app.address))
        .bearer_auth(crate::helpers::ADMIN_TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_dry_run_resync_of_a_seed_order_shows_the_plan_and_writes_nothing() {
    let world = spawn_world().await;
    world.leaflink.control().clear_requests();
    world.flourish.control().clear_requests();
    let (status, report) = post(
        &world,
        "/api/v1/resync",
        json!({"kind": "orders", "ids": [SEED_ORDER], "dry_run": true}),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    let plan = &report["plans"][0];
    assert_eq!(plan["entity_key"], format!("leaflink.order:{SEED_ORDER}"));
    let text = plan["plan"].to_string();
    assert!(
        text.contains("04bb2a7c"),
        "the plan routes to Ana's facility: {text}"
    );
    assert!(
        text.contains("CFC-PR-261020-OGK") || text.contains("lot"),
        "{text}"
    );
    assert_eq!(writes(&world.leaflink.control().requests()), 0);
    assert_eq!(writes(&world.flourish.control().requests()), 0);
    assert_eq!(
        world.app.queue().await.pending,
        0,
        "a dry run enqueues nothing"
    );
}

#[tokio::test]
async fn a_resync_syncs_once_and_a_second_resync_writes_nothing() {
    let world = spawn_world().await;
    let (status, accepted) = post(
        &world,
        "/api/v1/resync",
        json!({"kind": "orders", "ids": [SEED_ORDER]}),
    )
    .await;
    assert_eq!(status, 202, "{accepted}");
    world.settle().await;
    let flourish = world.flourish.dump();
    let created = flourish["outbound_orders"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["original_order_id"] == SEED_ORDER)
        .count();
    assert_eq!(created, 1);
    let resync_id = accepted["resync_id"].as_str().unwrap();
    let progress: Value = world
        .app
        .admin_get(&format!("/api/v1/resyncs/{resync_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(progress["finished"], true, "{progress}");

    world.leaflink.control().clear_requests();
    world.flourish.control().clear_requests();
    let (status, _) = post(
        &world,
        "/api/v1/resync",
        json!({"kind": "orders", "ids": [SEED_ORDER]}),
    )
    .await;
    assert_eq!(status, 202);
    world.settle().await;
    assert_eq!(
        writes(&world.flourish.control().requests()),
        0,
        "already in sync: zero writes"
    );
    assert_eq!(writes(&world.leaflink.control().requests()), 0);
}

#[tokio::test]
async fn attention_lists_a_missing_brand_with_the_fix_in_leaflink() {
    let world = spawn_world().await;
    // Item 198 belongs to Arroyo Reserve, a brand LeafLink does not have.
    let (status, _) = post(
        &world,
        "/api/v1/resync",
        json!({"kind": "items", "ids": ["198"]}),
    )
    .await;
    assert_eq!(status, 202);
    world.settle().await;
    let page: Value = world
        .app
        .admin_get("/api/v1/attention")
        .await
        .json()
        .await
        .unwrap();
    let entry = &page["items"][0];
    assert_eq!(entry["entity_key"], "flourish.item:198", "{page}");
    assert_eq!(entry["fix"]["system"], "LeafLink");
    assert_eq!(
        entry["fix"]["action"],
        "create brand `Arroyo Reserve` in LeafLink"
    );
}
