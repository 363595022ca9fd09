//! Shared helpers for the LeafLink tests: a small inline seed, a simulator, a fast client and a
//! tiny webhook receiver.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use leafbridge::leaflink::{AuthScheme, LeafLinkClient, LeafLinkConfig};
use leafbridge::remote::TransportConfig;
use leafbridge::sim::common::WebhookTarget;
use leafbridge::sim::leaflink::{LeafLinkSim, LeafLinkSimConfig};
use parking_lot::Mutex;
use serde_json::{Value, json};

pub const API_KEY: &str = "ll-test-app-key";
pub const WEBHOOK_KEY: &str = "ll-webhook-key";
pub const FLOWER: i64 = 10;
pub const PRE_ROLLS: i64 = 11;

/// A small company: two brands, a product line, Flower and Pre-Rolls, a strain, two reps, two
/// customers, `extra_products` + 2 products, a batch and one submitted order.
pub fn seed(extra_products: usize) -> Value {
    let mut products = vec![
        product(5150, "OGK-PR-1G", PRE_ROLLS, "100.0000"),
        json!({"id": 5151, "sku": "OGK-FL-3.5", "name": "OG Kush Flower 3.5g", "description": "Flower",
               "listing_state": "Available", "brand": 1, "category": FLOWER, "strains": [21],
               "unit_of_measure": "Gram", "unit_multiplier": 1, "quantity": 40, "reserved_qty": "0",
               "wholesale_price": {"amount": 25, "currency": "USD"}}),
    ];
    products.extend(
        (0..extra_products)
            .map(|i| product(6000 + i as i64, &format!("BULK-{i:04}"), PRE_ROLLS, "5")),
    );
    json!({
        "company": {"id": 1, "name": "Kush Brands"},
        "brands": [{"id": 1, "name": "Kush Co", "company": 1}, {"id": 2, "name": "Other", "company": 1}],
        "product_lines": [{"id": 31, "name": "Pre-Rolls", "brand": 1}],
        "product_categories": [{"id": FLOWER, "name": "Flower", "slug": "flower"},
                               {"id": PRE_ROLLS, "name": "Pre-Rolls", "slug": "pre-rolls"}],
        "product_subcategories": [{"id": 14, "name": "Singles", "category": PRE_ROLLS},
                                  {"id": 15, "name": "Indoor", "category": FLOWER}],
        "licenses": [{"id": 2619, "number": "C11-0000001-LIC", "type": "Adult-Use Manufacturer"}],
        "external_id_keys": ["flourish"],
        "strains": [{"id": 21, "name": "OG Kush", "strain_classification": "indica", "company": 1}],
        "company_staff": [
            {"id": 42, "user": 420, "email": "ana@brand.example", "display_name": "Ana Ruiz", "is_active": true},
            {"id": 43, "user": 430, "email": "bo@brand.example", "display_name": "Bo Lee", "is_active": true}],
        "customers": [
            {"id": 311, "name": "Green Door Dispensary", "license_number": "C10-0000123-LIC",
             "managers": [42], "state": "CA", "zipcode": "94103", "status": 1},
            {"id": 312, "name": "Blue Leaf", "license_number": "C10-0000456-LIC", "managers": []}],
        "products": products,
        "batches": [{"id": 77, "production_batch_number": "LOT-2026-001", "batch_date": "2026-03-01", "owner": "Kush Brands"}],
        "orders": [{"number": "6f1c2d7e-0b5a-4a8e-9d61-2f7c0e3b9a10", "short_id": "0e3b9a10", "status": "Submitted",
            "customer": {"id": 311, "display_name": "Green Door Dispensary"},
            "sales_reps": [{"id": 42, "user": "Ana Ruiz"}],
            "created_on": "2026-03-02T10:11:12.000000-05:00", "external_ids": {},
            "line_items": [{"id": 9001, "order": "6f1c2d7e-0b5a-4a8e-9d61-2f7c0e3b9a10", "product": 5150,
                "quantity": "20.0000", "unit_multiplier": 10, "bulk_units": 2,
                "ordered_unit_price": {"amount": "9.00", "currency": "USD"},
                "sale_price": {"amount": "9.00", "currency": "USD"}, "batch": 77, "is_sample": false}]}]
    })
}

pub const SEEDED_ORDER: &str = "6f1c2d7e-0b5a-4a8e-9d61-2f7c0e3b9a10";

fn product(id: i64, sku: &str, category: i64, quantity: &str) -> Value {
    json!({"id": id, "sku": sku, "name": format!("Product {sku}"), "description": "A product",
           "listing_state": "Available", "brand": 1, "product_line": 31, "category": category,
           "strains": [], "unit_of_measure": "Unit", "sell_in_unit_of_measure": "Case",
           "unit_multiplier": 10, "quantity": quantity, "reserved_qty": "0.0000",
           "wholesale_price": {"amount": "90.00", "currency": "USD"}})
}

/// A simulator on 127.0.0.1:0 with the seed and an optional webhook target.
pub async fn start_sim(extra_products: usize, webhook: Option<WebhookTarget>) -> LeafLinkSim {
    let config = LeafLinkSimConfig {
        api_key: API_KEY.into(),
        webhook,
    };
    LeafLinkSim::start(
        "127.0.0.1:0".parse().unwrap(),
        config,
        Some(&seed(extra_products)),
    )
    .await
    .expect("simulator starts")
}

/// A client with quick retries, for `sim` and `api_key`.
pub fn client_with_key(
    sim: &LeafLinkSim,
    api_key: &str,
    auth_scheme: AuthScheme,
) -> LeafLinkClient {
    let transport = TransportConfig {
        requests_per_minute: 60_000,
        burst: 1_000,
        retry_backoff: Duration::from_millis(1),
        ..TransportConfig::leaflink_default()
    };
    LeafLinkClient::new(LeafLinkConfig {
        base_url: sim.base_url(),
        api_key: api_key.into(),
        auth_scheme,
        transport,
    })
    .expect("client builds")
}

pub fn client(sim: &LeafLinkSim) -> LeafLinkClient {
    client_with_key(sim, API_KEY, AuthScheme::App)
}

/// A raw HTTP request to the simulator with the right key.
pub fn raw(sim: &LeafLinkSim, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .request(method, format!("http://{}{path}", sim.addr()))
        .header("authorization", format!("App {API_KEY}"))
}

/// What a webhook receiver got: headers and raw bodies, in arrival order.
pub type Received = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A receiver on 127.0.0.1:0 answering 200; returns its URL and what it received.
pub async fn receiver() -> (String, Received) {
    let received: Received = Arc::default();
    let sink = received.clone();
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let sink = sink.clone();
            async move {
                sink.lock().push((headers, body));
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}
