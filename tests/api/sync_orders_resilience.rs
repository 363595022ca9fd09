//! Flow A under duplicates, reordering, failures and rate limits: each run ends in the same
//! state as a clean one, with no duplicate Flourish order or destination.

use leafbridge::sim::common::DeliveryQuirks;
use serde_json::json;

use crate::sync_orders_support::*;
use crate::world::{World, spawn_world};

/// The state every variant must end in: the Redwood seed order in Manufacturing with Priya,
/// its destination created once.
fn assert_redwood_synced_once(world: &World) {
    let order = only_flourish_order(world, REDWOOD_ORDER);
    assert_eq!(order["facility_id"], json!(MANUFACTURING));
    assert_eq!(order["sales_rep"], json!({"id": "1204"}));
    assert_eq!(order["order_status"], json!("Created"));
    let destinations = destinations_with(world, REDWOOD_LICENSE);
    assert_eq!(destinations.len(), 1, "{destinations:#?}");
    assert_eq!(order["destination"]["id"], destinations[0]["id"]);
    assert_eq!(
        line(&order, "MK-GUM-WM-10PK")["order_qty"].as_f64(),
        Some(30.0)
    );
    assert_eq!(
        line(&order, "MK-GUM-WM-10PK")["unit_price"].as_f64(),
        Some(12.0)
    );
}

#[tokio::test]
async fn duplicate_webhooks_make_one_flourish_order() {
    let world = spawn_world().await;
    world.leaflink.outbox().set_quirks(DeliveryQuirks {
        duplicate_next: 10,
        ..DeliveryQuirks::default()
    });
    let number = place(&world, 311, &[42], &[one_case_of_ten()]);
    trigger_order(&world, REDWOOD_ORDER, "a").await;
    trigger_order(&world, REDWOOD_ORDER, "b").await;
    world.settle().await;

    only_flourish_order(&world, &number);
    assert_redwood_synced_once(&world);
    assert_all_processed(&world).await;
}

#[tokio::test]
async fn an_edit_delivered_before_its_create_ends_in_the_final_facility_only() {
    let world = spawn_world().await;
    // Hold the simulator's own webhooks back and deliver the pair by hand, edit first.
    world.leaflink.outbox().set_target(None);
    let number = place(&world, 311, &[42], &[one_case_of_ten()]);
    world.leaflink.set_order_sales_reps(&number, &[43]).unwrap();
    let edit = json!({"action": "edit", "type": "order", "data": {"number": number, "seq": 2}});
    let create = json!({"action": "create", "type": "order", "data": {"number": number, "seq": 1}});
    world.app.post_leaflink(&edit).await;
    world.app.post_leaflink(&create).await;
    world.settle().await;

    let order = only_flourish_order(&world, &number);
    assert_eq!(order["facility_id"], json!(MANUFACTURING));
    assert_eq!(order["order_status"], json!("Created"));
    let found = outcomes(&world, &format!("leaflink.order:{number}")).await;
    let kinds: Vec<&str> = found.iter().map(|(o, _)| o.as_str()).collect();
    assert_eq!(kinds, ["unchanged", "synced"]);
}

/// A platform fault in front of the first run, and what it is.
struct Fault {
    name: &'static str,
    inject: fn(&World),
}

/// Each fault the first run meets; the job retries through it.
const FAULTS: &[Fault] = &[
    Fault {
        name: "Flourish answers 503 six times",
        inject: |world| world.flourish.control().fail_next(6, 503),
    },
    Fault {
        name: "LeafLink answers 502 six times",
        inject: |world| world.leaflink.control().fail_next(6, 502),
    },
    Fault {
        name: "a 429 storm on both platforms",
        inject: |world| {
            world.flourish.control().rate_limit_next(10, 0);
            world.leaflink.control().rate_limit_next(5, 0);
        },
    },
];

#[tokio::test]
async fn a_platform_failing_then_recovering_ends_in_the_same_state() {
    for fault in FAULTS {
        eprintln!("fault: {}", fault.name);
        let world = spawn_world().await;
        (fault.inject)(&world);
        trigger_order(&world, REDWOOD_ORDER, "first").await;
        settle_with_retries(&world).await;

        let key = format!("leaflink.order:{REDWOOD_ORDER}");
        assert!(
            failed_attempts(&world, &key).await >= 1,
            "{}: the failures reached the job",
            fault.name
        );
        assert_redwood_synced_once(&world);
        assert_all_processed(&world).await;
    }
}

#[tokio::test]
async fn an_order_created_in_flourish_whose_answer_was_lost_is_adopted_not_duplicated() {
    let world = spawn_world().await;
    trigger_order(&world, REDWOOD_ORDER, "first").await;
    world.settle().await;
    let created = only_flourish_order(&world, REDWOOD_ORDER);
    // Forget the link, as if the job had died between Flourish's create and the link write.
    let link = order_link(&world, REDWOOD_ORDER).await.unwrap();
    leafbridge::store::links::delete(&world.app.db.pool, "default", &link.id)
        .await
        .unwrap();
    clear_logs(&world);

    trigger_order(&world, REDWOOD_ORDER, "again").await;
    world.settle().await;

    assert!(all_writes(&world).is_empty(), "{:#?}", all_writes(&world));
    assert_redwood_synced_once(&world);
    let link = order_link(&world, REDWOOD_ORDER).await.unwrap();
    assert_eq!(json!(link.remote_id), created["id"]);
}

#[tokio::test]
async fn a_move_interrupted_after_the_cancel_finishes_on_the_next_event() {
    let world = spawn_world().await;
    let number = place(&world, 311, &[42], &[one_case_of_ten()]);
    world.settle().await;
    let old = only_flourish_order(&world, &number)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The state a move leaves when its job dies between the cancel and the create.
    world.leaflink.outbox().set_target(None);
    world.leaflink.set_order_sales_reps(&number, &[43]).unwrap();
    let moving = leafbridge::store::links::NewLink {
        kind: leafbridge::store::links::LinkKind::Order,
        key: &number,
        remote_id: &old,
        extra: Some(json!({"facility_id": CULTIVATION, "moving": true})),
        pinned: false,
    };
    leafbridge::store::links::upsert(&world.app.db.pool, "default", &moving, 1)
        .await
        .unwrap();
    world.flourish.set_order_status(&old, "Cancelled").unwrap();
    world.settle().await;

    // The cancellation was leafbridge's own: the LeafLink order stays open.
    assert_eq!(
        leaflink_order(&world, &number)["status"],
        json!("Submitted")
    );
    trigger_order(&world, &number, "retry").await;
    world.settle().await;

    let orders = flourish_orders(&world, &number);
    let live: Vec<_> = orders
        .iter()
        .filter(|o| o["order_status"] == json!("Created"))
        .collect();
    assert_eq!((orders.len(), live.len()), (2, 1), "{orders:#?}");
    assert_eq!(live[0]["facility_id"], json!(MANUFACTURING));
    let link = order_link(&world, &number).await.unwrap();
    assert_eq!(json!(link.remote_id), live[0]["id"]);
}
