//! Webhooks both ways: the simulator signs what it sends and the receiver's verification
//! accepts it; hand-written payloads in the contract's shapes deserialise and yield their keys.

use crate::helpers::{order_key, order_number};
use leafbridge::leaflink::model::{OrderStatus, WebhookEnvelope, WebhookOrder};
use leafbridge::leaflink::webhook;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use bytes::Bytes;
use leafbridge::sim::common::{DeliveryQuirks, RetrySchedule};
use leafbridge::sim::leaflink::{SimOrderLine, webhook_target};
use serde_json::json;

use super::leaflink_support::*;

/// The entity key leafbridge's ingress files a LeafLink webhook under.
fn key(body: &[u8]) -> String {
    leafbridge::envelope::leaflink(body).unwrap().entity_key
}

#[tokio::test]
async fn placed_order_sends_signed_order_and_product_webhooks() {
    let (url, received) = receiver().await;
    let sim = start_sim(0, Some(webhook_target(url, WEBHOOK_KEY))).await;
    let lines = [
        SimOrderLine::cases(5150, 2).with_batch(77),
        SimOrderLine::units(5151, "3"),
    ];
    let number = sim.place_order(311, &[42], &lines).unwrap();
    sim.outbox().flush().await;
    let received = received.lock().clone();
    let keys: Vec<String> = received
        .iter()
        .map(|(headers, body)| {
            let signature = headers.get("ll-signature").and_then(|v| v.to_str().ok());
            webhook::verify(&[WEBHOOK_KEY], body, signature).expect("signature verifies");
            key(body)
        })
        .collect();
    assert_eq!(
        keys,
        [
            "leaflink.product:5150".to_owned(),
            "leaflink.product:5151".to_owned(),
            format!("leaflink.order:{number}")
        ]
    );
    let envelope: WebhookEnvelope = serde_json::from_slice(&received[2].1).unwrap();
    assert_eq!(
        (envelope.action.as_str(), envelope.kind.as_str()),
        ("create", "order")
    );
    // The order's integer id and the buyer company as an object ride along.
    assert!(envelope.data["id"].is_i64(), "{}", envelope.data);
    assert_eq!(envelope.data["buyer"]["id"], json!(311));
    assert_eq!(
        envelope.data["buyer"]["licenses"][0]["number"],
        json!("C10-0000123-LIC")
    );
    let order: WebhookOrder = serde_json::from_value(envelope.data).unwrap();
    assert_eq!(
        order.customer.unwrap().license_number.as_deref(),
        Some("C10-0000123-LIC")
    );
    assert_eq!(
        order.sales_reps[0].email.as_deref(),
        Some("ana@brand.example")
    );
    assert_eq!(order.orderedproduct_set[0].product.sku, "OGK-PR-1G");
    assert_eq!(order.orderedproduct_set[0].quantity.as_f64(), Some(20.0));
}

#[tokio::test]
async fn api_changes_and_user_edits_send_webhooks_but_customers_do_not() {
    let (url, received) = receiver().await;
    let sim = start_sim(0, Some(webhook_target(url, WEBHOOK_KEY))).await;
    let client = client(&sim);
    client
        .transition_order(
            SEEDED_ORDER,
            leafbridge::leaflink::model::OrderAction::Accept,
        )
        .await
        .unwrap();
    sim.set_order_sales_reps(SEEDED_ORDER, &[43]).unwrap();
    sim.update_product(5151, &json!({"quantity": "41"}))
        .unwrap();
    sim.upsert_customer(&json!({"id": 311, "phone": "555-0100"}))
        .unwrap();
    sim.outbox().flush().await;
    let events: Vec<_> = received.lock().iter().map(|(_, body)| key(body)).collect();
    let order = format!("leaflink.order:{SEEDED_ORDER}");
    assert_eq!(
        events,
        [order.clone(), order, "leaflink.product:5151".to_owned()]
    );
}

#[tokio::test]
async fn bad_signature_quirk_fails_verification() {
    let (url, received) = receiver().await;
    let sim = start_sim(0, Some(webhook_target(url, WEBHOOK_KEY))).await;
    sim.outbox().set_quirks(DeliveryQuirks {
        bad_signature_next: 1,
        ..Default::default()
    });
    sim.update_product(5150, &json!({"listing_state": "Sample"}))
        .unwrap();
    sim.outbox().flush().await;
    let (headers, body) = received.lock()[0].clone();
    let signature = headers.get("ll-signature").and_then(|v| v.to_str().ok());
    assert!(webhook::verify(&[WEBHOOK_KEY], &body, signature).is_err());
}

/// Written from the contract's example shapes, with our own values.
const ORDER_WEBHOOK: &str = r#"{"action": "edit", "type": "order", "data": {
  "number": "0b9e5c1a-7d2f-4e61-8a3b-5c4d3e2f1a00", "status": "Accepted",
  "customer": {"id": 901, "name": "Sunset Collective", "license_number": "C10-0000999-LIC"},
  "sales_reps": [{"id": 7, "email": "rep@brand.example"}],
  "orderedproduct_set": [{"id": 1, "quantity": 12, "unit_multiplier": 6,
     "sale_price": {"amount": 45, "currency": "USD"}, "batch": null,
     "product": {"id": 33, "sku": "SUN-GUM-10", "name": "Sunset Gummies"}}]}}"#;

#[test]
fn contract_shaped_order_webhook_deserialises() {
    let envelope: WebhookEnvelope = serde_json::from_str(ORDER_WEBHOOK).unwrap();
    let order: WebhookOrder = serde_json::from_value(envelope.data).unwrap();
    assert_eq!(order.status, OrderStatus::Accepted);
    let line = &order.orderedproduct_set[0];
    assert_eq!(
        (
            line.quantity.as_f64(),
            line.unit_multiplier,
            line.product.id
        ),
        (Some(12.0), 6, 33)
    );
    assert_eq!(
        line.sale_price.as_ref().unwrap().amount.as_f64(),
        Some(45.0)
    );
    let event = leafbridge::envelope::leaflink(ORDER_WEBHOOK.as_bytes()).unwrap();
    assert_eq!(event.action.as_deref(), Some("edit"));
    assert_eq!(
        event.entity_key,
        "leaflink.order:0b9e5c1a-7d2f-4e61-8a3b-5c4d3e2f1a00"
    );
}

#[test]
fn bare_objects_are_classified_by_their_fields() {
    let bare_order =
        json!({"number": order_number("n-1"), "status": "Submitted", "orderedproduct_set": []});
    assert_eq!(key(bare_order.to_string().as_bytes()), order_key("n-1"));
    let bare_product = br#"{"sku": "SKU-9", "listing_state": "Available"}"#;
    assert_eq!(key(bare_product), "leaflink.product:SKU-9");
    let customer =
        br#"{"action": "edit", "type": "customer", "data": {"id": 4, "license_number": "L-4"}}"#;
    assert_eq!(key(customer), "leaflink.customer:L-4");
    // A customer without a license is still filed (by id); its flow reports the missing license.
    let no_license = br#"{"type": "customer", "data": {"id": 3}}"#;
    assert_eq!(key(no_license), "leaflink.customer:id:3");
}

#[test]
fn webhook_bodies_without_a_key_name_what_is_missing() {
    let error = |body: &[u8]| {
        leafbridge::envelope::leaflink(body)
            .unwrap_err()
            .to_string()
    };
    let no_number = br#"{"action": "edit", "type": "order", "data": {"status": "Draft"}}"#;
    assert!(error(no_number).contains("\"number\""));
    assert!(error(br#"{"type": "invoice", "data": {"id": 1}}"#).contains("invoice"));
    assert!(error(br#"{"hello": 1}"#).contains("not a LeafLink envelope"));
    assert!(error(b"[1]").contains("JSON object"));
}

#[tokio::test]
async fn webhook_target_is_set_and_removed_over_http() {
    let (url, received) = receiver().await;
    let sim = start_sim(0, None).await;
    let http = reqwest::Client::new();
    let control = format!("http://{}/_sim/webhooks", sim.addr());
    let set = http
        .put(&control)
        .json(&json!({"url": url, "key": WEBHOOK_KEY}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 204);
    sim.update_product(5150, &json!({"quantity": "99"}))
        .unwrap();
    sim.outbox().flush().await;
    let quirks = json!({"quirks": {"duplicate_next": 1}});
    assert_eq!(
        http.put(&control)
            .json(&quirks)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    sim.update_product(5150, &json!({"quantity": "98"}))
        .unwrap();
    sim.outbox().flush().await;
    assert_eq!(
        http.put(&control)
            .json(&json!({"url": null}))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    sim.update_product(5150, &json!({"quantity": "97"}))
        .unwrap();
    sim.outbox().flush().await;
    let quantities: Vec<String> = received
        .lock()
        .iter()
        .map(|(headers, body)| {
            let signature = headers.get("ll-signature").and_then(|v| v.to_str().ok());
            webhook::verify(&[WEBHOOK_KEY], body, signature).expect("signature verifies");
            let envelope: WebhookEnvelope = serde_json::from_slice(body).unwrap();
            envelope.data["quantity"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(quantities, ["99.0000", "98.0000", "98.0000"]);
}

/// A receiver answering `failures` non-2xx statuses (`status`) before it answers 200.
async fn flaky_receiver(failures: usize, status: StatusCode) -> (String, Received) {
    let received: Received = Arc::default();
    let sink = received.clone();
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let sink = sink.clone();
            async move {
                let mut got = sink.lock();
                got.push((headers, body));
                if got.len() <= failures {
                    status
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

#[tokio::test]
async fn a_receiver_briefly_down_gets_the_webhook_again() {
    let (url, received) = flaky_receiver(2, StatusCode::SERVICE_UNAVAILABLE).await;
    let sim = start_sim(0, Some(webhook_target(url, WEBHOOK_KEY))).await;
    assert_eq!(sim.outbox().retry_schedule(), RetrySchedule::leaflink());
    assert_eq!(RetrySchedule::leaflink().0.len() + 1, 14, "about 14 tries");
    sim.outbox()
        .set_retry_schedule(RetrySchedule::every(Duration::from_millis(5), 13));

    sim.update_product(5150, &json!({"listing_state": "Sample"}))
        .unwrap();
    sim.outbox().flush_with_retries().await;

    let bodies: Vec<Bytes> = received.lock().iter().map(|(_, b)| b.clone()).collect();
    assert_eq!(bodies.len(), 3);
    assert!(
        bodies.iter().all(|b| *b == bodies[0]),
        "the same webhook again"
    );
    let tries: Vec<(u32, Option<u16>)> = sim
        .outbox()
        .deliveries()
        .iter()
        .map(|d| (d.attempt, d.status))
        .collect();
    assert_eq!(tries, [(1, Some(503)), (2, Some(503)), (3, Some(200))]);
}

#[tokio::test]
async fn a_receiver_that_keeps_failing_is_given_up_after_the_schedule() {
    let (url, received) = flaky_receiver(usize::MAX, StatusCode::INTERNAL_SERVER_ERROR).await;
    let sim = start_sim(0, Some(webhook_target(url, WEBHOOK_KEY))).await;
    sim.outbox()
        .set_retry_schedule(RetrySchedule::every(Duration::from_millis(2), 3));

    sim.update_product(5150, &json!({"listing_state": "Sample"}))
        .unwrap();
    sim.outbox().flush_with_retries().await;

    assert_eq!(
        received.lock().len(),
        4,
        "the first try and three redeliveries"
    );
    let last = sim.outbox().deliveries().last().cloned().unwrap();
    assert_eq!((last.attempt, last.status), (4, Some(500)));
}

#[tokio::test]
async fn a_parent_product_edit_sends_one_webhook_per_child_variant() {
    let (url, received) = receiver().await;
    let sim = start_sim(0, Some(webhook_target(url, WEBHOOK_KEY))).await;
    sim.update_product(5151, &json!({"parent": {"id": 5150}}))
        .unwrap();
    sim.outbox().flush().await;
    received.lock().clear();

    sim.update_product(5150, &json!({"description": "Now in a new tin"}))
        .unwrap();
    sim.outbox().flush().await;

    let keys: Vec<String> = received.lock().iter().map(|(_, body)| key(body)).collect();
    assert_eq!(keys, ["leaflink.product:5150", "leaflink.product:5151"]);
}
