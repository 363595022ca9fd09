//! Keys stored with stray whitespace on the side leafbridge searches: the platform's exact
//! filter misses them, so leafbridge falls back to a normalised search and links the record
//! instead of creating a duplicate; preflight lists each such record with its fix.

use leafbridge::preflight;
use serde_json::{Value, json};

use crate::preflight_support::{fixture, start};
use crate::sync_items::{all_writes, clear_logs, latest, products_with_sku, trigger};
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

/// Stores Flourish item `id` (and its stock rows) with `sku`, as an operator typing it would.
fn with_item_sku(world: &World, id: &str, sku: &str) {
    let mut dump = world.flourish.dump();
    for item in dump["items"].as_array_mut().unwrap() {
        if item["id"] == id {
            item["sku"] = json!(sku);
        }
    }
    for row in dump["inventory"].as_array_mut().unwrap() {
        if row["item_id"] == id {
            row["sku"] = json!(sku);
        }
    }
    world.flourish.load_seed(&dump).unwrap();
}

/// Unfiltered reads of a Flourish path (the normalised fallback's listings).
fn unfiltered_gets(world: &World, path: &str) -> usize {
    world
        .flourish
        .control()
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with(path))
        .filter(|r| r.query.as_deref().is_none_or(|q| !q.contains("sku=")))
        .count()
}

#[tokio::test]
async fn an_order_line_reaches_the_flourish_item_whose_sku_has_stray_whitespace() {
    let world = spawn_world().await;
    with_item_sku(&world, "151", " OGK-PR-1G\t");
    clear_logs(&world);
    trigger_order(&world, ANA_ORDER, "stray-item").await;
    world.settle().await;

    let (outcome, reason) = last_outcome(&world, &format!("leaflink.order:{ANA_ORDER}")).await;
    assert_eq!(outcome, "synced", "{reason}");
    let creates: Vec<Value> = all_writes(&world)
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/outbound-orders"))
        .map(|r| r.body)
        .collect();
    assert_eq!(creates.len(), 1, "{creates:?}");
    let skus: Vec<&str> = creates[0]["order_lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line["sku"].as_str().unwrap())
        .collect();
    assert!(
        skus.contains(&" OGK-PR-1G\t"),
        "the line carries the SKU as Flourish stores it: {skus:?}"
    );
    assert_eq!(unfiltered_gets(&world, "/items"), 1, "one fallback listing");
    clear_logs(&world);
    trigger_order(&world, ANA_ORDER, "again").await;
    world.settle().await;
    let (outcome, reason) = last_outcome(&world, &format!("leaflink.order:{ANA_ORDER}")).await;
    assert_eq!(
        outcome, "unchanged",
        "the stored SKU compares equal: {reason}"
    );
    assert!(all_writes(&world).is_empty(), "{:?}", all_writes(&world));
}

#[tokio::test]
async fn stock_of_a_flourish_item_whose_sku_has_stray_whitespace_reaches_leaflink() {
    let world = spawn_world().await;
    with_item_sku(&world, "151", "OGK-PR-1G  ");
    world
        .flourish
        .set_inventory("04bb2a7c", "151", 321.0, Some("CFC-PR-261020-OGK"))
        .unwrap();
    world.settle().await;

    let dump = world.flourish.dump();
    let total: f64 = dump["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["item_id"] == "151")
        .map(|row| row["sellable_qty"].as_f64().unwrap())
        .sum();
    assert!(total >= 321.0, "{total}");
    let product = &products_with_sku(&world, "OGK-PR-1G")[0];
    let quantity: f64 = product["quantity"].as_str().unwrap().parse().unwrap();
    assert_eq!(quantity, total);
}

#[tokio::test]
async fn an_operator_resync_by_sku_finds_the_item_whose_sku_has_stray_whitespace() {
    let world = spawn_world().await;
    with_item_sku(&world, "151", "\tOGK-PR-1G");
    world.settle().await;
    clear_logs(&world);
    let response = world
        .app
        .http
        .post(format!("{}/api/v1/resync", world.app.address))
        .bearer_auth(crate::helpers::ADMIN_TOKEN)
        .json(&json!({"kind": "items", "ids": ["OGK-PR-1G"]}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["jobs"], 1);
    assert_eq!(unfiltered_gets(&world, "/items"), 1, "one fallback listing");
    world.settle().await;
    let event = latest(&world, "flourish.item:151").await;
    assert_eq!(event["source"], "operator", "{event}");
}
