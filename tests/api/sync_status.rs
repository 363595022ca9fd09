//! Flow E end to end: Flourish order statuses move the linked LeafLink orders, and the order
//! webhooks LeafLink sends back for those transitions make no further writes.

use leafbridge::flourish::model::{IdRef, NewOutboundOrder, OrderLine};
use leafbridge::flourish::{FlourishClient, FlourishConfig};
use leafbridge::leaflink::model::OrderStatus;
use leafbridge::remote::TransportConfig;
use leafbridge::sim::common::DeliveryQuirks;
use serde_json::{Value, json};

use crate::sync_orders_support::*;
use crate::world::{FLOURISH_API_KEY, World, spawn_world};

/// Syncs a fresh order for Green Door with Ana (Cultivation); returns (number, Flourish id).
async fn synced_order(world: &World) -> (String, String) {
    let number = place(world, 311, &[42], &[one_case_of_ten()]);
    world.settle().await;
    let id = only_flourish_order(world, &number)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (number, id)
}

/// The transitions leafbridge asked LeafLink for, in order.
fn transitions(world: &World) -> Vec<String> {
    writes(world.leaflink.control().requests())
        .iter()
        .filter_map(|r| r.path.split("/transition/").nth(1))
        .map(|action| action.trim_end_matches('/').to_owned())
        .collect()
}

fn status(world: &World, number: &str) -> Value {
    leaflink_order(world, number)["status"].clone()
}

#[tokio::test]
async fn flourish_shipped_walks_the_leaflink_order_to_shipped() {
    let world = spawn_world().await;
    let (number, id) = synced_order(&world).await;
    clear_logs(&world);

    world.flourish.set_order_status(&id, "Shipped").unwrap();
    world.settle().await;

    assert_eq!(status(&world, &number), json!("Shipped"));
    assert_eq!(transitions(&world), ["accept", "fulfill", "ship"]);
    let (outcome, reason) = last_outcome(&world, &format!("flourish.order:{id}")).await;
    assert_eq!(outcome, "synced");
    assert_eq!(
        reason,
        format!(
            "accept LeafLink order {number}; fulfill LeafLink order {number}; ship LeafLink order {number}"
        )
    );
    // LeafLink's order webhooks for the three transitions changed nothing in Flourish.
    assert!(writes(world.flourish.control().requests()).is_empty());
    assert_all_processed(&world).await;
}

#[tokio::test]
async fn flourish_allocated_accepts_then_shipped_and_completed_follow() {
    let world = spawn_world().await;
    let (number, id) = synced_order(&world).await;

    world.flourish.set_order_status(&id, "Allocated").unwrap();
    world.settle().await;
    assert_eq!(status(&world, &number), json!("Accepted"));

    world.flourish.set_order_status(&id, "Shipped").unwrap();
    world.settle().await;
    assert_eq!(status(&world, &number), json!("Shipped"));

    world.flourish.set_order_status(&id, "Completed").unwrap();
    world.settle().await;
    assert_eq!(status(&world, &number), json!("Complete"));
    assert_eq!(
        only_flourish_order(&world, &number)["order_status"],
        json!("Completed")
    );
    assert_all_processed(&world).await;
}

/// Moves the synced order to `from` in LeafLink, then sets `flourish` in Flourish; returns the
/// transitions leafbridge made and the LeafLink status they left.
async fn walk(from: OrderStatus, flourish: &str) -> (Vec<String>, Value, String) {
    let world = spawn_world().await;
    let (number, id) = synced_order(&world).await;
    if from != OrderStatus::Submitted {
        world.leaflink.set_order_status(&number, from).unwrap();
        world.settle().await;
    }
    clear_logs(&world);

    world.flourish.set_order_status(&id, flourish).unwrap();
    world.settle().await;

    let (outcome, _) = last_outcome(&world, &format!("flourish.order:{id}")).await;
    assert_all_processed(&world).await;
    (transitions(&world), status(&world, &number), outcome)
}

#[tokio::test]
async fn each_flourish_status_lands_as_the_right_walk_from_submitted_and_from_accepted() {
    use OrderStatus::{Accepted, Submitted};
    let cases: [(OrderStatus, &str, &[&str], &str); 6] = [
        (
            Submitted,
            "Shipped",
            &["accept", "fulfill", "ship"],
            "Shipped",
        ),
        (Accepted, "Shipped", &["fulfill", "ship"], "Shipped"),
        (
            Submitted,
            "Completed",
            &["accept", "fulfill", "ship", "complete"],
            "Complete",
        ),
        (
            Accepted,
            "Completed",
            &["fulfill", "ship", "complete"],
            "Complete",
        ),
        (Submitted, "Cancelled", &["reject"], "Rejected"),
        (Accepted, "Cancelled", &["reject"], "Rejected"),
    ];
    for (from, flourish, steps, to) in cases {
        let (made, status, outcome) = walk(from, flourish).await;
        assert_eq!(made, steps, "Flourish {flourish} from LeafLink {from:?}");
        assert_eq!(
            status,
            json!(to),
            "Flourish {flourish} from LeafLink {from:?}"
        );
        assert_eq!(outcome, "synced");
    }
}

#[tokio::test]
async fn flourish_cancel_rejects_the_leaflink_order_and_the_echo_writes_nothing() {
    let world = spawn_world().await;
    let (number, id) = synced_order(&world).await;
    clear_logs(&world);

    world.flourish.set_order_status(&id, "Cancelled").unwrap();
    world.settle().await;

    assert_eq!(status(&world, &number), json!("Rejected"));
    assert_eq!(transitions(&world), ["reject"]);
    assert!(writes(world.flourish.control().requests()).is_empty());
    let order_outcomes = outcomes(&world, &format!("leaflink.order:{number}")).await;
    assert_eq!(order_outcomes[0].0, "unchanged", "{order_outcomes:?}");
}

#[tokio::test]
async fn a_closed_leaflink_order_is_not_moved() {
    let world = spawn_world().await;
    let (number, id) = synced_order(&world).await;
    world
        .leaflink
        .set_order_status(&number, OrderStatus::Complete)
        .unwrap();
    world.settle().await;
    clear_logs(&world);

    world.flourish.set_order_status(&id, "Cancelled").unwrap();
    world.settle().await;

    assert!(transitions(&world).is_empty());
    assert_eq!(status(&world, &number), json!("Complete"));
    let (outcome, reason) = last_outcome(&world, &format!("flourish.order:{id}")).await;
    assert_eq!(outcome, "ignored");
    assert_eq!(
        reason,
        "LeafLink order is Complete: it cannot follow Flourish status Cancelled"
    );
}

#[tokio::test]
async fn a_flourish_order_leafbridge_did_not_create_is_ignored_with_the_reason() {
    let world = spawn_world().await;
    let flourish = FlourishClient::new(FlourishConfig {
        base_url: world.flourish.base_url(),
        api_key: FLOURISH_API_KEY.into(),
        transport: TransportConfig::flourish_default(),
    })
    .unwrap();
    let order = NewOutboundOrder {
        original_order_id: "walk-in-7".into(),
        order_timestamp: "2026-11-20T10:00:00.000Z".into(),
        destination: IdRef::new("2041"),
        sales_rep: None,
        order_lines: vec![OrderLine {
            sku: "OGK-PR-1G".into(),
            order_qty: 10.0,
            ..OrderLine::default()
        }],
        notes: Vec::new(),
        adjustments: Default::default(),
        payment_term: None,
    };
    let id = flourish
        .create_outbound_order(CULTIVATION, &order)
        .await
        .unwrap()
        .id;
    world.flourish.set_order_status(&id, "Shipped").unwrap();
    world.settle().await;

    let (outcome, reason) = last_outcome(&world, &format!("flourish.order:{id}")).await;
    assert_eq!(outcome, "ignored");
    assert_eq!(reason, "Flourish order is not linked to a LeafLink order");
    assert!(transitions(&world).is_empty());
}

#[tokio::test]
async fn a_created_flourish_order_has_nothing_to_move_in_leaflink() {
    let world = spawn_world().await;
    let (number, id) = synced_order(&world).await;

    let created = outcomes(&world, &format!("flourish.order:{id}")).await;
    assert_eq!(created[0].0, "ignored");
    assert_eq!(
        created[0].1,
        "Flourish status Created has no LeafLink counterpart"
    );
    assert!(transitions(&world).is_empty());
    assert_eq!(status(&world, &number), json!("Submitted"));
}

#[tokio::test]
async fn replaying_a_status_makes_no_writes() {
    let world = spawn_world().await;
    let (_, id) = synced_order(&world).await;
    world.flourish.set_order_status(&id, "Shipped").unwrap();
    world.settle().await;
    clear_logs(&world);

    let replay = json!({"resource_type": "order", "data": {"id": id, "replay": true}});
    world.app.post_flourish(&replay).await;
    world.settle().await;

    assert!(all_writes(&world).is_empty(), "{:#?}", all_writes(&world));
    let (outcome, _) = last_outcome(&world, &format!("flourish.order:{id}")).await;
    assert_eq!(outcome, "unchanged");
}

#[tokio::test]
async fn statuses_delivered_out_of_order_and_twice_end_shipped() {
    let world = spawn_world().await;
    let (number, id) = synced_order(&world).await;
    clear_logs(&world);
    world.flourish.outbox().set_quirks(DeliveryQuirks {
        reorder_next: true,
        duplicate_next: 3,
        ..DeliveryQuirks::default()
    });

    world.flourish.set_order_status(&id, "Allocated").unwrap();
    world.flourish.set_order_status(&id, "Shipped").unwrap();
    world.settle().await;

    assert_eq!(status(&world, &number), json!("Shipped"));
    assert_eq!(transitions(&world), ["accept", "fulfill", "ship"]);
    let found = outcomes(&world, &format!("flourish.order:{id}")).await;
    let kinds: Vec<&str> = found.iter().map(|(o, _)| o.as_str()).collect();
    assert_eq!(kinds, ["unchanged", "synced", "ignored"], "{found:?}");
}
