//! Flow A end to end: LeafLink orders become Flourish outbound orders in the facility of their
//! sales rep, with eaches, per-each prices, lots and destinations by id.

use leafbridge::sim::leaflink::SimOrderLine;
use serde_json::json;

use crate::sync_orders_support::*;
use crate::world::spawn_world;

#[tokio::test]
async fn one_case_of_ten_arrives_as_ten_eaches_at_the_price_of_one() {
    let world = spawn_world().await;
    let number = place(&world, 311, &[42], &[one_case_of_ten()]);
    world.settle().await;

    let order = only_flourish_order(&world, &number);
    let pre_roll = line(&order, "OGK-PR-1G");
    assert_eq!(pre_roll["order_qty"].as_f64(), Some(10.0));
    assert_eq!(pre_roll["unit_price"].as_f64(), Some(9.0));
    assert_eq!(order["order_status"], json!("Created"));
    let key = format!("leaflink.order:{number}");
    assert_eq!(last_outcome(&world, &key).await.0, "synced");
    assert_all_processed(&world).await;
}

#[tokio::test]
async fn destination_and_sales_rep_go_to_flourish_by_id_only() {
    let world = spawn_world().await;
    trigger_order(&world, ANA_ORDER, "first").await;
    world.settle().await;

    let creates: Vec<_> = writes(world.flourish.control().requests())
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/outbound-orders"))
        .collect();
    assert_eq!(creates.len(), 1);
    assert_eq!(creates[0].body["destination"], json!({"id": "2041"}));
    assert_eq!(creates[0].body["sales_rep"], json!({"id": "1201"}));
    assert_eq!(creates[0].body["original_order_id"], json!(ANA_ORDER));
    let order = only_flourish_order(&world, ANA_ORDER);
    assert_eq!(order["facility_id"], json!(CULTIVATION));
    assert_eq!(
        world.flourish.dump()["destinations"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
}

#[tokio::test]
async fn one_person_selling_for_two_facilities_under_two_emails_reaches_two_facilities() {
    let world = spawn_world().await;
    let cultivation = place(&world, 311, &[42], &[one_case_of_ten()]);
    let manufacturing = place(&world, 311, &[43], &[one_case_of_ten()]);
    world.settle().await;

    let first = only_flourish_order(&world, &cultivation);
    let second = only_flourish_order(&world, &manufacturing);
    assert_eq!(first["facility_id"], json!(CULTIVATION));
    assert_eq!(first["sales_rep"], json!({"id": "1201"}));
    assert_eq!(second["facility_id"], json!(MANUFACTURING));
    assert_eq!(second["sales_rep"], json!({"id": "1202"}));
}

#[tokio::test]
async fn order_without_any_rep_is_held_and_synced_once_a_rep_is_set() {
    let world = spawn_world().await;
    // Pacific Leaf Company (320) has no default rep either.
    let number = place(&world, 320, &[], &[one_case_of_ten()]);
    world.settle().await;

    let key = format!("leaflink.order:{number}");
    let (outcome, reason) = last_outcome(&world, &key).await;
    assert_eq!(outcome, "held");
    assert_eq!(
        reason,
        "order held: no sales rep on the order or the customer"
    );
    assert!(flourish_orders(&world, &number).is_empty());
    assert!(writes(world.flourish.control().requests()).is_empty());

    world.leaflink.set_order_sales_reps(&number, &[42]).unwrap();
    world.settle().await;
    assert_eq!(last_outcome(&world, &key).await.0, "synced");
    let order = only_flourish_order(&world, &number);
    assert_eq!(order["facility_id"], json!(CULTIVATION));
}

#[tokio::test]
async fn changing_the_rep_moves_the_order_from_one_facility_to_the_other() {
    let world = spawn_world().await;
    let number = place(&world, 311, &[42], &[one_case_of_ten()]);
    world.settle().await;
    let old = only_flourish_order(&world, &number);
    assert_eq!(old["facility_id"], json!(CULTIVATION));

    world.leaflink.set_order_sales_reps(&number, &[43]).unwrap();
    world.settle().await;

    let orders = flourish_orders(&world, &number);
    assert_eq!(orders.len(), 2, "{orders:#?}");
    let old_now = orders.iter().find(|o| o["id"] == old["id"]).unwrap();
    let new = orders.iter().find(|o| o["id"] != old["id"]).unwrap();
    assert_eq!(old_now["order_status"], json!("Cancelled"));
    assert_eq!(new["order_status"], json!("Created"));
    assert_eq!(new["facility_id"], json!(MANUFACTURING));
    assert_eq!(new["sales_rep"], json!({"id": "1202"}));
    let link = order_link(&world, &number).await.unwrap();
    assert_eq!(json!(link.remote_id), new["id"]);
    assert_eq!(link.extra, Some(json!({"facility_id": MANUFACTURING})));
    // The old order's cancellation is ours, not the buyer's: the LeafLink order stays open.
    assert_eq!(
        leaflink_order(&world, &number)["status"],
        json!("Submitted")
    );
    let old_key = format!("flourish.order:{}", old["id"].as_str().unwrap());
    assert_eq!(last_outcome(&world, &old_key).await.0, "ignored");
}

#[tokio::test]
async fn customer_default_rep_routes_that_customers_orders() {
    let world = spawn_world().await;
    trigger_order(&world, REDWOOD_ORDER, "first").await;
    world.settle().await;

    let order = only_flourish_order(&world, REDWOOD_ORDER);
    assert_eq!(order["facility_id"], json!(MANUFACTURING));
    assert_eq!(order["sales_rep"], json!({"id": "1204"}));
}

#[tokio::test]
async fn customer_without_a_flourish_destination_gets_one_created_once() {
    let world = spawn_world().await;
    assert!(destinations_with(&world, REDWOOD_LICENSE).is_empty());
    trigger_order(&world, REDWOOD_ORDER, "first").await;
    world.settle().await;
    let second = place(&world, 321, &[], &[SimOrderLine::units(5128, "6")]);
    world.settle().await;

    let created = destinations_with(&world, REDWOOD_LICENSE);
    assert_eq!(created.len(), 1, "{created:#?}");
    assert_eq!(created[0]["name"], json!("Redwood Remedies"));
    let id = created[0]["id"].clone();
    assert_eq!(
        only_flourish_order(&world, REDWOOD_ORDER)["destination"]["id"],
        id
    );
    assert_eq!(
        only_flourish_order(&world, &second)["destination"]["id"],
        id
    );
}

#[tokio::test]
async fn batch_on_a_line_becomes_its_lot_number() {
    let world = spawn_world().await;
    trigger_order(&world, ANA_ORDER, "first").await;
    world.settle().await;

    let order = only_flourish_order(&world, ANA_ORDER);
    assert_eq!(
        line(&order, "OGK-PR-1G")["lot_number"],
        json!("CFC-PR-261020-OGK")
    );
    assert_eq!(
        line(&order, "CF-FL-OGK-35")["lot_number"],
        json!("CFC-261012-OGK")
    );
    assert!(
        line(&order, "CF-FL-GSC-35")
            .get("lot_number")
            .is_none_or(|l| l.is_null())
    );
    assert_eq!(line(&order, "OGK-PR-1G")["order_qty"].as_f64(), Some(20.0));
}

#[tokio::test]
async fn allocated_flourish_order_is_not_touched_and_the_reason_is_recorded() {
    let world = spawn_world().await;
    let number = place(&world, 311, &[42], &[one_case_of_ten()]);
    world.settle().await;
    let id = only_flourish_order(&world, &number)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    world.flourish.set_order_status(&id, "Allocated").unwrap();
    world.settle().await;
    clear_logs(&world);

    world.leaflink.set_order_sales_reps(&number, &[43]).unwrap();
    world.settle().await;

    assert!(writes(world.flourish.control().requests()).is_empty());
    let order = only_flourish_order(&world, &number);
    assert_eq!(order["order_status"], json!("Allocated"));
    let (outcome, reason) = last_outcome(&world, &format!("leaflink.order:{number}")).await;
    assert_eq!(outcome, "needs_attention");
    assert!(
        reason.contains(&format!("Flourish order {id} is already Allocated")),
        "{reason}"
    );
}

#[tokio::test]
async fn leaflink_cancel_cancels_the_flourish_order() {
    let world = spawn_world().await;
    let number = place(&world, 311, &[42], &[one_case_of_ten()]);
    world.settle().await;

    world
        .leaflink
        .set_order_status(&number, leafbridge::leaflink::model::OrderStatus::Cancelled)
        .unwrap();
    world.settle().await;

    assert_eq!(
        only_flourish_order(&world, &number)["order_status"],
        json!("Cancelled")
    );
    assert_eq!(
        leaflink_order(&world, &number)["status"],
        json!("Cancelled")
    );
    assert_all_processed(&world).await;
}

#[tokio::test]
async fn missing_sku_needs_attention_naming_the_sku() {
    let world = spawn_world().await;
    // Product 5191 `CF-FL-LCG-35` has no Flourish item.
    let number = place(&world, 311, &[42], &[SimOrderLine::units(5191, "2")]);
    world.settle().await;

    let (outcome, reason) = last_outcome(&world, &format!("leaflink.order:{number}")).await;
    assert_eq!(outcome, "needs_attention");
    assert_eq!(reason, "SKU \"CF-FL-LCG-35\" not found in Flourish");
    assert!(flourish_orders(&world, &number).is_empty());
    assert!(writes(world.flourish.control().requests()).is_empty());
}

#[tokio::test]
async fn rerunning_the_events_and_a_replay_make_no_writes() {
    let world = spawn_world().await;
    for number in SEED_ORDERS {
        trigger_order(&world, number, "first").await;
    }
    world.settle().await;
    for number in SEED_ORDERS {
        assert_eq!(flourish_orders(&world, number).len(), 1);
    }
    clear_logs(&world);

    for number in SEED_ORDERS {
        trigger_order(&world, number, "again").await;
        trigger_order(&world, number, "replay").await;
    }
    world.settle().await;

    assert!(all_writes(&world).is_empty(), "{:#?}", all_writes(&world));
    for number in SEED_ORDERS {
        let found = outcomes(&world, &format!("leaflink.order:{number}")).await;
        assert_eq!(found.len(), 3);
        assert!(
            found[..2].iter().all(|(o, _)| o == "unchanged"),
            "{found:?}"
        );
        assert_eq!(flourish_orders(&world, number).len(), 1);
    }
}
