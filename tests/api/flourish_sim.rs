//! The Flourish simulator's own rules, over raw HTTP: what the platform refuses, and the traps
//! (silent creation) that leafbridge must never rely on.

use leafbridge::sim::flourish::FlourishSim;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::flourish_support::{API_KEY, NORTH, SOUTH, requests_to, seed, setup, start_sim};

/// Sends a request with the API key (and a facility, when given) and reads the JSON answer.
async fn call(
    sim: &FlourishSim,
    method: Method,
    path: &str,
    facility: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let url = format!("{}{path}", sim.base_url());
    let mut request = reqwest::Client::new()
        .request(method, url)
        .header("x-api-key", API_KEY);
    if let Some(facility) = facility {
        request = request.header("FacilityID", facility);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("simulator answers");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Sends to a `/_sim/` control path.
async fn control(
    sim: &FlourishSim,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let url = format!("http://{}{path}", sim.addr());
    let mut request = reqwest::Client::new().request(method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("simulator answers");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn order_body(destination: Value, sales_rep: Value) -> Value {
    json!({
        "original_order_id": "LL-7", "order_timestamp": "2026-03-01T17:04:05.000Z",
        "destination": destination, "sales_rep": sales_rep,
        "order_lines": [{"sku": "OGK-PR-1G", "order_qty": 5, "unit_price": 9, "discount_price": 0}],
        "notes": [{"subject": "s", "note": "n", "internal_only": false}]
    })
}

fn count(sim: &FlourishSim, list: &str) -> usize {
    sim.dump()[list].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_missing_or_wrong_api_key_is_refused_with_json() {
    let (sim, _client) = setup().await;
    let url = format!("{}items", sim.base_url());
    let missing = reqwest::get(&url).await.expect("answer");
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert!(missing.json::<Value>().await.expect("json")["message"].is_string());
    let wrong = reqwest::Client::new()
        .get(&url)
        .header("x-api-key", "nope")
        .send()
        .await
        .expect("answer");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn facility_scoped_calls_need_a_known_facility_header() {
    let (sim, _client) = setup().await;
    let (status, body) = call(&sim, Method::GET, "sales-reps", None, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("FacilityID")),
        "{body}"
    );
    let (status, _) = call(
        &sim,
        Method::GET,
        "inventory/summary",
        Some("unknown"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(
        &sim,
        Method::POST,
        "outbound-orders",
        None,
        Some(order_body(json!({"id": "701"}), json!({"id": "501"}))),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = call(&sim, Method::GET, "items", None, None).await;
    assert_eq!(status, StatusCode::OK, "items are company-wide");
}

#[tokio::test]
async fn pages_are_capped_at_50_and_link_the_next_page_absolutely() {
    let sim = start_sim(&super::flourish_support::seed_with_items(60)).await;
    let (status, body) = call(&sim, Method::GET, "items/?limit=500&sku=", None, None).await;
    assert_eq!(status, StatusCode::OK, "the trailing slash form works");
    assert_eq!(body["data"].as_array().map(Vec::len), Some(50));
    assert_eq!(
        (
            body["meta"]["total"].as_u64(),
            body["meta"]["limit"].as_u64()
        ),
        (Some(62), Some(50))
    );
    let next = body["meta"]["next"].as_str().expect("next link");
    assert!(
        next.starts_with(&format!("http://{}/external/api/v1/items/", sim.addr())),
        "{next}"
    );
    let last = reqwest::Client::new()
        .get(next)
        .header("x-api-key", API_KEY)
        .send()
        .await
        .expect("page");
    let last: Value = last.json().await.expect("json");
    assert_eq!(
        (last["data"].as_array().map(Vec::len), &last["meta"]["next"]),
        (Some(12), &Value::Null)
    );
}

#[tokio::test]
async fn a_reference_with_an_id_and_other_fields_is_refused() {
    let (sim, _client) = setup().await;
    let body = order_body(
        json!({"id": "701", "name": "Green Leaf"}),
        json!({"id": "501"}),
    );
    let (status, answer) = call(
        &sim,
        Method::POST,
        "outbound-orders",
        Some(NORTH),
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    let body = order_body(json!({"id": "701"}), json!({"id": "501", "email": "a@b.c"}));
    let (status, _) = call(
        &sim,
        Method::POST,
        "outbound-orders",
        Some(NORTH),
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(count(&sim, "outbound_orders"), 1);
}

#[tokio::test]
async fn references_without_id_are_searched_and_silently_created() {
    let (sim, _client) = setup().await;
    let existing = order_body(
        json!({"facility_name": "green leaf"}),
        json!({"email": "JOHN.NORTH@example.com"}),
    );
    let (status, answer) = call(
        &sim,
        Method::POST,
        "outbound-orders",
        Some(NORTH),
        Some(existing),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(
        (
            &answer["data"]["destination"]["id"],
            &answer["data"]["sales_rep"]["id"]
        ),
        (&json!("701"), &json!("501"))
    );
    assert_eq!(
        (count(&sim, "destinations"), count(&sim, "sales_reps")),
        (2, 2)
    );
    let unknown = order_body(
        json!({"facility_name": "Brand New Shop", "license_number": "C10-99"}),
        json!({"email": "new@example.com"}),
    );
    let (status, _) = call(
        &sim,
        Method::POST,
        "outbound-orders",
        Some(NORTH),
        Some(unknown),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let state = sim.dump();
    assert_eq!(
        (count(&sim, "destinations"), count(&sim, "sales_reps")),
        (3, 3),
        "created silently"
    );
    assert_eq!(state["destinations"][2]["name"], "Brand New Shop");
    assert_eq!(state["sales_reps"][2]["facility_id"], NORTH);
}

#[tokio::test]
async fn leafbridge_requests_never_carry_a_reference_without_id() {
    let (sim, client) = setup().await;
    let order = leafbridge::flourish::model::NewOutboundOrder {
        original_order_id: "LL-8".into(),
        order_timestamp: "2026-03-01T17:04:05.000Z".into(),
        destination: leafbridge::flourish::model::IdRef::new("702"),
        sales_rep: None,
        order_lines: vec![leafbridge::flourish::model::OrderLine {
            sku: "BD-35".into(),
            order_qty: 1.0,
            ..Default::default()
        }],
        notes: Vec::new(),
        adjustments: Default::default(),
        payment_term: None,
    };
    client
        .create_outbound_order(NORTH, &order)
        .await
        .expect("create");
    for request in requests_to(&sim, "/outbound-orders") {
        for name in ["destination", "sales_rep"] {
            if let Some(reference) = request.body.get(name).and_then(Value::as_object) {
                assert_eq!(
                    reference.keys().collect::<Vec<_>>(),
                    ["id"],
                    "{name} in {}",
                    request.body
                );
            }
        }
    }
    assert_eq!(
        (count(&sim, "destinations"), count(&sim, "sales_reps")),
        (2, 2)
    );
}

#[tokio::test]
async fn destination_and_rep_cannot_change_on_put() {
    let (sim, _client) = setup().await;
    let (status, answer) = call(
        &sim,
        Method::PUT,
        "outbound-orders/9001",
        Some(NORTH),
        Some(json!({"destination": {"id": "702"}})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("destination"))
    );
    let (status, _) = call(
        &sim,
        Method::PUT,
        "outbound-orders/9001",
        Some(NORTH),
        Some(json!({"sales_rep": {"id": "501"}, "notes": []})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "the same rep is no change");
    let (status, _) = call(
        &sim,
        Method::PUT,
        "outbound-orders/9001",
        Some(NORTH),
        Some(json!({"order_status": "Shipped"})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "only cancelling is a status change"
    );
}

#[tokio::test]
async fn completed_orders_refuse_changes_with_the_platform_message() {
    let (sim, _client) = setup().await;
    sim.set_order_status("9001", "Completed").expect("complete");
    let (status, answer) = call(
        &sim,
        Method::PUT,
        "outbound-orders/9001/",
        Some(NORTH),
        Some(json!({"order_status": "Cancelled"})),
    )
    .await;
    assert_eq!(
        (status, &answer["message"]),
        (
            StatusCode::BAD_REQUEST,
            &json!("Order has already been completed")
        )
    );
    assert!(sim.set_order_status("9001", "Lost").is_err());
}

#[tokio::test]
async fn more_than_50_item_ids_in_one_inventory_call_is_refused() {
    let (sim, _client) = setup().await;
    let query: Vec<String> = (0..51).map(|n| format!("item_id={n}")).collect();
    let path = format!("inventory/summary?{}", query.join("&"));
    let (status, _) = call(&sim, Method::GET, &path, Some(NORTH), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = call(
        &sim,
        Method::GET,
        "inventory/summary?item_id=151",
        Some(NORTH),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn control_endpoints_act_as_a_flourish_user() {
    let (sim, _client) = setup().await;
    let (status, item) = control(
        &sim,
        Method::PATCH,
        "/_sim/items/152",
        Some(json!({"ecommerce_active": true})),
    )
    .await;
    assert_eq!(
        (status, &item["ecommerce_active"]),
        (StatusCode::OK, &json!(true))
    );
    assert!(item["last_updated_timestamp"].is_string());
    let count =
        json!({"facility_id": SOUTH, "sku": "BD-35", "sellable_qty": 3, "lot_number": "L1"});
    let (status, _) = control(&sim, Method::PUT, "/_sim/inventory", Some(count)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, order) = control(
        &sim,
        Method::PATCH,
        "/_sim/outbound-orders/9001",
        Some(json!({"order_status": "Allocated"})),
    )
    .await;
    assert_eq!(
        (status, &order["order_status"]),
        (StatusCode::OK, &json!("Allocated"))
    );
    let (_, state) = control(&sim, Method::GET, "/_sim/state", None).await;
    assert_eq!(state["inventory"].as_array().map(Vec::len), Some(4));
    assert!(
        sim.control().requests().is_empty(),
        "control calls are not platform requests"
    );
}

#[tokio::test]
async fn a_seed_posted_to_the_simulator_replaces_its_state_and_dumps_back() {
    let (sim, _client) = setup().await;
    let small = json!({"flourish": {"facilities": [{"id": "f1", "facility_name": "Only"}]}});
    let (status, _) = control(&sim, Method::POST, "/_sim/seed", Some(small)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let state = sim.dump();
    assert_eq!((count(&sim, "facilities"), count(&sim, "items")), (1, 0));
    assert_eq!(state["facilities"][0]["id"], "f1");
    sim.load_seed(&seed()).expect("reload");
    let dumped = sim.dump();
    assert_eq!(dumped, seed(), "a seed round-trips through dump");
}

#[tokio::test]
async fn a_put_naming_the_destination_with_extra_fields_is_refused() {
    let (sim, _client) = setup().await;
    let body = json!({"destination": {"id": "701", "name": "Green Leaf"}});
    let (status, _) = call(
        &sim,
        Method::PUT,
        "outbound-orders/9001",
        Some(NORTH),
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let body = json!({"sales_rep": {"email": "john.north@example.com"}});
    let (status, _) = call(
        &sim,
        Method::PUT,
        "outbound-orders/9001",
        Some(NORTH),
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a search is a change too");
}

#[tokio::test]
async fn a_stopped_simulator_refuses_connections() {
    let (sim, client) = setup().await;
    client.list_brands().await.expect("brands while running");
    sim.shutdown().await;
    let error = client.list_brands().await.expect_err("stopped");
    assert!(
        matches!(error, leafbridge::remote::ClientError::Transport(_)),
        "{error:?}"
    );
}
