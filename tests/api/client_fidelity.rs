//! What both clients promise every call: the `User-Agent`, lower-case status filters, and
//! pages that read whole when one record carries a value this version does not know.

use leafbridge::leaflink::client::OrderQuery;
use leafbridge::leaflink::model::{
    ListingState, OrderReceived, OrderStatus, Page, Product, SellInUnit, Strain,
    StrainClassification,
};
use serde_json::{Value, json};

use crate::leaflink_support::{client, raw, start_sim};
use crate::sync_orders_support::*;
use crate::world::spawn_world;

const USER_AGENT: &str = concat!("leafbridge/", env!("CARGO_PKG_VERSION"));

fn user_agent(headers: &[(String, String)]) -> Option<&str> {
    headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("user-agent"))
        .map(|(_, value)| value.as_str())
}

#[tokio::test]
async fn every_call_to_both_platforms_names_leafbridge_and_its_version() {
    let world = spawn_world().await;
    let number = place(&world, 311, &[42], &[one_case_of_ten()]);
    world.settle().await;
    let id = only_flourish_order(&world, &number)["id"].clone();
    world
        .flourish
        .set_order_status(id.as_str().unwrap(), "Shipped")
        .unwrap();
    world.settle().await;

    let leaflink = world.leaflink.control().requests();
    let flourish = world.flourish.control().requests();
    assert!(
        leaflink.iter().any(|r| r.method != "GET"),
        "LeafLink was written to"
    );
    assert!(
        flourish.iter().any(|r| r.method != "GET"),
        "Flourish was written to"
    );
    for request in leaflink.iter().chain(&flourish) {
        assert_eq!(
            user_agent(&request.headers),
            Some(USER_AGENT),
            "{} {}",
            request.method,
            request.path
        );
    }
}

#[tokio::test]
async fn order_status_filters_go_lower_case_and_the_simulator_takes_any_case_and_lists() {
    let sim = start_sim(0, None).await;
    let query = OrderQuery {
        status: Some(OrderStatus::Submitted),
        status_not: Some(OrderStatus::Cancelled),
        ..OrderQuery::default()
    };
    let submitted = client(&sim).list_orders_received(&query).await.unwrap();
    assert!(submitted.iter().all(|o| o.status == OrderStatus::Submitted));
    let logged = sim.control().requests();
    let sent = logged.last().unwrap().query.clone().unwrap_or_default();
    assert!(
        sent.contains("status=submitted") && sent.contains("status__not=cancelled"),
        "{sent}"
    );

    let count = |answer: &Value| answer["count"].as_u64().unwrap();
    let get = |query: &'static str| {
        let request = raw(
            &sim,
            reqwest::Method::GET,
            &format!("/api/v2/orders-received/?{query}"),
        );
        async move { request.send().await.unwrap() }
    };
    let lower: Value = get("status=submitted").await.json().await.unwrap();
    let upper: Value = get("status=SUBMITTED").await.json().await.unwrap();
    let both: Value = get("status=Submitted,cancelled")
        .await
        .json()
        .await
        .unwrap();
    let all: Value = get("limit=100").await.json().await.unwrap();
    assert_eq!(count(&lower), count(&upper));
    assert_eq!(count(&lower), submitted.len() as u64);
    let cancelled = all["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["status"] == json!("Cancelled"))
        .count() as u64;
    assert_eq!(count(&both), count(&lower) + cancelled);
    assert_eq!(get("status=shipping").await.status(), 400);
}

/// A page of `path` as the simulator answers it, with one more record: a copy of the first,
/// changed by `odd`.
async fn page_with_one_odd_record(path: &str, odd: impl Fn(&mut Value)) -> Value {
    let sim = start_sim(0, None).await;
    let mut page: Value = raw(&sim, reqwest::Method::GET, path)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let results = page["results"].as_array_mut().unwrap();
    let mut extra = results.first().cloned().expect("the seed lists records");
    odd(&mut extra);
    results.push(extra);
    page
}

#[tokio::test]
async fn a_page_with_one_record_of_unknown_enum_values_reads_whole() {
    let products = page_with_one_odd_record("/api/v2/products/", |p| {
        p["listing_state"] = json!("Discontinued");
        p["sell_in_unit_of_measure"] = json!("Pallet");
        p["unit_of_measure"] = json!("Bushel");
    })
    .await;
    let read: Page<Product> = serde_json::from_value(products.clone()).unwrap();
    assert_eq!(
        read.results.len(),
        products["results"].as_array().unwrap().len()
    );
    let (odd, usual) = read.results.split_last().unwrap();
    assert_eq!(odd.listing_state, ListingState::Other);
    assert_eq!(odd.sell_in_unit_of_measure, Some(SellInUnit::Other));
    assert!(usual.iter().all(|p| p.listing_state != ListingState::Other));

    let strains = page_with_one_odd_record("/api/v2/strains/", |s| {
        s["strain_classification"] = json!("cbg-dominant");
    })
    .await;
    let read: Page<Strain> = serde_json::from_value(strains).unwrap();
    let (odd, usual) = read.results.split_last().unwrap();
    assert_eq!(odd.strain_classification, Some(StrainClassification::Other));
    assert_eq!(usual.len(), read.results.len() - 1);

    let orders = page_with_one_odd_record("/api/v2/orders-received/", |o| {
        o["status"] = json!("On Hold");
    })
    .await;
    let read: Page<OrderReceived> = serde_json::from_value(orders).unwrap();
    let (odd, usual) = read.results.split_last().unwrap();
    assert_eq!(odd.status, OrderStatus::Other);
    assert!(usual.iter().all(|o| o.status != OrderStatus::Other));
}

#[tokio::test]
async fn the_simulator_refuses_values_clients_read_as_other() {
    let sim = start_sim(0, None).await;
    let strain = raw(&sim, reqwest::Method::POST, "/api/v2/strains/")
        .json(&json!({"name": "New Strain", "strain_classification": "cbg-dominant"}))
        .send()
        .await
        .unwrap();
    assert_eq!(strain.status(), 400);
}
