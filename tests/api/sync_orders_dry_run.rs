//! Dry runs of the order, customer and status processors: they read and plan like a real run
//! and write nothing to either platform or to the link table.

use std::sync::Arc;
use std::time::Duration;

use leafbridge::flourish::{FlourishClient, FlourishConfig};
use leafbridge::jobs::{JobContext, Processors};
use leafbridge::leaflink::{AuthScheme, LeafLinkClient, LeafLinkConfig};
use leafbridge::remote::TransportConfig;
use leafbridge::sync::SyncContext;
use serde_json::{Value, json};

use crate::sync_orders_support::*;
use crate::world::{FLOURISH_API_KEY, LEAFLINK_API_KEY, World, seed_settings, spawn_world};

/// The flows' processors, talking to the world's simulators and database.
fn processors(world: &World) -> Processors {
    let transport = TransportConfig {
        retry_backoff: Duration::from_millis(10),
        ..TransportConfig::flourish_default()
    };
    let context = SyncContext {
        db: world.app.db.clone(),
        connection: "default".into(),
        leaflink: LeafLinkClient::new(LeafLinkConfig {
            base_url: world.leaflink.base_url(),
            api_key: LEAFLINK_API_KEY.into(),
            auth_scheme: AuthScheme::App,
            transport: transport.clone(),
        })
        .unwrap(),
        flourish: FlourishClient::new(FlourishConfig {
            base_url: world.flourish.base_url(),
            api_key: FLOURISH_API_KEY.into(),
            transport,
        })
        .unwrap(),
        settings: seed_settings(),
        caches: Default::default(),
        mode: Default::default(),
    };
    leafbridge::sync::processors(Arc::new(context))
}

fn job(kind: &str, key: &str) -> JobContext {
    JobContext {
        job_id: "dry".into(),
        kind: kind.into(),
        entity_key: format!("{kind}:{key}"),
        attempt: 1,
        event_id: "dry".into(),
        source: "operator".into(),
        event_kind: "resync".into(),
        body: json!({}),
    }
}

async fn dry_run(world: &World, kind: &str, key: &str) -> Value {
    let processors = processors(world);
    let processor = processors.get(kind).unwrap();
    processor.dry_run(&job(kind, key)).await.unwrap()
}

#[tokio::test]
async fn order_dry_run_returns_the_plan_and_writes_nothing() {
    let world = spawn_world().await;
    let answer = dry_run(&world, "leaflink.order", REDWOOD_ORDER).await;

    let steps = answer["plan"]["steps"].as_array().unwrap();
    let names: Vec<&str> = steps.iter().map(|s| s["step"].as_str().unwrap()).collect();
    assert_eq!(names, ["create_destination", "create_order"]);
    assert_eq!(steps[1]["facility_id"], json!(MANUFACTURING));
    assert!(all_writes(&world).is_empty());
    assert!(flourish_orders(&world, REDWOOD_ORDER).is_empty());
    assert!(order_link(&world, REDWOOD_ORDER).await.is_none());
}

#[tokio::test]
async fn order_dry_run_of_a_held_order_returns_the_outcome() {
    let world = spawn_world().await;
    let number = place(&world, 320, &[], &[one_case_of_ten()]);
    let answer = dry_run(&world, "leaflink.order", &number).await;
    assert_eq!(answer["outcome"]["kind"], json!("held"));
}

#[tokio::test]
async fn customer_dry_run_plans_the_destination_without_creating_it() {
    let world = spawn_world().await;
    let answer = dry_run(&world, "leaflink.customer", REDWOOD_LICENSE).await;
    assert_eq!(
        answer["plan"]["steps"][0]["step"],
        json!("create_destination")
    );
    assert!(destinations_with(&world, REDWOOD_LICENSE).is_empty());
    assert!(all_writes(&world).is_empty());
}

#[tokio::test]
async fn status_dry_run_names_every_step_of_the_walk_and_moves_nothing() {
    let world = spawn_world().await;
    trigger_order(&world, ANA_ORDER, "first").await;
    world.settle().await;
    let id = only_flourish_order(&world, ANA_ORDER)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    world.flourish.outbox().set_target(None);
    world.flourish.set_order_status(&id, "Shipped").unwrap();
    clear_logs(&world);

    let answer = dry_run(&world, "flourish.order", &id).await;
    assert_eq!(
        answer["plan"]["steps"],
        json!(["accept", "fulfill", "ship"])
    );
    assert_eq!(
        answer["steps"],
        json!([
            format!("accept LeafLink order {ANA_ORDER}"),
            format!("fulfill LeafLink order {ANA_ORDER}"),
            format!("ship LeafLink order {ANA_ORDER}"),
        ])
    );
    assert!(all_writes(&world).is_empty());
    assert_eq!(
        leaflink_order(&world, ANA_ORDER)["status"],
        json!("Submitted")
    );
}
