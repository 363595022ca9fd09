//! Flow A under the optional settings: the id write-back to LeafLink and single-facility routing.

use leafbridge::config::{RoutingSetting, SyncSettings};
use serde_json::json;

use crate::sync_orders_support::*;
use crate::world::{seed_settings, spawn_world_with};

#[tokio::test]
async fn flourish_order_id_is_written_back_to_leaflink_external_ids_once() {
    let settings = SyncSettings {
        external_id_key: Some("flourish".into()),
        ..seed_settings()
    };
    let world = spawn_world_with(settings).await;
    let number = place(&world, 311, &[42], &[one_case_of_ten()]);
    world.settle().await;

    let id = only_flourish_order(&world, &number)["id"].clone();
    assert_eq!(
        leaflink_order(&world, &number)["external_ids"]["flourish"],
        id
    );
    clear_logs(&world);
    trigger_order(&world, &number, "again").await;
    world.settle().await;
    assert!(all_writes(&world).is_empty(), "{:#?}", all_writes(&world));
}

#[tokio::test]
async fn single_facility_routing_attaches_the_rep_it_knows_and_holds_without_a_required_one() {
    let settings = SyncSettings {
        routing: RoutingSetting::Facility(MANUFACTURING.into()),
        ..seed_settings()
    };
    let world = spawn_world_with(settings).await;
    // Staff 43 is Ana's Manufacturing account; staff 42 has no rep there, which it requires.
    let with_rep = place(&world, 311, &[43], &[one_case_of_ten()]);
    let without = place(&world, 311, &[42], &[one_case_of_ten()]);
    world.settle().await;

    let order = only_flourish_order(&world, &with_rep);
    assert_eq!(order["facility_id"], json!(MANUFACTURING));
    assert_eq!(order["sales_rep"], json!({"id": "1202"}));
    assert!(flourish_orders(&world, &without).is_empty());
    let (outcome, _) = last_outcome(&world, &format!("leaflink.order:{without}")).await;
    assert_eq!(outcome, "held");
}
