//! Order money end to end: a LeafLink order's percent discount, shipping charge, tax and sale
//! prices reach the Flourish order, whose total (computed by the simulator from lines, discounts
//! and charges) equals LeafLink's; changes follow while the order is `Created`.

use serde_json::{Value, json};

use crate::sync_orders_support::*;
use crate::world::{World, spawn_world};

/// Two cases of the pre-roll (LeafLink product 5150, 10 per case, $90 a case) with `money` set.
async fn order_with(world: &World, money: Value) -> String {
    let number = place(world, 311, &[42], &[SimOrderLine::cases(5150, 2)]);
    world.leaflink.set_order_money(&number, &money).unwrap();
    world.settle().await;
    number
}

use leafbridge::sim::leaflink::SimOrderLine;

fn leaflink_total(world: &World, number: &str) -> f64 {
    let total = &leaflink_order(world, number)["total"]["amount"];
    total.as_str().unwrap().parse().unwrap()
}

fn entries(order: &Value, list: &str) -> Vec<(String, f64)> {
    order[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_owned(),
                e["amount"].as_f64().unwrap(),
            )
        })
        .collect()
}

/// The order was written and nothing since needed attention.
async fn assert_synced(world: &World, number: &str) {
    let all = outcomes(world, &format!("leaflink.order:{number}")).await;
    assert!(all.iter().any(|(o, _)| o == "synced"), "{all:?}");
    assert!(
        all.iter().all(|(o, _)| o == "synced" || o == "unchanged"),
        "{all:?}"
    );
}

#[tokio::test]
async fn a_percent_discount_arrives_in_dollars_as_a_pretax_discount() {
    let world = spawn_world().await;
    let number = order_with(&world, json!({"discount": 10, "discount_type": "%"})).await;
    assert_eq!(leaflink_total(&world, &number), 162.0);
    let order = only_flourish_order(&world, &number);
    assert_eq!(
        entries(&order, "pretax_discounts"),
        [("Discount".into(), 18.0)]
    );
    assert_eq!(order["order_total"].as_f64(), Some(162.0));
    assert_synced(&world, &number).await;
}

#[tokio::test]
async fn a_shipping_charge_arrives_as_a_charge() {
    let world = spawn_world().await;
    let shipping = json!({"shipping_charge": {"amount": "25.00", "currency": "USD"}});
    let number = order_with(&world, shipping).await;
    let order = only_flourish_order(&world, &number);
    assert_eq!(entries(&order, "charges"), [("Shipping".into(), 25.0)]);
    assert_eq!(
        order["order_total"].as_f64(),
        Some(leaflink_total(&world, &number))
    );
    assert_eq!(order["order_total"].as_f64(), Some(205.0));
    assert_synced(&world, &number).await;
}

#[tokio::test]
async fn a_percent_tax_arrives_as_a_tax_charge_in_dollars() {
    let world = spawn_world().await;
    let number = order_with(&world, json!({"tax_amount": 7.25, "tax_type": "%"})).await;
    // 7.25 % of $180.00 = $13.05.
    assert_eq!(leaflink_order(&world, &number)["final_tax"], json!("13.05"));
    let order = only_flourish_order(&world, &number);
    assert_eq!(entries(&order, "charges"), [("Tax".into(), 13.05)]);
    assert_eq!(order["order_total"].as_f64(), Some(193.05));
    assert_eq!(leaflink_total(&world, &number), 193.05);
    assert_synced(&world, &number).await;
}

#[tokio::test]
async fn a_sale_priced_case_line_keeps_its_list_price_with_the_sale_price_per_each() {
    let world = spawn_world().await;
    let sale = json!({"lines": [{"product": 5150, "sale_price": "81.00"}]});
    let number = order_with(&world, sale).await;
    let order = only_flourish_order(&world, &number);
    let pre_roll = line(&order, "OGK-PR-1G");
    assert_eq!(pre_roll["order_qty"].as_f64(), Some(20.0));
    assert_eq!(pre_roll["unit_price"].as_f64(), Some(9.0));
    assert_eq!(pre_roll["discount_price"].as_f64(), Some(8.1));
    assert_eq!(order["order_total"].as_f64(), Some(162.0));
    assert_eq!(leaflink_total(&world, &number), 162.0);
    assert_synced(&world, &number).await;
}

#[tokio::test]
async fn money_changed_on_leaflink_updates_a_created_order_and_is_attention_once_allocated() {
    let world = spawn_world().await;
    let number = order_with(&world, json!({})).await;
    let shipping = json!({"shipping_charge": {"amount": "12.50", "currency": "USD"}});
    world.leaflink.set_order_money(&number, &shipping).unwrap();
    world.settle().await;
    let order = only_flourish_order(&world, &number);
    assert_eq!(order["order_total"].as_f64(), Some(192.5));
    assert_synced(&world, &number).await;

    let id = order["id"].as_str().unwrap().to_owned();
    world.flourish.set_order_status(&id, "Allocated").unwrap();
    world.settle().await;
    world
        .leaflink
        .set_order_money(&number, &json!({"discount": 5, "discount_type": "$"}))
        .unwrap();
    world.settle().await;
    let (outcome, reason) = last_outcome(&world, &format!("leaflink.order:{number}")).await;
    assert_eq!(outcome, "needs_attention");
    assert!(reason.contains("its money"), "{reason}");
    assert_eq!(
        only_flourish_order(&world, &number)["order_total"].as_f64(),
        Some(192.5)
    );
}

#[tokio::test]
async fn a_leaflink_total_that_does_not_add_up_needs_attention_with_both_figures() {
    let world = spawn_world().await;
    let off = json!({"total": {"amount": "175.00", "currency": "USD"}});
    let number = order_with(&world, off).await;
    let (outcome, reason) = last_outcome(&world, &format!("leaflink.order:{number}")).await;
    assert_eq!(outcome, "needs_attention");
    let id = only_flourish_order(&world, &number)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        reason.starts_with(&format!(
            "totals do not reconcile: LeafLink $175.00, Flourish order {id} $180.00"
        )),
        "{reason}"
    );
    assert!(
        reason.contains("LeafLink's total is not the sum of its parts ($180.00)"),
        "{reason}"
    );
}

fn payments_of(world: &World, number: &str) -> Vec<Value> {
    world.leaflink.dump()["order_payments"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p["order"] == json!(number))
        .collect()
}

#[tokio::test]
async fn a_payment_is_recorded_once_even_when_the_status_arrives_again() {
    let world = spawn_world().await;
    let number = order_with(&world, json!({})).await;
    let id = only_flourish_order(&world, &number)["id"]
        .as_str()
        .unwrap()
        .to_owned();

    world
        .flourish
        .set_payment_status(&id, "Partially Paid", Some(50.0))
        .unwrap();
    world.settle().await;
    let payments = payments_of(&world, &number);
    assert_eq!(payments.len(), 1, "{payments:#?}");
    assert_eq!(payments[0]["total"]["amount"], json!("50.00"));
    assert_eq!(
        leaflink_order(&world, &number)["payment_balance"],
        json!("130.00")
    );

    world
        .flourish
        .set_payment_status(&id, "Paid", None)
        .unwrap();
    world.settle().await;
    // The same status delivered again, and once more through a second change.
    world
        .flourish
        .set_payment_status(&id, "Paid", None)
        .unwrap();
    world.settle().await;
    let payments = payments_of(&world, &number);
    assert_eq!(payments.len(), 2, "{payments:#?}");
    assert_eq!(payments[1]["total"]["amount"], json!("130.00"));
    let order = leaflink_order(&world, &number);
    assert_eq!(
        (order["paid"].clone(), order["payment_balance"].clone()),
        (json!(true), json!("0.00"))
    );
    let link = order_link(&world, &number).await.unwrap();
    let keys = link.extra.unwrap()["payments"].clone();
    assert_eq!(
        keys,
        json!([format!("paid:{id}:50"), format!("paid:{id}:180")])
    );
    let key = format!("flourish.order:{id}");
    let (outcome, reason) = last_outcome(&world, &key).await;
    assert_ne!(outcome, "needs_attention", "{reason}");
}

#[tokio::test]
async fn a_refund_in_flourish_needs_attention_since_leaflink_records_no_refunds() {
    let world = spawn_world().await;
    let number = order_with(&world, json!({})).await;
    let id = only_flourish_order(&world, &number)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    world
        .flourish
        .set_payment_status(&id, "Paid", None)
        .unwrap();
    world.settle().await;
    assert_eq!(payments_of(&world, &number).len(), 1);
    clear_logs(&world);

    world
        .flourish
        .set_payment_status(&id, "Refunded", None)
        .unwrap();
    world.settle().await;
    let (outcome, reason) = last_outcome(&world, &format!("flourish.order:{id}")).await;
    assert_eq!(outcome, "needs_attention");
    assert_eq!(
        reason,
        format!("Flourish order {id} is Refunded; LeafLink's API records payments but no refunds")
    );
    assert!(writes(world.leaflink.control().requests()).is_empty());
    assert_eq!(payments_of(&world, &number).len(), 1);
}

/// Gives the Flourish simulator the payment terms `terms` (`[(id, name)]`).
fn flourish_terms(world: &World, terms: &[(i64, &str)]) {
    let mut state = world.flourish.dump();
    state["payment_terms"] = terms
        .iter()
        .map(|(id, name)| json!({"id": id, "name": name}))
        .collect();
    world.flourish.load_seed(&state).unwrap();
}

/// The id of the payment term of a Flourish order, as text.
fn term_of(order: &Value) -> Option<String> {
    match &order["payment_term"]["id"] {
        Value::String(id) => Some(id.clone()),
        Value::Number(id) => Some(id.to_string()),
        _ => None,
    }
}

#[tokio::test]
async fn a_leaflink_payment_term_arrives_as_the_flourish_term_of_that_name() {
    let world = spawn_world().await;
    flourish_terms(&world, &[(7, "COD"), (8, "Net 30")]);
    let number = order_with(&world, json!({"payment_term": " net 30 "})).await;
    let order = only_flourish_order(&world, &number);
    assert_eq!(term_of(&order), Some("8".to_owned()));
    assert_synced(&world, &number).await;
}

#[tokio::test]
async fn an_unknown_payment_term_needs_attention_naming_it_until_flourish_has_it() {
    let world = spawn_world().await;
    flourish_terms(&world, &[(7, "COD")]);
    let number = order_with(&world, json!({"payment_term": "Net 45"})).await;
    let (outcome, reason) = last_outcome(&world, &format!("leaflink.order:{number}")).await;
    assert_eq!(outcome, "needs_attention");
    assert!(reason.contains("\"Net 45\""), "{reason}");
    assert!(flourish_orders(&world, &number).is_empty());

    // The term is created in Flourish; the next change of the order takes it.
    flourish_terms(&world, &[(7, "COD"), (9, "NET 45")]);
    let shipping = json!({"shipping_charge": {"amount": "25.00", "currency": "USD"}});
    world.leaflink.set_order_money(&number, &shipping).unwrap();
    world.settle().await;
    let order = only_flourish_order(&world, &number);
    assert_eq!(term_of(&order), Some("9".to_owned()));
    let (outcome, _) = last_outcome(&world, &format!("leaflink.order:{number}")).await;
    assert_eq!(outcome, "synced");
}

#[tokio::test]
async fn a_payment_term_change_alone_updates_a_created_order_and_is_attention_once_allocated() {
    let world = spawn_world().await;
    flourish_terms(&world, &[(7, "COD"), (8, "Net 30")]);
    let number = order_with(&world, json!({"payment_term": "COD"})).await;
    assert_eq!(
        term_of(&only_flourish_order(&world, &number)),
        Some("7".to_owned())
    );

    world
        .leaflink
        .set_order_money(&number, &json!({"payment_term": "Net 30"}))
        .unwrap();
    world.settle().await;
    let order = only_flourish_order(&world, &number);
    assert_eq!(term_of(&order), Some("8".to_owned()));
    let (outcome, reason) = last_outcome(&world, &format!("leaflink.order:{number}")).await;
    assert_eq!(outcome, "synced");
    assert!(reason.contains("payment term 8"), "{reason}");

    let id = order["id"].as_str().unwrap().to_owned();
    world.flourish.set_order_status(&id, "Allocated").unwrap();
    world.settle().await;
    world
        .leaflink
        .set_order_money(&number, &json!({"payment_term": "COD"}))
        .unwrap();
    world.settle().await;
    let (outcome, reason) = last_outcome(&world, &format!("leaflink.order:{number}")).await;
    assert_eq!(outcome, "needs_attention");
    assert!(reason.contains("its payment term changed"), "{reason}");
    assert_eq!(
        term_of(&only_flourish_order(&world, &number)),
        Some("8".to_owned())
    );
}

#[tokio::test]
async fn a_payment_redelivered_or_replayed_is_recorded_once() {
    let world = spawn_world().await;
    let number = order_with(&world, json!({})).await;
    let id = only_flourish_order(&world, &number)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Flourish delivers the status webhook twice.
    world
        .flourish
        .outbox()
        .set_quirks(leafbridge::sim::common::DeliveryQuirks {
            duplicate_next: 1,
            ..Default::default()
        });
    world
        .flourish
        .set_payment_status(&id, "Paid", None)
        .unwrap();
    world.settle().await;
    assert_eq!(payments_of(&world, &number).len(), 1);

    // An operator replays every event of the Flourish order: nothing is recorded again.
    clear_logs(&world);
    for event in world
        .events(&format!("entity_key=flourish.order:{id}"))
        .await
    {
        let event_id = event["id"].as_str().unwrap();
        let status = world
            .app
            .http
            .post(format!(
                "{}/api/v1/events/{event_id}/replay",
                world.app.address
            ))
            .bearer_auth(crate::helpers::ADMIN_TOKEN)
            .send()
            .await
            .unwrap()
            .status();
        assert!(status.is_success(), "{status}");
    }
    world.settle().await;
    let payments = payments_of(&world, &number);
    assert_eq!(payments.len(), 1, "{payments:#?}");
    assert_eq!(payments[0]["total"]["amount"], json!("180.00"));
    let posted: Vec<_> = writes(world.leaflink.control().requests())
        .into_iter()
        .filter(|r| r.path.contains("order-payments"))
        .collect();
    assert!(posted.is_empty(), "{posted:#?}");
}

#[tokio::test]
async fn a_whole_invoice_with_a_sale_priced_case_line_discount_tax_shipping_and_credits_reconciles()
{
    let world = spawn_world().await;
    let money = json!({
        "lines": [{"product": 5150, "sale_price": "81.00"}],
        "discount": 5, "discount_type": "%",
        "tax_amount": 7.25, "tax_type": "%",
        "shipping_charge": {"amount": "25.00", "currency": "USD"},
        "credits": "10.00",
    });
    let number = order_with(&world, money).await;
    // Lines 2 × $81.00 = $162.00; 5 % off = $8.10; tax 7.25 % of $153.90 = $11.16 (rounded
    // half away from zero); + $25.00 shipping − $10.00 credits = $180.06.
    assert_eq!(leaflink_total(&world, &number), 180.06);
    let order = only_flourish_order(&world, &number);
    assert_eq!(
        line(&order, "OGK-PR-1G")["discount_price"].as_f64(),
        Some(8.1)
    );
    assert_eq!(
        entries(&order, "pretax_discounts"),
        [("Discount".into(), 8.1)]
    );
    assert_eq!(
        entries(&order, "charges"),
        [("Shipping".into(), 25.0), ("Tax".into(), 11.16)]
    );
    assert_eq!(entries(&order, "discounts"), [("Credits".into(), 10.0)]);
    assert_eq!(order["order_total"].as_f64(), Some(180.06));
    assert_synced(&world, &number).await;
}
