//! The Flourish client against the simulator: every method, pagination, batching, headers and
//! the classification of failures.

use chrono::Utc;
use leafbridge::flourish::model::{
    DestinationFields, DestinationType, IdRef, NewOutboundOrder, Note, OrderLine, OrderStatus,
    OutboundOrderUpdate,
};
use leafbridge::flourish::{InventoryFilter, ItemFilter, OrderFilter, OrderLocked, order_locked};
use leafbridge::remote::ClientError;

use super::flourish_support::{
    API_KEY, NORTH, SOUTH, client_with_key, header, query_values, requests_to, seed_with_items,
    setup, start_sim,
};

fn order(original_order_id: &str, sku: &str) -> NewOutboundOrder {
    NewOutboundOrder {
        original_order_id: original_order_id.to_owned(),
        order_timestamp: "2026-03-01T17:04:05.000Z".to_owned(),
        destination: IdRef::new("701"),
        sales_rep: Some(IdRef::new("501")),
        order_lines: vec![OrderLine {
            sku: sku.to_owned(),
            order_qty: 10.0,
            unit_price: Some(0.9),
            discount_price: None,
            lot_number: Some("LOT-A".to_owned()),
        }],
        notes: vec![Note {
            subject: "LeafLink".into(),
            note: "Deliver by noon".into(),
            internal_only: true,
        }],
        adjustments: Default::default(),
        payment_term: None,
    }
}

#[tokio::test]
async fn item_list_follows_next_across_pages() {
    let sim = start_sim(&seed_with_items(118)).await;
    let client = client_with_key(&sim, API_KEY);
    let items = client
        .list_items(&ItemFilter::default())
        .await
        .expect("items");
    assert_eq!(items.len(), 120);
    let offsets: Vec<Vec<String>> = requests_to(&sim, "/items")
        .iter()
        .map(|r| query_values(r, "offset"))
        .collect();
    assert_eq!(offsets, vec![vec!["0"], vec!["50"], vec!["100"]]);
}

#[tokio::test]
async fn a_full_last_page_with_null_next_ends_the_listing() {
    let sim = start_sim(&seed_with_items(48)).await;
    let client = client_with_key(&sim, API_KEY);
    let items = client
        .list_items(&ItemFilter::default())
        .await
        .expect("items");
    assert_eq!(items.len(), 50);
    assert_eq!(requests_to(&sim, "/items").len(), 1);
}

#[tokio::test]
async fn item_filters_and_numeric_ids_reach_the_caller() {
    let (sim, client) = setup().await;
    let filter = ItemFilter {
        item_ids: vec!["151".into(), "152".into()],
        ..Default::default()
    };
    let items = client.list_items(&filter).await.expect("items");
    assert_eq!(
        items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
        ["151", "152"]
    );
    assert_eq!(
        query_values(&requests_to(&sim, "/items")[0], "item_id"),
        ["151", "152"]
    );
    let by_sku = ItemFilter {
        sku: Some("BD-35".into()),
        ..Default::default()
    };
    assert_eq!(
        client.list_items(&by_sku).await.expect("items")[0].id,
        "152"
    );
    let item = client.get_item("151").await.expect("item");
    assert_eq!(
        (item.sku.as_str(), item.price, item.strain_required),
        ("OGK-PR-1G", Some(9.0), true)
    );
}

#[tokio::test]
async fn items_changed_since_a_time_are_found_by_polling() {
    let (sim, client) = setup().await;
    let start = Utc::now();
    sim.update_item("152", &serde_json::json!({"price": 32}))
        .expect("update");
    let filter = ItemFilter {
        updated_since: Some(start),
        ..Default::default()
    };
    let changed = client.list_items(&filter).await.expect("items");
    assert_eq!(
        changed.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
        ["152"]
    );
    assert_eq!(changed[0].price, Some(32.0));
}

#[tokio::test]
async fn a_missing_item_is_not_found_and_not_retried() {
    let (sim, client) = setup().await;
    let error = client.get_item("nope").await.expect_err("missing");
    assert!(matches!(error, ClientError::NotFound { .. }), "{error:?}");
    assert!(!error.is_retryable());
    assert_eq!(requests_to(&sim, "/items/nope").len(), 1);
}

#[tokio::test]
async fn created_order_is_sent_to_the_facility_with_references_by_id_only() {
    let (sim, client) = setup().await;
    let created = client
        .create_outbound_order(NORTH, &order("LL-2", "OGK-PR-1G"))
        .await
        .expect("create");
    assert_eq!(created.order_status, OrderStatus::Created);
    assert_eq!(created.original_order_id.as_deref(), Some("LL-2"));
    assert_eq!(created.destination, Some(IdRef::new("701")));
    let post = &requests_to(&sim, "/outbound-orders")[0];
    assert_eq!(
        (post.method.as_str(), header(post, "FacilityID")),
        ("POST", Some(NORTH))
    );
    assert_eq!(post.body["destination"], serde_json::json!({"id": "701"}));
    assert_eq!(post.body["sales_rep"], serde_json::json!({"id": "501"}));
    assert_eq!(post.body["order_lines"][0]["lot_number"], "LOT-A");
    let fetched = client.get_outbound_order(&created.id).await.expect("get");
    assert_eq!(fetched.notes[0].note, "Deliver by noon");
    let before = sim.dump();
    assert_eq!(
        before["destinations"].as_array().map(Vec::len),
        Some(2),
        "nothing created on the side"
    );
    assert_eq!(before["sales_reps"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn an_order_for_a_facility_that_requires_a_rep_is_refused_without_one() {
    let (_sim, client) = setup().await;
    let mut body = order("LL-3", "BD-35");
    body.sales_rep = None;
    let error = client
        .create_outbound_order(SOUTH, &body)
        .await
        .expect_err("refused");
    assert!(
        matches!(&error, ClientError::BadRequest { message, .. } if message.contains("sales_rep"))
    );
    assert!(!error.is_retryable());
    body.sales_rep = Some(IdRef::new("502"));
    let created = client
        .create_outbound_order(SOUTH, &body)
        .await
        .expect("create");
    assert_eq!(created.facility_id.as_deref(), Some(SOUTH));
}

#[tokio::test]
async fn a_created_order_takes_new_lines_until_it_is_allocated() {
    let (sim, client) = setup().await;
    let mut lines = order("LL-1", "OGK-PR-1G").order_lines;
    lines[0].order_qty = 20.0;
    let update = OutboundOrderUpdate {
        order_lines: Some(lines),
        ..Default::default()
    };
    let updated = client
        .update_outbound_order(NORTH, "9001", &update)
        .await
        .expect("update");
    assert_eq!(updated.order_lines[0].order_qty, 20.0);
    let put = requests_to(&sim, "/outbound-orders/9001")
        .pop()
        .expect("logged");
    assert_eq!(
        (put.method.as_str(), header(&put, "FacilityID")),
        ("PUT", Some(NORTH))
    );
    assert!(put.body.get("destination").is_none() && put.body.get("sales_rep").is_none());
    sim.set_order_status("9001", "Allocated").expect("allocate");
    let error = client
        .update_outbound_order(NORTH, "9001", &update)
        .await
        .expect_err("too late");
    assert!(
        matches!(&error, ClientError::BadRequest { status: 400, message } if message.contains("allocated"))
    );
    assert_eq!(order_locked(&error), Some(OrderLocked::Allocated));
    sim.set_order_status("9001", "Shipped").expect("ship");
    let error = client
        .update_outbound_order(NORTH, "9001", &update)
        .await
        .expect_err("too late");
    assert!(
        error.to_string().contains("Order has already been shipped"),
        "{error}"
    );
}

#[tokio::test]
async fn cancel_uses_the_order_facility_and_a_second_cancel_is_refused() {
    let (sim, client) = setup().await;
    let cancelled = client
        .cancel_outbound_order(NORTH, "9001")
        .await
        .expect("cancel");
    assert_eq!(cancelled.order_status, OrderStatus::Cancelled);
    let put = requests_to(&sim, "/outbound-orders/9001")
        .pop()
        .expect("logged");
    assert_eq!(put.body, serde_json::json!({"order_status": "Cancelled"}));
    assert_eq!(header(&put, "FacilityID"), Some(NORTH));
    let error = client
        .cancel_outbound_order(NORTH, "9001")
        .await
        .expect_err("again");
    assert!(
        error
            .to_string()
            .contains("Order has already been cancelled"),
        "{error}"
    );
}

#[tokio::test]
async fn cancel_with_another_facility_is_refused() {
    let (_sim, client) = setup().await;
    let error = client
        .cancel_outbound_order(SOUTH, "9001")
        .await
        .expect_err("wrong facility");
    assert!(matches!(error, ClientError::NotFound { .. }), "{error:?}");
}

#[tokio::test]
async fn orders_are_listed_by_status_and_by_change_time() {
    let (sim, client) = setup().await;
    let created = client
        .create_outbound_order(NORTH, &order("LL-2", "OGK-PR-1G"))
        .await
        .expect("create");
    // The seeded order was last changed on 2026-03-01, the created one just now.
    let start = "2026-06-01T00:00:00Z".parse().expect("time");
    let since = OrderFilter {
        updated_since: Some(start),
        ..Default::default()
    };
    let ids = |orders: Vec<leafbridge::flourish::model::OutboundOrder>| {
        orders
            .into_iter()
            .map(|o| o.id)
            .collect::<Vec<_>>()
            .join(",")
    };
    assert_eq!(
        ids(client.list_outbound_orders(&since).await.expect("list")),
        created.id
    );
    sim.set_order_status("9001", "Allocated").expect("allocate");
    assert_eq!(
        ids(client.list_outbound_orders(&since).await.expect("list")),
        format!("9001,{}", created.id)
    );
    let allocated = OrderFilter {
        order_status: Some(OrderStatus::Allocated),
        ..Default::default()
    };
    assert_eq!(
        ids(client.list_outbound_orders(&allocated).await.expect("list")),
        "9001"
    );
    let since_query = query_values(
        &requests_to(&sim, "/outbound-orders")[1],
        "last_updated_timestamp_start",
    );
    assert_eq!(since_query, ["2026-06-01T00:00:00.000Z"]);
}

#[tokio::test]
async fn destinations_are_found_by_exact_license_created_and_updated() {
    let (_sim, client) = setup().await;
    let found = client
        .find_destinations_by_license("C10-02")
        .await
        .expect("search");
    assert_eq!(
        found.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        ["702"]
    );
    assert!(
        client
            .find_destinations_by_license("C10-0")
            .await
            .expect("search")
            .is_empty()
    );
    let fields = DestinationFields {
        kind: Some(DestinationType::Dispensary),
        name: "Green Leaf".into(),
        license_number: "C10-03".into(),
        state: Some("CA".into()),
        country: Some("United States".into()),
        ..Default::default()
    };
    let created = client.create_destination(&fields).await.expect("create");
    assert_eq!(created.fields.license_number, "C10-03");
    let changed = DestinationFields {
        city: Some("Fresno".into()),
        ..fields
    };
    client
        .update_destination(&created.id, &changed)
        .await
        .expect("update");
    let fetched = client.get_destination(&created.id).await.expect("get");
    assert_eq!(
        (fetched.fields.city.as_deref(), fetched.fields.kind),
        (Some("Fresno"), Some(DestinationType::Dispensary))
    );
}

#[tokio::test]
async fn sales_reps_are_those_of_the_facility_asked_for() {
    let (sim, client) = setup().await;
    let reps = client.list_sales_reps(SOUTH).await.expect("reps");
    assert_eq!(
        reps.iter().map(|r| r.email.as_deref()).collect::<Vec<_>>(),
        [Some("john.south@example.com")]
    );
    assert_eq!(
        header(&requests_to(&sim, "/sales-reps")[0], "FacilityID"),
        Some(SOUTH)
    );
}

#[tokio::test]
async fn facilities_brands_and_strains_are_read() {
    let (_sim, client) = setup().await;
    let facilities = client.list_facilities().await.expect("facilities");
    assert_eq!(facilities.len(), 2);
    assert!(
        client
            .get_facility(SOUTH)
            .await
            .expect("facility")
            .sales_rep_required_for_outbound
    );
    assert_eq!(
        client.list_brands().await.expect("brands")[0].brand_name,
        "Canyon Farms"
    );
    assert_eq!(client.list_strains().await.expect("strains")[0].id, "11");
    assert_eq!(
        client.get_strain("11").await.expect("strain").strain_name,
        "OG KUSH"
    );
}

#[tokio::test]
async fn inventory_of_120_items_is_asked_for_in_3_calls_of_at_most_50() {
    let (sim, client) = setup().await;
    let mut item_ids: Vec<String> = (0..119).map(|n| format!("{}", 5000 + n)).collect();
    item_ids.push("151".into());
    let filter = InventoryFilter {
        item_ids,
        ..Default::default()
    };
    let rows = client
        .inventory_summary(NORTH, &filter)
        .await
        .expect("inventory");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].item_id.as_str(), rows[0].sellable_qty),
        ("151", 50.0)
    );
    let calls = requests_to(&sim, "/inventory/summary");
    let sizes: Vec<usize> = calls
        .iter()
        .map(|r| query_values(r, "item_id").len())
        .collect();
    assert_eq!(sizes, [50, 50, 20]);
    assert!(calls.iter().all(|r| header(r, "FacilityID") == Some(NORTH)));
}

#[tokio::test]
async fn inventory_can_be_read_per_lot_and_by_sku() {
    let (_sim, client) = setup().await;
    let filter = InventoryFilter {
        sku: Some("OGK-PR-1G".into()),
        group_by_lot: true,
        ..Default::default()
    };
    let rows = client
        .inventory_summary(NORTH, &filter)
        .await
        .expect("inventory");
    let lots: Vec<(Option<&str>, f64)> = rows
        .iter()
        .map(|r| (r.lot_number.as_deref(), r.sellable_qty))
        .collect();
    assert_eq!(lots, [(Some("LOT-A"), 40.0), (Some("LOT-B"), 10.0)]);
}

#[tokio::test]
async fn a_short_retry_after_is_waited_out_and_the_call_succeeds() {
    let (sim, client) = setup().await;
    sim.control().rate_limit_next(1, 1);
    assert_eq!(client.list_brands().await.expect("brands").len(), 1);
    assert_eq!(requests_to(&sim, "/brands").len(), 2);
}

#[tokio::test]
async fn a_long_retry_after_goes_back_to_the_caller_with_the_wait() {
    let (sim, client) = setup().await;
    sim.control().rate_limit_next(1, 60);
    let error = client.list_brands().await.expect_err("throttled");
    assert!(error.is_retryable());
    assert_eq!(
        error.retry_after(),
        Some(std::time::Duration::from_secs(60))
    );
    assert_eq!(requests_to(&sim, "/brands").len(), 1);
}

#[tokio::test]
async fn server_errors_are_retried_then_surfaced_as_retryable() {
    let (sim, client) = setup().await;
    sim.control().fail_next(10, 503);
    let error = client.list_facilities().await.expect_err("unavailable");
    assert!(
        matches!(error, ClientError::Server { status: 503, .. }),
        "{error:?}"
    );
    assert!(error.is_retryable());
    assert_eq!(
        requests_to(&sim, "/facilities").len(),
        4,
        "one call and three retries"
    );
}

#[tokio::test]
async fn a_failed_order_create_is_not_repeated_by_the_client() {
    let (sim, client) = setup().await;
    sim.control().fail_next(1, 503);
    let error = client
        .create_outbound_order(NORTH, &order("LL-2", "OGK-PR-1G"))
        .await
        .expect_err("failed");
    assert!(error.is_retryable());
    assert_eq!(requests_to(&sim, "/outbound-orders").len(), 1);
}

#[tokio::test]
async fn a_wrong_api_key_is_a_permanent_failure() {
    let (sim, _client) = setup().await;
    let client = client_with_key(&sim, "wrong-key");
    let error = client
        .list_items(&ItemFilter::default())
        .await
        .expect_err("refused");
    assert!(
        matches!(error, ClientError::Unauthorized { status: 401, .. }),
        "{error:?}"
    );
    assert!(!error.is_retryable());
    assert_eq!(requests_to(&sim, "/items").len(), 1);
}

#[tokio::test]
async fn the_api_key_never_appears_in_debug_output() {
    let (sim, client) = setup().await;
    assert!(!format!("{client:?}").contains(API_KEY));
    let config = leafbridge::flourish::FlourishConfig {
        base_url: sim.base_url(),
        api_key: API_KEY.into(),
        transport: super::flourish_support::quick_transport(),
    };
    let debug = format!("{config:?}");
    assert!(!debug.contains(API_KEY) && debug.contains("[redacted]"));
}

#[tokio::test]
async fn a_dropped_connection_is_retried_for_reads() {
    let (sim, client) = setup().await;
    sim.control().drop_next(1);
    assert_eq!(client.list_strains().await.expect("strains").len(), 1);
    assert_eq!(requests_to(&sim, "/strains").len(), 2);
}

#[tokio::test]
async fn a_base_url_without_trailing_slash_reaches_the_same_paths() {
    let (sim, _client) = setup().await;
    let config = leafbridge::flourish::FlourishConfig {
        base_url: sim.base_url().trim_end_matches('/').to_owned(),
        api_key: API_KEY.into(),
        transport: super::flourish_support::quick_transport(),
    };
    let client = leafbridge::flourish::FlourishClient::new(config).expect("client");
    assert_eq!(client.get_item("151").await.expect("item").sku, "OGK-PR-1G");
    assert_eq!(
        requests_to(&sim, "/items/151")[0].path,
        "/external/api/v1/items/151"
    );
}
