//! The LeafLink simulator's unfriendly rules, checked with raw HTTP where the client would hide
//! them: trailing slashes, auth, paging limits, SKU and strain validation, stock reservation.

use reqwest::Method;
use serde_json::{Value, json};

use leafbridge::leaflink::client::ProductQuery;
use leafbridge::leaflink::model::{OrderAction, OrderStatus, ProductPatch};
use leafbridge::remote::ClientError;
use leafbridge::sim::leaflink::{LeafLinkSim, RateLimit, SimOrderLine};

use super::leaflink_client::new_product;
use super::leaflink_support::*;

#[tokio::test]
async fn path_without_trailing_slash_gets_400() {
    let sim = start_sim(0, None).await;
    let response = raw(&sim, Method::GET, "/api/v2/products")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("slash"));
    let ok = raw(&sim, Method::GET, "/api/v2/products/")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn missing_or_wrong_key_gets_401_json() {
    let sim = start_sim(0, None).await;
    let http = reqwest::Client::new();
    let url = format!("{}brands/", sim.base_url());
    let missing = http.get(&url).send().await.unwrap();
    assert_eq!(missing.status(), 401);
    assert!(missing.json::<Value>().await.unwrap()["detail"].is_string());
    let bearer = http
        .get(&url)
        .header("authorization", format!("Bearer {API_KEY}"))
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), 401);
}

#[tokio::test]
async fn limit_defaults_to_50_is_capped_at_100_and_links_are_absolute() {
    let sim = start_sim(150, None).await;
    let first: Value = raw(
        &sim,
        Method::GET,
        "/api/v2/products/?listing_state=Available",
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(
        (
            first["count"].as_u64(),
            first["results"].as_array().unwrap().len()
        ),
        (Some(152), 50)
    );
    assert!(first["previous"].is_null());
    let next = first["next"].as_str().unwrap();
    assert!(
        next.starts_with(&sim.base_url())
            && next.contains("listing_state=Available")
            && next.contains("offset=50"),
        "{next}"
    );
    let big: Value = raw(&sim, Method::GET, "/api/v2/products/?limit=500&offset=100")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(big["results"].as_array().unwrap().len(), 52);
    assert!(big["next"].is_null());
    assert!(big["previous"].as_str().unwrap().contains("offset=0"));
}

#[tokio::test]
async fn sku_filter_takes_a_comma_list() {
    let sim = start_sim(3, None).await;
    let found: Value = raw(
        &sim,
        Method::GET,
        "/api/v2/products/?sku=BULK-0000,BULK-0002,NOPE",
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let skus: Vec<&str> = found["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sku"].as_str().unwrap())
        .collect();
    assert_eq!(skus, ["BULK-0000", "BULK-0002"]);
}

#[tokio::test]
async fn skus_with_commas_are_refused_on_create_patch_and_lookup() {
    let sim = start_sim(0, None).await;
    let client = client(&sim);
    let created = client
        .create_product(&new_product("A,B", PRE_ROLLS, vec![]))
        .await
        .unwrap_err();
    assert!(
        matches!(created, ClientError::BadRequest { status: 400, .. }),
        "{created:?}"
    );
    let patch = ProductPatch {
        sku: Some("C,D".into()),
        ..Default::default()
    };
    assert!(matches!(
        client.patch_product(5150, &patch).await.unwrap_err(),
        ClientError::BadRequest { .. }
    ));
    assert!(
        client
            .list_products(&ProductQuery {
                skus: vec!["E,F".into()],
                ..Default::default()
            })
            .await
            .is_err()
    );
    assert_eq!(client.get_product(5150).await.unwrap().sku, "OGK-PR-1G");
}

#[tokio::test]
async fn product_create_requires_description_valid_state_and_flower_strains() {
    let sim = start_sim(0, None).await;
    let client = client(&sim);
    let mut blank = new_product("DESC-1", PRE_ROLLS, vec![]);
    blank.description = String::new();
    assert!(matches!(
        client.create_product(&blank).await.unwrap_err(),
        ClientError::BadRequest { .. }
    ));
    let flower = client
        .create_product(&new_product("FL-1", FLOWER, vec![]))
        .await
        .unwrap_err();
    assert!(format!("{flower}").contains("Flower"), "{flower}");
    assert!(
        client
            .create_product(&new_product("FL-2", FLOWER, vec![21]))
            .await
            .is_ok()
    );
    let mut body = serde_json::to_value(new_product("STATE-1", PRE_ROLLS, vec![])).unwrap();
    body["listing_state"] = json!("Hidden");
    let response = raw(&sim, Method::POST, "/api/v2/products/")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn strains_cannot_be_updated() {
    let sim = start_sim(0, None).await;
    for method in [Method::PATCH, Method::PUT] {
        let response = raw(&sim, method, "/api/v2/strains/21/")
            .json(&json!({"name": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405);
    }
}

#[tokio::test]
async fn open_orders_reserve_stock_and_shipping_takes_it() {
    let sim = start_sim(0, None).await;
    let client = client(&sim);
    let line = SimOrderLine::cases(5150, 3).with_batch(77);
    let number = sim.place_order(311, &[42], &[line]).unwrap();
    let product = client.get_product(5150).await.unwrap();
    assert_eq!(
        (
            product.reserved_qty.as_f64(),
            product.available_inventory.as_f64()
        ),
        (Some(30.0), Some(70.0))
    );
    let lines = client.order_line_items(&number).await.unwrap();
    assert_eq!(
        (lines[0].quantity.as_f64(), lines[0].bulk_units),
        (Some(30.0), Some(3))
    );
    sim.set_order_status(&number, OrderStatus::Shipped).unwrap();
    let shipped = client.get_product(5150).await.unwrap();
    assert_eq!(
        (shipped.quantity.as_f64(), shipped.reserved_qty.as_f64()),
        (Some(70.0), Some(0.0))
    );
}

/// (quantity, reserved_qty, available_inventory) of product 5150.
async fn stock(sim: &LeafLinkSim) -> (f64, f64, f64) {
    let product = client(sim).get_product(5150).await.unwrap();
    let get = |d: &leafbridge::leaflink::model::Decimal| d.as_f64().unwrap();
    (
        get(&product.quantity),
        get(&product.reserved_qty),
        get(&product.available_inventory),
    )
}

#[tokio::test]
async fn fulfilment_releases_the_reservation_and_takes_the_stock() {
    let sim = start_sim(0, None).await;
    let client = client(&sim);
    let number = sim
        .place_order(311, &[42], &[SimOrderLine::cases(5150, 3)])
        .unwrap();
    client
        .transition_order(&number, OrderAction::Accept)
        .await
        .unwrap();
    assert_eq!(stock(&sim).await, (100.0, 30.0, 70.0));
    client
        .transition_order(&number, OrderAction::Fulfill)
        .await
        .unwrap();
    assert_eq!(stock(&sim).await, (70.0, 0.0, 70.0));
    client
        .transition_order(&number, OrderAction::Ship)
        .await
        .unwrap();
    assert_eq!(stock(&sim).await, (70.0, 0.0, 70.0));
}

#[tokio::test]
async fn the_seller_rejects_from_any_open_status_and_the_stock_comes_back() {
    let steps: [&[OrderAction]; 5] = [
        &[],
        &[OrderAction::Accept],
        &[OrderAction::Accept, OrderAction::Fulfill],
        &[OrderAction::Accept, OrderAction::Fulfill, OrderAction::Ship],
        &[],
    ];
    for (case, path) in steps.iter().enumerate() {
        let sim = start_sim(0, None).await;
        let client = client(&sim);
        let number = sim
            .place_order(311, &[42], &[SimOrderLine::cases(5150, 2)])
            .unwrap();
        if case == 4 {
            sim.set_order_status(&number, OrderStatus::Backorder)
                .unwrap();
        }
        for action in *path {
            client.transition_order(&number, *action).await.unwrap();
        }
        let before = client.get_order_received(&number).await.unwrap();
        assert!(
            before
                .available_transitions
                .contains(&"rejected".to_owned()),
            "{:?}: {:?}",
            before.status,
            before.available_transitions
        );
        let rejected = client
            .transition_order(&number, OrderAction::Reject)
            .await
            .unwrap();
        assert_eq!(rejected.status, OrderStatus::Rejected);
        assert!(rejected.available_transitions.is_empty());
        assert_eq!(
            stock(&sim).await,
            (100.0, 0.0, 100.0),
            "from {:?}",
            before.status
        );
    }
}

#[tokio::test]
async fn the_seller_may_not_submit_or_cancel() {
    let sim = start_sim(0, None).await;
    for action in ["cancel", "submit"] {
        let path = format!("/api/v2/orders-received/{SEEDED_ORDER}/transition/{action}/");
        let response = raw(&sim, Method::POST, &path).send().await.unwrap();
        assert_eq!(response.status(), 403, "{action}");
        let body: Value = response.json().await.unwrap();
        assert!(body["detail"].as_str().unwrap().contains("buyer"), "{body}");
    }
    let order = client(&sim).get_order_received(SEEDED_ORDER).await.unwrap();
    assert_eq!(order.status, OrderStatus::Submitted);
    assert_eq!(order.available_transitions, ["accepted", "rejected"]);
}

#[tokio::test]
async fn control_endpoints_act_as_a_user_and_dump_the_state() {
    let sim = start_sim(0, None).await;
    let http = reqwest::Client::new();
    let base = format!("http://{}", sim.addr());
    let body =
        json!({"customer": 312, "sales_reps": [43], "lines": [{"product": 5151, "quantity": "4"}]});
    let placed: Value = http
        .post(format!("{base}/_sim/orders"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let number = placed["number"].as_str().unwrap();
    let edit = json!({"status": "Cancelled", "sales_reps": [42]});
    assert_eq!(
        http.patch(format!("{base}/_sim/orders/{number}"))
            .json(&edit)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let renamed = http
        .patch(format!("{base}/_sim/products/5151"))
        .json(&json!({"name": "Renamed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), 200);
    let state: Value = http
        .get(format!("{base}/_sim/state"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let order = state["orders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["number"] == number)
        .unwrap();
    assert_eq!(
        (
            order["status"].as_str(),
            order["sales_reps"][0]["id"].as_i64()
        ),
        (Some("Cancelled"), Some(42))
    );
    let reseeded = http
        .post(format!("{base}/_sim/seed"))
        .json(&state)
        .send()
        .await
        .unwrap();
    assert_eq!(reseeded.status(), 204);
    assert_eq!(sim.dump()["products"][1]["name"], "Renamed");
    assert_eq!(sim.dump()["products"][1]["reserved_qty"], "0.0000");
}

#[tokio::test]
async fn a_bad_seed_is_refused_naming_the_item() {
    let mut seed = seed(0);
    seed["products"][1]["listing_state"] = json!("Hidden");
    let config = leafbridge::sim::leaflink::LeafLinkSimConfig {
        api_key: API_KEY.into(),
        webhook: None,
    };
    let started = leafbridge::sim::leaflink::LeafLinkSim::start(
        "127.0.0.1:0".parse().unwrap(),
        config,
        Some(&seed),
    )
    .await;
    let error = started.err().expect("the seed is refused").to_string();
    assert!(error.contains("products[1]"), "{error}");
}

#[tokio::test]
async fn a_seed_order_whose_number_is_not_a_uuid_is_refused_and_placed_orders_get_uuids() {
    let mut seed = seed(0);
    seed["orders"][0]["number"] = json!("n-1");
    let config = || leafbridge::sim::leaflink::LeafLinkSimConfig {
        api_key: API_KEY.into(),
        webhook: None,
    };
    let address = "127.0.0.1:0".parse().unwrap();
    let started =
        leafbridge::sim::leaflink::LeafLinkSim::start(address, config(), Some(&seed)).await;
    let error = started.err().expect("the seed is refused").to_string();
    assert!(error.contains("orders[0].number"), "{error}");
    let sim = start_sim(0, None).await;
    let number = sim
        .place_order(311, &[42], &[SimOrderLine::cases(5150, 1)])
        .unwrap();
    assert!(
        leafbridge::envelope::check_order_number(&number).is_ok(),
        "{number}"
    );
}

#[tokio::test]
async fn orders_refuse_unknown_customers_and_sales_reps() {
    let sim = start_sim(0, None).await;
    let line = [SimOrderLine::cases(5150, 1)];
    assert!(sim.place_order(999, &[42], &line).is_err());
    assert!(sim.place_order(311, &[999], &line).is_err());
    assert!(sim.set_order_sales_reps(SEEDED_ORDER, &[999]).is_err());
    assert!(sim.set_order_sales_reps(SEEDED_ORDER, &[43]).is_ok());
}

#[tokio::test]
async fn product_create_follows_the_published_schema_and_names_the_refused_field() {
    let sim = start_sim(0, None).await;
    let valid = serde_json::to_value(new_product("SCHEMA-1", PRE_ROLLS, vec![])).unwrap();
    let refused = |field: &str, value: Value| {
        let mut body = valid.clone();
        match value {
            Value::Null => {
                body.as_object_mut().unwrap().remove(field);
            }
            other => body[field] = other,
        }
        body
    };
    let cases = [
        ("license", refused("license", Value::Null)),
        ("sub_category", refused("sub_category", Value::Null)),
        ("license", refused("license", json!(1))),
        ("sub_category", refused("sub_category", json!(15))),
        ("sub_category", refused("sub_category", json!(PRE_ROLLS))),
        ("category", refused("category", json!(99))),
        ("seller", refused("seller", json!(77))),
        ("manufacturer", refused("manufacturer", json!(77))),
        ("brand", refused("brand", json!(99))),
        ("strains", refused("strains", json!([99]))),
        (
            "external_ids",
            refused("external_ids", json!({"flourish_item_id": "1"})),
        ),
    ];
    for (field, body) in cases {
        let response = raw(&sim, Method::POST, "/api/v2/products/")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{field}");
        let answer: Value = response.json().await.unwrap();
        assert!(answer[field].is_array(), "{field}: {answer}");
    }
    let mut issued = valid.clone();
    issued["external_ids"] = json!({"flourish": "item-1"});
    let response = raw(&sim, Method::POST, "/api/v2/products/")
        .json(&issued)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["license"]["number"], "C11-0000001-LIC");
    assert_eq!(created["external_ids"], json!({"flourish": "item-1"}));
    let path = format!("/api/v2/products/{}/", created["id"]);
    for (license, status) in [(json!(5), 400), (json!(2619), 200)] {
        let response = raw(&sim, Method::PATCH, &path)
            .json(&json!({"license": license}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{license}");
    }
    let response = raw(&sim, Method::PATCH, &path)
        .json(&json!({"external_ids": {"other": "x"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn more_calls_than_leaflink_allows_get_429() {
    let sim = start_sim(0, None).await;
    // LeafLink's own figure by default: a burst of 700 on top of 300 a minute (5 a second).
    let started = std::time::Instant::now();
    let mut allowed = 0;
    loop {
        let response = raw(&sim, Method::GET, "/api/v2/brands/?limit=1")
            .send()
            .await
            .unwrap();
        if response.status() == 429 {
            assert!(response.headers().get("retry-after").is_none());
            let body: Value = response.json().await.unwrap();
            assert!(body["detail"].as_str().unwrap().contains("throttled"));
            break;
        }
        assert_eq!(response.status(), 200);
        allowed += 1;
        assert!(allowed < 2000, "never throttled");
    }
    let refilled = (started.elapsed().as_secs_f64() * 5.0).ceil() as usize;
    assert!(
        (700..=700 + refilled).contains(&allowed),
        "{allowed} allowed, {refilled} refilled"
    );

    // A test that needs many calls raises the limit explicitly.
    sim.set_rate_limit(Some(RateLimit {
        per_minute: 60_000,
        burst: 10_000,
    }));
    client(&sim).get_product(5150).await.unwrap();
}

#[tokio::test]
async fn the_rate_limit_and_redelivery_schedule_are_set_through_sim_controls() {
    let sim = start_sim(0, None).await;
    let http = reqwest::Client::new();
    let put = |path: &str, body: Value| {
        http.put(format!("http://{}/_sim/{path}", sim.addr()))
            .json(&body)
            .send()
    };
    // A limit of 2 at once (and 1 a minute after that): the third call is throttled.
    let set = put("rate-limit", json!({"per_minute": 1, "burst": 2}))
        .await
        .unwrap();
    assert_eq!(set.status(), 204);
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let response = raw(&sim, Method::GET, "/api/v2/brands/?limit=1")
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 429]);
    // Lifted, nothing is throttled.
    assert_eq!(put("rate-limit", Value::Null).await.unwrap().status(), 204);
    for _ in 0..5 {
        let response = raw(&sim, Method::GET, "/api/v2/brands/?limit=1")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let refused = put("rate-limit", json!({"per_minute": 0, "burst": 1}))
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let unknown = put("rate-limit", json!({"per_second": 5})).await.unwrap();
    assert!(unknown.status().is_client_error());

    let schedule = put("webhooks", json!({"retry_delays_ms": [5, 10]}))
        .await
        .unwrap();
    assert_eq!(schedule.status(), 204);
    assert_eq!(
        sim.outbox().retry_schedule().0,
        [
            std::time::Duration::from_millis(5),
            std::time::Duration::from_millis(10)
        ]
    );
}

/// Filters are those LeafLink publishes for each list: products take a comma list of SKUs but
/// one id, batches a comma list of ids; a filter the endpoint does not take is refused rather
/// than answered with the whole list.
#[tokio::test]
async fn list_filters_are_exactly_the_published_ones() {
    let sim = start_sim(3, None).await;
    let status = |path: &'static str| {
        let request = raw(&sim, Method::GET, path);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status("/api/v2/products/?id__in=5150,5151").await, 400);
    assert_eq!(status("/api/v2/products/?id=5150,5151").await, 400);
    assert_eq!(status("/api/v2/batches/?id=77,x").await, 400);
    assert_eq!(status("/api/v2/batches/?products=5101").await, 400);
    let one: Value = raw(&sim, Method::GET, "/api/v2/products/?id=5150")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one["count"], 1, "{one}");
    assert_eq!(one["results"][0]["id"], 5150);
    let batches = client(&sim).batches_by_id(&[77, 999_999]).await.unwrap();
    let ids: Vec<i64> = batches.iter().map(|b| b.id).collect();
    assert_eq!(ids, [77]);
}
