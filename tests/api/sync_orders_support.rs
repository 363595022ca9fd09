//! Shared steps of the order, customer and status sync tests: the seed's orders and facilities,
//! hand-posted triggers, and views of what each simulator holds and was asked to write.

use std::time::Duration;

use leafbridge::sim::common::LoggedRequest;
use leafbridge::sim::leaflink::SimOrderLine;
use leafbridge::store::links::{self, Link, LinkKind};
use serde_json::{Value, json};

use crate::world::World;

/// Seed order: Green Door (311), staff 42 Ana → Cultivation; batches 77 and 78.
pub const ANA_ORDER: &str = "ad74a83f-8e39-4d41-b24f-9efe686b21df";
/// Seed order: Redwood Remedies (321, no destination), no rep → customer manager 61 Priya.
pub const REDWOOD_ORDER: &str = "c8427687-6350-4839-aaa1-aea879d5cf80";
/// Seed order: Highland Wellness (315), staff 57 Marcus.
pub const MARCUS_ORDER: &str = "cd0b0734-594a-459f-bcbe-247d6a3fd097";
pub const SEED_ORDERS: [&str; 3] = [ANA_ORDER, REDWOOD_ORDER, MARCUS_ORDER];

pub const CULTIVATION: &str = "04bb2a7c";
pub const MANUFACTURING: &str = "9e31d0f5";
/// Redwood Remedies' licence: no Flourish destination has it in the seed.
pub const REDWOOD_LICENSE: &str = "C10-0000612-LIC";

/// Posts an order webhook by hand; `tag` keeps bodies distinct so none is a duplicate.
pub async fn trigger_order(world: &World, number: &str, tag: &str) {
    let body = json!({"action": "edit", "type": "order", "data": {"number": number, "tag": tag}});
    assert!(world.app.post_leaflink(&body).await.status().is_success());
}

/// Places a Submitted order in the LeafLink simulator (which sends its webhooks).
pub fn place(world: &World, customer: i64, reps: &[i64], lines: &[SimOrderLine]) -> String {
    world.leaflink.place_order(customer, reps, lines).unwrap()
}

/// One case of the 10-per-case pre-roll `OGK-PR-1G` (LeafLink product 5150, $90 a case).
pub fn one_case_of_ten() -> SimOrderLine {
    SimOrderLine::cases(5150, 1)
}

/// Settles, then runs jobs waiting on their retry delay too, until nothing is left to run.
pub async fn settle_with_retries(world: &World) {
    for _ in 0..20 {
        world.settle().await;
        if world.app.drain(Duration::from_secs(3_600)).await == 0 {
            world.settle().await;
            return;
        }
    }
    panic!("jobs kept failing and retrying");
}

/// Every Flourish outbound order for a LeafLink order number.
pub fn flourish_orders(world: &World, number: &str) -> Vec<Value> {
    world.flourish.dump()["outbound_orders"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["original_order_id"] == json!(number))
        .cloned()
        .collect()
}

/// The only Flourish order for `number`.
pub fn only_flourish_order(world: &World, number: &str) -> Value {
    let orders = flourish_orders(world, number);
    assert_eq!(
        orders.len(),
        1,
        "one Flourish order for {number}: {orders:#?}"
    );
    orders.into_iter().next().unwrap()
}

/// The line of `order` with `sku`.
pub fn line<'a>(order: &'a Value, sku: &str) -> &'a Value {
    order["order_lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["sku"] == json!(sku))
        .unwrap_or_else(|| panic!("no line {sku} in {order:#}"))
}

/// Flourish destinations with `license`.
pub fn destinations_with(world: &World, license: &str) -> Vec<Value> {
    world.flourish.dump()["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["license_number"] == json!(license))
        .cloned()
        .collect()
}

/// Requests that change something (anything but GET) among `requests`.
pub fn writes(requests: Vec<LoggedRequest>) -> Vec<LoggedRequest> {
    requests
        .into_iter()
        .filter(|r| r.method != "GET" && !r.path.starts_with("/_sim"))
        .collect()
}

/// Write requests both simulators received since their logs were last cleared.
pub fn all_writes(world: &World) -> Vec<LoggedRequest> {
    let mut all = writes(world.leaflink.control().requests());
    all.extend(writes(world.flourish.control().requests()));
    all
}

pub fn clear_logs(world: &World) {
    world.leaflink.control().clear_requests();
    world.flourish.control().clear_requests();
}

/// The LeafLink order as the simulator holds it.
pub fn leaflink_order(world: &World, number: &str) -> Value {
    world.leaflink.dump()["orders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["number"] == json!(number))
        .cloned()
        .unwrap()
}

/// Outcomes recorded for one entity, newest first, as (outcome, reason).
pub async fn outcomes(world: &World, entity_key: &str) -> Vec<(String, String)> {
    world
        .events(&format!("entity_key={entity_key}"))
        .await
        .iter()
        .map(|e| {
            let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
            (text(&e["outcome"]), text(&e["reason"]))
        })
        .collect()
}

/// The newest outcome for an entity.
pub async fn last_outcome(world: &World, entity_key: &str) -> (String, String) {
    outcomes(world, entity_key)
        .await
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no event for {entity_key}"))
}

/// The stored order link of a LeafLink order.
pub async fn order_link(world: &World, number: &str) -> Option<Link> {
    links::get(&world.app.db.pool, "default", LinkKind::Order, number)
        .await
        .unwrap()
}

/// Asserts that no event of the world is left unprocessed or failed.
pub async fn assert_all_processed(world: &World) {
    for event in world.events("").await {
        let kind = event["kind"].as_str().unwrap_or_default();
        if kind == "product" {
            continue; // LeafLink product webhooks are recorded, not synced.
        }
        assert_eq!(event["status"], json!("done"), "{event:#}");
    }
}

/// Failed runs recorded for the events of one entity (retried attempts).
pub async fn failed_attempts(world: &World, entity_key: &str) -> usize {
    let mut failed = 0;
    for event in world.events(&format!("entity_key={entity_key}")).await {
        let id = event["id"].as_str().unwrap();
        let view: Value = world
            .app
            .admin_get(&format!("/api/v1/events/{id}"))
            .await
            .json()
            .await
            .unwrap();
        let attempts = view["attempts"].as_array().unwrap();
        failed += attempts.iter().filter(|a| a["error"].is_string()).count();
    }
    failed
}
