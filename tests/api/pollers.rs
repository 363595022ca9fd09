//! Reconciliation pollers against the LeafLink simulator: lost order webhooks are repaired,
//! customers (which have no webhook at all) are found, nothing is enqueued twice, and the
//! next change of a record is enqueued again. Passes are driven by hand with `poll::run_once`.
//!
//! The sync flows are not asserted here: these tests check what the pollers own (events with
//! source `poller`, their entity keys and jobs, deduplication, watermarks).

use leafbridge::sim::common::DeliveryQuirks;
use leafbridge::sim::leaflink::SimOrderLine;
use leafbridge::store::{now_ms, watermarks};
use leafbridge::sync::poll::{self, PassReport, Poller};
use serde_json::json;
use sqlx::Row;

use crate::world::{World, spawn_world};

/// One pass of `poller` as of `now`, through the running app's own ingest and sync context.
pub async fn poll_at(world: &World, poller: Poller, now: i64) -> anyhow::Result<PassReport> {
    let state = &world.app.state;
    let sync = state
        .sync
        .as_ref()
        .expect("the world configures both platforms");
    poll::run_once(sync, &state.ingest, poller, now).await
}

/// One pass of `poller` now; it must succeed.
pub async fn poll(world: &World, poller: Poller) -> PassReport {
    poll_at(world, poller, now_ms()).await.expect("poll pass")
}

/// Jobs for `entity_key` as (kind, state), oldest first.
pub async fn jobs_for(world: &World, entity_key: &str) -> Vec<(String, String)> {
    sqlx::query("SELECT kind, state FROM jobs WHERE entity_key = $1 ORDER BY seq")
        .bind(entity_key)
        .fetch_all(&world.app.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get("kind"), row.get("state")))
        .collect()
}

/// Events recorded for `entity_key` from `source`.
pub async fn events_for(world: &World, source: &str, entity_key: &str) -> Vec<serde_json::Value> {
    world
        .events(&format!("source={source}&entity_key={entity_key}"))
        .await
}

pub async fn poll_state(world: &World, poller: Poller) -> watermarks::PollState {
    watermarks::get(
        &world.app.db.pool,
        &world.app.state.connection,
        poller.name(),
    )
    .await
    .unwrap()
}

/// Places a one-line order whose webhooks (one per line for the reserved stock, then the
/// order's) are all lost; returns its number.
pub fn place_order_losing_webhooks(world: &World) -> String {
    world.leaflink.outbox().set_quirks(DeliveryQuirks {
        drop_next: 2,
        ..DeliveryQuirks::default()
    });
    world
        .leaflink
        .place_order(311, &[42], &[SimOrderLine::cases(5150, 1)])
        .unwrap()
}

#[tokio::test]
async fn order_poll_repairs_a_lost_order_webhook() {
    let world = spawn_world().await;
    let number = place_order_losing_webhooks(&world);
    world.settle().await;
    let key = format!("leaflink.order:{number}");
    assert!(world.events(&format!("entity_key={key}")).await.is_empty());

    let report = poll(&world, Poller::Orders).await;

    assert_eq!((report.listed, report.enqueued), (1, 1), "{report:?}");
    let events = events_for(&world, "poller", &key).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["kind"], "order");
    assert_eq!(
        jobs_for(&world, &key).await,
        [("leaflink.order".into(), "pending".into())]
    );
    assert!(
        poll_state(&world, Poller::Orders)
            .await
            .last_success_at
            .is_some()
    );
    // The gap is repaired: the order reaches Flourish, once.
    world.settle().await;
    let state = world.flourish.dump();
    let orders: Vec<_> = state["outbound_orders"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["original_order_id"] == number.as_str())
        .collect();
    assert_eq!(orders.len(), 1, "{orders:?}");
    assert_eq!(orders[0]["order_status"], "Created");
}

#[tokio::test]
async fn customer_poll_is_the_path_for_new_leaflink_customers() {
    let world = spawn_world().await;
    let licensed = json!({"name": "Sunset Wellness", "license_number": "C10-0000999-LIC",
                          "state": "CA", "managers": [42]});
    world.leaflink.upsert_customer(&licensed).unwrap();
    let unlicensed = world
        .leaflink
        .upsert_customer(&json!({"name": "Paperwork Pending"}))
        .unwrap();
    world.settle().await;

    let report = poll(&world, Poller::Customers).await;

    assert_eq!(report.enqueued, 2, "{report:?}");
    let by_license = "leaflink.customer:C10-0000999-LIC";
    assert_eq!(events_for(&world, "poller", by_license).await.len(), 1);
    assert_eq!(
        jobs_for(&world, by_license).await,
        [("leaflink.customer".into(), "pending".into())]
    );
    let by_id = format!("leaflink.customer:id:{}", unlicensed.id);
    assert_eq!(jobs_for(&world, &by_id).await.len(), 1);
    // The customer becomes a Flourish destination; the unlicensed one needs a person.
    world.settle().await;
    let state = world.flourish.dump();
    let created = state["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["license_number"] == "C10-0000999-LIC")
        .count();
    assert_eq!(created, 1);
    let unlicensed_events = world.events(&format!("entity_key={by_id}")).await;
    assert_eq!(unlicensed_events[0]["outcome"], "needs_attention");
}

#[tokio::test]
async fn order_poll_right_after_the_webhook_enqueues_nothing() {
    let world = spawn_world().await;
    let number = world
        .leaflink
        .place_order(311, &[42], &[SimOrderLine::cases(5150, 1)])
        .unwrap();
    world.settle().await;
    let key = format!("leaflink.order:{number}");
    assert_eq!(events_for(&world, "leaflink", &key).await.len(), 1);

    let report = poll(&world, Poller::Orders).await;

    assert_eq!((report.listed, report.skipped, report.enqueued), (1, 1, 0));
    assert!(events_for(&world, "poller", &key).await.is_empty());
    assert_eq!(
        jobs_for(&world, &key).await.len(),
        1,
        "only the webhook's job"
    );
}

#[tokio::test]
async fn polling_twice_with_nothing_new_enqueues_nothing() {
    let world = spawn_world().await;
    let number = place_order_losing_webhooks(&world);
    world.settle().await;
    assert_eq!(poll(&world, Poller::Orders).await.enqueued, 1);

    let again = poll(&world, Poller::Orders).await;

    assert_eq!(again.listed, 1, "the overlap lists the order again");
    assert_eq!(again.enqueued, 0, "{again:?}");
    let key = format!("leaflink.order:{number}");
    assert_eq!(events_for(&world, "poller", &key).await.len(), 1);
    assert_eq!(jobs_for(&world, &key).await.len(), 1);
}

#[tokio::test]
async fn a_changed_order_is_enqueued_again_by_the_next_poll() {
    let world = spawn_world().await;
    let number = place_order_losing_webhooks(&world);
    world.settle().await;
    assert_eq!(poll(&world, Poller::Orders).await.enqueued, 1);
    world.leaflink.outbox().set_quirks(DeliveryQuirks {
        drop_next: 1,
        ..DeliveryQuirks::default()
    });
    world.leaflink.set_order_sales_reps(&number, &[43]).unwrap();
    world.settle().await;

    let report = poll(&world, Poller::Orders).await;

    assert_eq!(report.enqueued, 1, "{report:?}");
    let key = format!("leaflink.order:{number}");
    assert_eq!(events_for(&world, "poller", &key).await.len(), 2);
}
