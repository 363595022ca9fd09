//! Webhooks from the Flourish simulator: signed with `Auth-Signature`, accepted by leafbridge's
//! verifier, and carrying the entity keys the flows need.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use bytes::Bytes;
use leafbridge::flourish::webhook::{SIGNATURE_HEADER, verify};
use leafbridge::sim::common::DeliveryQuirks;
use leafbridge::sim::flourish::flourish_webhook_target;
use parking_lot::Mutex;
use serde_json::{Value, json};

use super::flourish_support::{NORTH, setup};

const SIGNING_KEY: &[u8] = b"receiver-chosen-key";

/// What the receiver got: the signature header and the raw body of each webhook.
type Received = Arc<Mutex<Vec<(Option<String>, Bytes)>>>;

/// A tiny webhook receiver on 127.0.0.1:0; returns its URL and what it received.
async fn receiver() -> (String, Received) {
    let received = Received::default();
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("receiver") });
    (url, received)
}

async fn receive(State(received): State<Received>, headers: HeaderMap, body: Bytes) {
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    received.lock().push((signature, body));
}

fn bodies(received: &Received) -> Vec<Value> {
    received
        .lock()
        .iter()
        .map(|(_, body)| serde_json::from_slice(body).expect("json"))
        .collect()
}

#[tokio::test]
async fn simulator_webhooks_verify_and_name_their_entity() {
    let (sim, client) = setup().await;
    let (url, received) = receiver().await;
    sim.outbox()
        .set_target(Some(flourish_webhook_target(url, SIGNING_KEY)));
    sim.update_item("151", &json!({"price": 10})).expect("item");
    sim.set_inventory(NORTH, "OGK-PR-1G", 5.0, Some("LOT-A"))
        .expect("stock");
    sim.set_order_status("9001", "Shipped").expect("ship");
    sim.outbox().flush().await;
    let got = received.lock().clone();
    assert_eq!(got.len(), 3);
    for (signature, body) in &got {
        assert_eq!(verify(&[SIGNING_KEY], body, signature.as_deref()), Ok(()));
    }
    let keys: Vec<String> = got
        .iter()
        .map(|(_, body)| {
            leafbridge::envelope::flourish(body)
                .expect("key")
                .entity_key
        })
        .collect();
    let expected = [
        "flourish.item:151",
        "flourish.inventory_summary:OGK-PR-1G",
        "flourish.order:9001",
    ];
    assert_eq!(keys, expected);
    let bodies = bodies(&received);
    assert_eq!(
        bodies[1]["data"],
        json!({"item_id": "151", "sku": "OGK-PR-1G", "sellable_qty": 15.0, "facility_id": NORTH})
    );
    assert_eq!(
        (
            &bodies[2]["data"]["order_status"],
            &bodies[2]["data"]["original_order_id"]
        ),
        (&json!("Shipped"), &json!("LL-1"))
    );
    let order = client.get_outbound_order("9001").await.expect("order");
    assert_eq!(
        order.order_status,
        leafbridge::flourish::model::OrderStatus::Shipped
    );
}

#[tokio::test]
async fn orders_created_through_the_api_send_an_order_webhook() {
    let (sim, client) = setup().await;
    let (url, received) = receiver().await;
    sim.outbox()
        .set_target(Some(flourish_webhook_target(url, SIGNING_KEY)));
    client
        .cancel_outbound_order(NORTH, "9001")
        .await
        .expect("cancel");
    sim.outbox().flush().await;
    let bodies = bodies(&received);
    assert_eq!(bodies.len(), 1);
    assert_eq!(
        (
            &bodies[0]["resource_type"],
            &bodies[0]["data"]["order_status"]
        ),
        (&json!("order"), &json!("Cancelled"))
    );
}

#[tokio::test]
async fn a_webhook_signed_with_another_key_is_refused_by_the_verifier() {
    let (sim, _client) = setup().await;
    let (url, received) = receiver().await;
    sim.outbox()
        .set_target(Some(flourish_webhook_target(url, SIGNING_KEY)));
    sim.outbox().set_quirks(DeliveryQuirks {
        bad_signature_next: 1,
        ..Default::default()
    });
    sim.update_item("152", &json!({"item_name": "Renamed"}))
        .expect("item");
    sim.outbox().flush().await;
    let got = received.lock().clone();
    assert_eq!(got.len(), 1);
    assert!(verify(&[SIGNING_KEY], &got[0].1, got[0].0.as_deref()).is_err());
}

#[tokio::test]
async fn webhook_target_can_be_set_over_http() {
    let (sim, _client) = setup().await;
    let (url, received) = receiver().await;
    let settings = json!({"url": url, "key": "receiver-chosen-key"});
    let response = reqwest::Client::new()
        .put(format!("http://{}/_sim/webhooks", sim.addr()))
        .json(&settings)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), reqwest::StatusCode::NO_CONTENT);
    sim.update_item("152", &json!({"uom": "Gram"}))
        .expect("item");
    sim.outbox().flush().await;
    let got = received.lock().clone();
    assert_eq!(
        verify(&[SIGNING_KEY], &got[0].1, got[0].0.as_deref()),
        Ok(())
    );
}
