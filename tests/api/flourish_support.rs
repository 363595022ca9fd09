//! Shared setup for the Flourish tests: a small inline seed, a simulator on 127.0.0.1:0 and a
//! client with quick retries pointed at it.

use std::net::SocketAddr;
use std::time::Duration;

use leafbridge::flourish::{FlourishClient, FlourishConfig};
use leafbridge::remote::TransportConfig;
use leafbridge::sim::common::LoggedRequest;
use leafbridge::sim::flourish::{FlourishSim, FlourishSimConfig};
use serde_json::{Value, json};

pub const API_KEY: &str = "test-flourish-key";
pub const NORTH: &str = "04bb2a7c";
/// A facility where every outbound order needs a sales rep.
pub const SOUTH: &str = "9f31c0de";

/// Two facilities, one rep each, two items (one with a numeric id), two same-name destinations,
/// some stock and one `Created` order.
pub fn seed() -> Value {
    json!({
        "facilities": [
            {"id": NORTH, "facility_name": "North", "facility_type": "Distributor",
             "sales_rep_required_for_outbound": false},
            {"id": SOUTH, "facility_name": "South", "facility_type": "Distributor",
             "sales_rep_required_for_outbound": true}
        ],
        "sales_reps": [
            {"sales_rep_id": "501", "first_name": "John", "last_name": "Smith",
             "email": "john.north@example.com", "facility_id": NORTH},
            {"sales_rep_id": "502", "first_name": "John", "last_name": "Smith",
             "email": "john.south@example.com", "facility_id": SOUTH}
        ],
        "items": [
            {"id": 151, "item_name": "OG Kush Pre-Roll 1g", "sku": "OGK-PR-1G",
             "brand": "Canyon Farms", "ecommerce_active": true, "strain_name": "OG KUSH",
             "strain_required": true, "product_line": "Pre-Rolls", "custom_category": "Pre-Roll",
             "uom": "Each", "price": "9.00"},
            {"id": "152", "item_name": "Blue Dream 3.5g", "sku": "BD-35", "brand": "Canyon Farms",
             "ecommerce_active": false, "uom": "Each", "price": 30}
        ],
        "destinations": [
            {"id": "701", "type": "Dispensary", "name": "Green Leaf", "license_number": "C10-01",
             "city": "Oakland", "state": "CA", "country": "United States"},
            {"id": "702", "type": "Dispensary", "name": "Green Leaf", "license_number": "C10-02"}
        ],
        "brands": [{"id": "1", "brand_name": "Canyon Farms"}],
        "strains": [{"id": 11, "strain_name": "OG KUSH"}],
        "inventory": [
            {"facility_id": NORTH, "item_id": 151, "sku": "OGK-PR-1G", "sellable_qty": 40,
             "lot_number": "LOT-A"},
            {"facility_id": NORTH, "item_id": 151, "sku": "OGK-PR-1G", "sellable_qty": "10",
             "lot_number": "LOT-B"},
            {"facility_id": SOUTH, "item_id": "152", "sku": "BD-35", "sellable_qty": 7}
        ],
        "outbound_orders": [
            {"id": "9001", "original_order_id": "LL-1", "order_status": "Created",
             "facility_id": NORTH, "destination": {"id": "701"}, "sales_rep": {"id": "501"},
             "order_lines": [{"sku": "OGK-PR-1G", "order_qty": 10, "unit_price": 9}],
             "notes": [], "last_updated_timestamp": "2026-03-01T17:04:05.000Z"}
        ]
    })
}

/// The seed plus `count` extra items `X-0000`… with ids `1000`… .
pub fn seed_with_items(count: usize) -> Value {
    let mut seed = seed();
    let items = seed["items"].as_array_mut().expect("items");
    for n in 0..count {
        items.push(
            json!({"id": format!("{}", 2000 + n), "item_name": format!("Item {n}"),
                          "sku": format!("X-{n:04}"), "ecommerce_active": true}),
        );
    }
    seed
}

pub async fn start_sim(seed: &Value) -> FlourishSim {
    let listen: SocketAddr = "127.0.0.1:0".parse().expect("address");
    let config = FlourishSimConfig {
        api_key: API_KEY.into(),
        webhook: None,
    };
    FlourishSim::start(listen, config, Some(seed))
        .await
        .expect("simulator starts")
}

/// A transport with quick retries and no practical rate limit, so tests stay fast.
pub fn quick_transport() -> TransportConfig {
    TransportConfig {
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(10),
        requests_per_minute: 600_000,
        burst: 10_000,
        max_retries: 3,
        retry_backoff: Duration::from_millis(1),
    }
}

pub fn client_with_key(sim: &FlourishSim, api_key: &str) -> FlourishClient {
    let config = FlourishConfig {
        base_url: sim.base_url(),
        api_key: api_key.into(),
        transport: quick_transport(),
    };
    FlourishClient::new(config).expect("client")
}

/// A simulator with the standard seed and a client for it.
pub async fn setup() -> (FlourishSim, FlourishClient) {
    let sim = start_sim(&seed()).await;
    let client = client_with_key(&sim, API_KEY);
    (sim, client)
}

/// Logged requests whose path ends with `suffix`.
pub fn requests_to(sim: &FlourishSim, suffix: &str) -> Vec<LoggedRequest> {
    let requests = sim.control().requests();
    requests
        .into_iter()
        .filter(|r| r.path.trim_end_matches('/').ends_with(suffix))
        .collect()
}

/// A header's value in a logged request (names compared case-insensitively).
pub fn header<'a>(request: &'a LoggedRequest, name: &str) -> Option<&'a str> {
    request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The values of a query parameter in a logged request.
pub fn query_values(request: &LoggedRequest, name: &str) -> Vec<String> {
    let query = request.query.as_deref().unwrap_or_default();
    url::form_urlencoded::parse(query.as_bytes())
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.into_owned())
        .collect()
}
