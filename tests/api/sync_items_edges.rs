//! Flow B's less common paths: ambiguous strains, a SKU changed under a link, LeafLink refusing
//! a create, webhooks out of order, and the dry run.

use std::time::Duration;

use leafbridge::config::Config;
use leafbridge::flourish::FlourishConfig;
use leafbridge::jobs::JobContext;
use leafbridge::leaflink::{AuthScheme, LeafLinkConfig};
use leafbridge::remote::TransportConfig;
use leafbridge::sim::common::DeliveryQuirks;
use serde_json::json;

use crate::helpers::test_config;
use crate::sync_items::{all_writes, detail, latest, products_with_sku, trigger};
use crate::world::{FLOURISH_API_KEY, LEAFLINK_API_KEY, World, seed_settings, spawn_world};

#[tokio::test]
async fn a_strain_matching_two_leaflink_strains_needs_attention_and_nothing_is_written() {
    let world = spawn_world().await;
    trigger(&world, "item", json!({"id": "153"})).await;
    world.settle().await;

    let event = latest(&world, "flourish.item:153").await;
    assert_eq!(event["outcome"], "needs_attention");
    let reason = event["reason"].as_str().unwrap();
    assert!(
        reason.contains("18202") && reason.contains("18239"),
        "{reason}"
    );
    assert!(all_writes(&world).is_empty());
}

#[tokio::test]
async fn a_sku_changed_under_a_linked_item_needs_attention_instead_of_a_second_product() {
    let world = spawn_world().await;
    trigger(&world, "item", json!({"id": "151"})).await;
    world.settle().await;
    assert_eq!(
        latest(&world, "flourish.item:151").await["outcome"],
        "synced"
    );

    world
        .flourish
        .update_item("151", &json!({"sku": "OGK-PR-1G-B"}))
        .unwrap();
    world.settle().await;

    let event = latest(&world, "flourish.item:151").await;
    assert_eq!(event["outcome"], "needs_attention");
    let fix = &detail(&world, &event).await["detail"]["fix"];
    assert_eq!(
        fix["action"],
        "set the SKU of LeafLink product 5150 to `OGK-PR-1G-B` (or restore the item's SKU)"
    );
    assert!(products_with_sku(&world, "OGK-PR-1G-B").is_empty());
    assert!(all_writes(&world).is_empty());
}

#[tokio::test]
async fn leaflink_refusing_a_create_needs_attention_with_its_own_words() {
    let world = spawn_world().await;
    let item = json!({
        "id": "904", "item_name": "Mystery Flower 3.5g", "sku": "CF-FL-MYS-35",
        "brand": "Canyon Farms", "ecommerce_active": true, "strain_required": false,
        "custom_category": "Flower", "price": 20,
    });
    world.flourish.upsert_item(&item).unwrap();
    world.settle().await;

    let event = latest(&world, "flourish.item:904").await;
    assert_eq!(event["outcome"], "needs_attention");
    let reason = event["reason"].as_str().unwrap();
    assert!(
        reason.contains("Strains are required for the Flower category"),
        "{reason}"
    );
    assert!(products_with_sku(&world, "CF-FL-MYS-35").is_empty());
    assert_eq!(world.app.queue().await.pending, 0, "not left to retry");
}

#[tokio::test]
async fn an_edit_delivered_before_its_create_still_ends_in_one_product_with_the_edit() {
    let world = spawn_world().await;
    world.flourish.outbox().set_quirks(DeliveryQuirks {
        reorder_next: true,
        ..DeliveryQuirks::default()
    });
    let mut item = json!({
        "id": "905", "item_name": "Tangie 3.5g", "item_description": "Citrus.",
        "sku": "CF-FL-TG-35", "brand": "Canyon Farms", "ecommerce_active": true,
        "strain_name": "Tangie", "strain_required": true, "product_line": "Reserve Flower",
        "custom_category": "Flower", "price": 24,
    });
    world.flourish.upsert_item(&item).unwrap();
    item["item_name"] = json!("Tangie 3.5g Jar");
    world.flourish.upsert_item(&item).unwrap();
    world.settle().await;

    let products = products_with_sku(&world, "CF-FL-TG-35");
    assert_eq!(products.len(), 1);
    assert_eq!(products[0]["name"], "Tangie 3.5g Jar");
    assert_eq!(products[0]["strains"], json!([18215]));
}

fn fast_transport() -> TransportConfig {
    TransportConfig {
        requests_per_minute: 600_000,
        burst: 1_000,
        retry_backoff: Duration::from_millis(10),
        ..TransportConfig::flourish_default()
    }
}

/// The item processor of a second leafbridge context on the same database and simulators.
/// Also returns the connection name links are stored under.
fn item_processor(world: &World) -> (std::sync::Arc<dyn leafbridge::jobs::Processor>, String) {
    let mut config: Config = test_config("sqlite::memory:");
    config.connection.leaflink = Some(LeafLinkConfig {
        base_url: world.leaflink.base_url(),
        api_key: LEAFLINK_API_KEY.into(),
        auth_scheme: AuthScheme::App,
        transport: fast_transport(),
    });
    config.connection.flourish = Some(FlourishConfig {
        base_url: world.flourish.base_url(),
        api_key: FLOURISH_API_KEY.into(),
        transport: fast_transport(),
    });
    config.connection.sync = seed_settings();
    let context = leafbridge::cli::serve::sync_context(&config, &world.app.db)
        .unwrap()
        .unwrap();
    let processors = leafbridge::sync::processors(context);
    let processor = processors.get("flourish.item").unwrap().clone();
    (processor, config.connection.name)
}

#[tokio::test]
async fn a_dry_run_plans_the_create_and_writes_nothing() {
    let world = spawn_world().await;
    let job = JobContext {
        job_id: "dry".into(),
        kind: "flourish.item".into(),
        entity_key: "flourish.item:160".into(),
        attempt: 1,
        event_id: "dry".into(),
        source: "operator".into(),
        event_kind: "item".into(),
        body: json!({}),
    };
    let (processor, connection) = item_processor(&world);
    let plan = processor.dry_run(&job).await.unwrap();

    assert_eq!(plan["plan"]["steps"][0]["step"], "create_product");
    assert_eq!(plan["plan"]["steps"][0]["listing_state"], "Available");
    assert!(all_writes(&world).is_empty());
    let links = leafbridge::store::links::all_of_kind(
        &world.app.db.pool,
        &connection,
        leafbridge::store::links::LinkKind::Product,
    )
    .await
    .unwrap();
    assert!(links.is_empty(), "a dry run records no link");
}

#[tokio::test]
async fn product_webhooks_fired_by_leaflink_orders_write_nothing() {
    use leafbridge::sim::leaflink::SimOrderLine;
    let world = spawn_world().await;
    let lines = [SimOrderLine::cases(5150, 1), SimOrderLine::cases(5101, 4)];
    for _ in 0..2 {
        world.leaflink.place_order(311, &[42], &lines).unwrap();
        world.settle().await;
    }

    for product in [5150, 5101] {
        let events = world
            .events(&format!("entity_key=leaflink.product:{product}"))
            .await;
        assert!(!events.is_empty(), "LeafLink announced product {product}");
        for event in &events {
            let outcome = event["outcome"].as_str().unwrap();
            assert!(["synced", "unchanged"].contains(&outcome), "{event}");
            let writes = &detail(&world, event).await["detail"]["writes"];
            assert_eq!(writes, &json!([]), "{event}");
        }
        assert_eq!(
            events[0]["outcome"], "unchanged",
            "linked by the first order"
        );
    }
    let touched_catalogue = all_writes(&world)
        .into_iter()
        .any(|r| r.path.contains("/products/") || r.path.contains("/items"));
    assert!(!touched_catalogue);
}
