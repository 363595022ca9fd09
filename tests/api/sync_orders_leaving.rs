//! LeafLink orders that go away, as LeafLink's published document shows it: a draft deleted
//! (`DELETE`, then 404) and orders combined into a new one (the originals `Combined`). The
//! `external_ids` entry leafbridge wrote is removed where the order still exists, the link is
//! closed and kept, and the Flourish order is cancelled while `Created`, else left as attention.

use leafbridge::config::SyncSettings;
use leafbridge::leaflink::model::OrderStatus;
use leafbridge::sim::leaflink::SimOrderLine;
use serde_json::{Value, json};

use crate::sync_orders_support::*;
use crate::world::{LEAFLINK_API_KEY, World, seed_settings, spawn_world_with};

async fn world_writing_ids() -> World {
    let settings = SyncSettings {
        external_id_key: Some("flourish".into()),
        ..seed_settings()
    };
    spawn_world_with(settings).await
}

/// Two orders of Green Door (311) under Ana (staff 42), synced to Flourish: a case of pre-rolls
/// and four OG Kush jars.
async fn two_synced_orders(world: &World) -> (String, String) {
    let first = place(world, 311, &[42], &[one_case_of_ten()]);
    let second = place(world, 311, &[42], &[SimOrderLine::units(5101, "4")]);
    world.settle().await;
    (first, second)
}

fn flourish_id(world: &World, number: &str) -> String {
    only_flourish_order(world, number)["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A request to the LeafLink simulator's API as the integration would send it.
async fn leaflink_api(
    world: &World,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> u16 {
    let url = format!("{}{path}", world.leaflink.base_url());
    let mut request = reqwest::Client::new()
        .request(method, url)
        .header("Authorization", format!("App {LEAFLINK_API_KEY}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn orders_combined_away_cancel_their_created_flourish_orders_lose_their_ids_and_close_their_links()
 {
    let world = world_writing_ids().await;
    let (first, second) = two_synced_orders(&world).await;
    let first_id = flourish_id(&world, &first);
    // Another system's id on the first order stays where it is.
    let ids = json!({"external_ids": {"flourish": first_id, "erp": "E-1"}});
    let path = format!("orders-received/{first}/");
    assert_eq!(
        leaflink_api(&world, reqwest::Method::PATCH, &path, Some(ids)).await,
        200
    );
    world.settle().await;

    let combined = world.leaflink.combine_orders(&[&first, &second]).unwrap();
    world.settle().await;

    for number in [&first, &second] {
        let order = leaflink_order(&world, number);
        assert_eq!(order["status"], json!("Combined"));
        assert_eq!(
            only_flourish_order(&world, number)["order_status"],
            json!("Cancelled")
        );
        let link = order_link(&world, number).await.expect("the link is kept");
        assert!(link.is_closed(), "{link:?}");
        let all = outcomes(&world, &format!("leaflink.order:{number}")).await;
        assert!(
            all.iter()
                .any(|(o, r)| o == "synced" && r.contains("close the order link")),
            "{all:?}"
        );
    }
    assert_eq!(
        leaflink_order(&world, &first)["external_ids"],
        json!({"erp": "E-1"})
    );
    assert_eq!(leaflink_order(&world, &second)["external_ids"], json!({}));

    // The combination arrives as a new order with every line, and carries its own id.
    let order = only_flourish_order(&world, &combined);
    assert_eq!(order["order_lines"].as_array().unwrap().len(), 2);
    assert_eq!(
        leaflink_order(&world, &combined)["is_combination"],
        json!(true)
    );
    assert_eq!(
        leaflink_order(&world, &combined)["external_ids"]["flourish"],
        order["id"]
    );
    assert_all_processed(&world).await;

    // A closed link is history: the order's events change nothing any more.
    clear_logs(&world);
    trigger_order(&world, &first, "again").await;
    world.settle().await;
    assert!(all_writes(&world).is_empty(), "{:#?}", all_writes(&world));
    let (outcome, _) = last_outcome(&world, &format!("leaflink.order:{first}")).await;
    assert_eq!(outcome, "ignored");
}

#[tokio::test]
async fn an_allocated_flourish_order_of_an_order_combined_away_is_left_alone_as_attention() {
    let world = world_writing_ids().await;
    let (first, second) = two_synced_orders(&world).await;
    let first_id = flourish_id(&world, &first);
    world
        .flourish
        .set_order_status(&first_id, "Allocated")
        .unwrap();
    world.settle().await;
    assert_eq!(leaflink_order(&world, &first)["status"], json!("Accepted"));

    world.leaflink.combine_orders(&[&first, &second]).unwrap();
    world.settle().await;

    assert_eq!(
        only_flourish_order(&world, &first)["order_status"],
        json!("Allocated")
    );
    // The write removing the id echoes back as an order webhook, which finds the link closed.
    let all = outcomes(&world, &format!("leaflink.order:{first}")).await;
    let left = format!("Flourish order {first_id} is already Allocated and was left as it is");
    assert!(
        all.iter()
            .any(|(o, r)| o == "needs_attention" && r.contains(&left)),
        "{all:?}"
    );
    assert!(order_link(&world, &first).await.unwrap().is_closed());
    assert_eq!(leaflink_order(&world, &first)["external_ids"], json!({}));
    assert_eq!(
        only_flourish_order(&world, &second)["order_status"],
        json!("Cancelled")
    );
}

#[tokio::test]
async fn leaflink_deletes_only_drafts_and_a_deleted_order_closes_its_link() {
    let world = world_writing_ids().await;
    let number = place(&world, 311, &[42], &[one_case_of_ten()]);
    world.settle().await;
    let id = flourish_id(&world, &number);
    let path = format!("orders-received/{number}/");
    assert_eq!(
        leaflink_api(&world, reqwest::Method::DELETE, &path, None).await,
        400
    );

    // Taken back to draft in LeafLink's UI, then deleted.
    world
        .leaflink
        .set_order_status(&number, OrderStatus::Draft)
        .unwrap();
    world.settle().await;
    assert_eq!(
        leaflink_api(&world, reqwest::Method::DELETE, &path, None).await,
        204
    );
    assert_eq!(
        leaflink_api(&world, reqwest::Method::GET, &path, None).await,
        404
    );
    world.settle().await;

    assert_eq!(
        only_flourish_order(&world, &number)["order_status"],
        json!("Cancelled")
    );
    assert!(order_link(&world, &number).await.unwrap().is_closed());
    let (outcome, reason) = last_outcome(&world, &format!("leaflink.order:{number}")).await;
    assert_eq!(outcome, "synced", "{reason}");
    assert_all_processed(&world).await;
    assert_eq!(
        id,
        order_link(&world, &number).await.unwrap().remote_id,
        "the closed link still names the order"
    );
}

#[tokio::test]
async fn a_draft_deleted_before_it_was_ever_sent_is_ignored() {
    let world = world_writing_ids().await;
    let number = place(&world, 311, &[42], &[one_case_of_ten()]);
    world
        .leaflink
        .set_order_status(&number, OrderStatus::Draft)
        .unwrap();
    world.leaflink.delete_order(&number).unwrap();
    clear_logs(&world);
    world.settle().await;
    assert!(flourish_orders(&world, &number).is_empty());
    assert!(order_link(&world, &number).await.is_none());
    let (outcome, reason) = last_outcome(&world, &format!("leaflink.order:{number}")).await;
    assert_eq!(outcome, "ignored");
    assert_eq!(reason, format!("LeafLink order {number} does not exist"));
    assert!(all_writes(&world).is_empty(), "{:#?}", all_writes(&world));
}
