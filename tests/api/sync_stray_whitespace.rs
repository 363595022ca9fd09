//! Keys stored with stray whitespace on the side leafbridge searches: the platform's exact
//! filter misses them, so leafbridge falls back to a normalised search and links the record
//! instead of creating a duplicate; preflight lists each such record with its fix.

use leafbridge::preflight;
use serde_json::{Value, json};

use crate::preflight_support::{fixture, start};
use crate::sync_items::{all_writes, clear_logs, latest, trigger};
use crate::sync_orders_support::{ANA_ORDER, last_outcome, trigger_order};
use crate::world::{World, spawn_world};

fn with_leaflink_sku(world: &World, id: i64, sku: &str) {
    let mut dump = world.leaflink.dump();
    for product in dump["products"].as_array_mut().unwrap() {
        if product["id"] == id {
            product["sku"] = json!(sku);
        }
    }
    world.leaflink.reseed(&dump).unwrap();
}

fn with_destination_license(world: &World, id: &str, license: &str) {
    let mut dump = world.flourish.dump();
    for destination in dump["destinations"].as_array_mut().unwrap() {
        if destination["id"] == id {
            destination["license_number"] = json!(license);
        }
    }
    world.flourish.load_seed(&dump).unwrap();
}

fn posts(world: &World, path: &str) -> Vec<Value> {
    all_writes(world)
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == path)
        .map(|r| r.body)
        .collect()
}

#[tokio::test]
async fn a_leaflink_sku_with_stray_whitespace_is_linked_not_duplicated() {
    let world = spawn_world().await;
    with_leaflink_sku(&world, 5150, " OGK-PR-1G ");
    clear_logs(&world);
    trigger(&world, "item", json!({"id": "151"})).await;
    world.settle().await;

    assert!(
        posts(&world, "/api/v2/products/").is_empty(),
        "no duplicate"
    );
    let event = latest(&world, "flourish.item:151").await;
    assert_eq!(event["outcome"], "synced", "{event}");
    let links = world
        .app
        .admin_get("/api/v1/links?kind=product&key=OGK-PR-1G")
        .await;
    let links: Value = links.json().await.unwrap();
    assert_eq!(links["items"][0]["remote_id"], "5150", "{links}");
    clear_logs(&world);
    trigger(&world, "item", json!({"id": "151", "again": 1})).await;
    world.settle().await;
    assert!(posts(&world, "/api/v2/products/").is_empty());
}

#[tokio::test]
async fn a_flourish_license_with_stray_whitespace_is_linked_not_duplicated() {
    let world = spawn_world().await;
    with_destination_license(&world, "2041", "C10-0000123-LIC  ");
    clear_logs(&world);
    let body = json!({"action": "edit", "type": "customer",
                      "data": {"license_number": "C10-0000123-LIC"}});
    assert!(world.app.post_leaflink(&body).await.status().is_success());
    world.settle().await;

    assert!(posts(&world, "/destinations").is_empty(), "no duplicate");
    let (outcome, reason) = last_outcome(&world, "leaflink.customer:C10-0000123-LIC").await;
    assert_eq!(outcome, "synced");
    assert!(reason.contains("link destination 2041"), "{reason}");
}

#[tokio::test]
async fn preflight_lists_each_key_with_stray_whitespace_and_its_fix() {
    let mut seed = fixture("seed.json");
    for product in seed["leaflink"]["products"].as_array_mut().unwrap() {
        if product["id"] == 5150 {
            product["sku"] = json!("OGK-PR-1G ");
        }
    }
    for destination in seed["flourish"]["destinations"].as_array_mut().unwrap() {
        if destination["id"] == "2041" {
            destination["license_number"] = json!(" C10-0000123-LIC");
        }
    }
    let world = start(&seed).await;
    let report = preflight::build_report(&world.settings).await;
    let stray: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.check == "stray_whitespace")
        .collect();
    let records: Vec<String> = stray.iter().map(|f| f.records[0].to_string()).collect();
    assert_eq!(
        records,
        [
            "LeafLink product 5150 (OGK-PR-1G)",
            "Flourish destination 2041 (C10-0000123-LIC)"
        ],
        "{stray:#?}"
    );
    let fixes: Vec<&str> = stray
        .iter()
        .map(|f| f.fix.as_ref().unwrap().action.as_str())
        .collect();
    assert!(
        fixes[0].contains("to `OGK-PR-1G` in LeafLink"),
        "{}",
        fixes[0]
    );
    assert!(
        fixes[1].contains("to `C10-0000123-LIC` in Flourish"),
        "{}",
        fixes[1]
    );
    let near_misses = report
        .findings
        .iter()
        .filter(|f| f.check == "sku_near_miss" || f.check == "license_near_miss")
        .count();
    assert_eq!(
        near_misses, 3,
        "only the seed's own two SKU and one license near misses"
    );
}

#[tokio::test]
async fn an_order_reaches_the_destination_whose_license_has_stray_whitespace() {
    let world = spawn_world().await;
    with_destination_license(&world, "2041", "\tC10-0000123-LIC ");
    clear_logs(&world);
    trigger_order(&world, ANA_ORDER, "stray").await;
    world.settle().await;

    assert!(posts(&world, "/destinations").is_empty(), "no duplicate");
    let creates: Vec<Value> = all_writes(&world)
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/outbound-orders"))
        .map(|r| r.body)
        .collect();
    assert_eq!(creates.len(), 1, "{creates:?}");
    assert_eq!(creates[0]["destination"], json!({"id": "2041"}));
}
