//! `POST /api/v1/resync` and `GET /api/v1/resyncs/{id}`: one call per entity, the same jobs a
//! webhook makes, dry runs that write nothing, and field-naming errors.

use crate::helpers::{order_key, order_number};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::operator_support::{Scripted, attention, call, get, post, spawn_scripted};
use crate::world::spawn_world;

#[tokio::test]
async fn one_leaflink_order_is_resynced_by_number_in_one_call() {
    let processor = Arc::new(Scripted::default());
    let app = spawn_scripted(processor.clone()).await;
    let (status, answer) = post(
        &app,
        "/api/v1/resync",
        json!({"kind": "orders", "ids": [order_number("n-1")]}),
    )
    .await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["jobs"], 1);
    let events = get(&app, "/api/v1/events?source=operator").await;
    let event = &events["items"][0];
    assert_eq!(event["entity_key"], order_key("n-1"));
    assert_eq!(event["kind"], "order");
    assert_eq!(event["action"], "resync");
    app.drain(Duration::ZERO).await;
    assert_eq!(processor.entities(), [order_key("n-1")]);
    let resync_id = answer["resync_id"].as_str().unwrap();
    let progress = get(&app, &format!("/api/v1/resyncs/{resync_id}")).await;
    assert_eq!(progress["jobs"], 1);
    assert_eq!(progress["done"], 1);
    assert_eq!(progress["finished"], true);
    assert_eq!(progress["outcomes"], json!({"synced": 1}));
}

#[tokio::test]
async fn a_customer_by_license_and_an_item_by_id_get_the_webhook_entity_keys() {
    let processor = Arc::new(Scripted::default());
    let app = spawn_scripted(processor.clone()).await;
    let (status, _) = post(
        &app,
        "/api/v1/resync",
        json!({"kind": "customers", "ids": ["C10-0000123-LIC"]}),
    )
    .await;
    assert_eq!(status, 202);
    let (status, _) = post(
        &app,
        "/api/v1/resync",
        json!({"kind": "items", "ids": [151]}),
    )
    .await;
    assert_eq!(status, 202);
    let (status, _) = post(
        &app,
        "/api/v1/resync",
        json!({"kind": "inventory", "ids": ["OGK-PR-1G"]}),
    )
    .await;
    assert_eq!(status, 202);
    app.drain(Duration::ZERO).await;
    let mut seen = processor.entities();
    seen.sort();
    assert_eq!(
        seen,
        [
            "flourish.inventory_summary:OGK-PR-1G",
            "flourish.item:151",
            "leaflink.customer:C10-0000123-LIC"
        ]
    );
}

#[tokio::test]
async fn resyncing_the_same_entity_twice_runs_it_twice_with_progress_per_resync() {
    let processor = Arc::new(Scripted::default());
    processor.then(attention(
        "no brand",
        "LeafLink",
        "create brand `X` in LeafLink",
    ));
    let app = spawn_scripted(processor.clone()).await;
    let body = json!({"kind": "orders", "ids": [order_number("n-1"), order_number("n-2"), order_number("n-1")]});
    let (_, first) = post(&app, "/api/v1/resync", body.clone()).await;
    assert_eq!(first["jobs"], 2, "ids are deduplicated within one resync");
    let (_, second) = post(&app, "/api/v1/resync", body).await;
    assert_eq!(
        second["jobs"], 2,
        "a second resync is not a duplicate delivery"
    );
    let id = first["resync_id"].as_str().unwrap();
    let waiting = get(&app, &format!("/api/v1/resyncs/{id}")).await;
    assert_eq!(
        (waiting["pending"].clone(), waiting["finished"].clone()),
        (json!(2), json!(false))
    );
    app.drain(Duration::ZERO).await;
    assert_eq!(processor.entities().len(), 4);
    let done = get(&app, &format!("/api/v1/resyncs/{id}")).await;
    assert_eq!(done["outcomes"], json!({"needs_attention": 1, "synced": 1}));
}

#[tokio::test]
async fn a_dry_run_answers_the_plans_and_stores_nothing() {
    let processor = Arc::new(Scripted::default());
    let app = spawn_scripted(processor.clone()).await;
    let (status, answer) = post(
        &app,
        "/api/v1/resync",
        json!({"kind": "orders", "ids": [order_number("n-1")], "dry_run": true}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["dry_run"], true);
    assert_eq!(answer["plans"][0]["entity_key"], order_key("n-1"));
    assert_eq!(answer["plans"][0]["plan"]["would_sync"], order_key("n-1"));
    assert!(
        get(&app, "/api/v1/events").await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(app.queue().await.pending, 0);
    assert!(processor.entities().is_empty(), "process never ran");
}

#[tokio::test]
async fn without_platform_keys_listing_and_sku_lookups_answer_409() {
    let app = spawn_scripted(Arc::new(Scripted::default())).await;
    for body in [
        json!({"kind": "all"}),
        json!({"kind": "orders", "since": "2026-11-01T00:00:00Z"}),
        json!({"kind": "items", "ids": ["OGK-PR-1G"]}),
    ] {
        let (status, error) = post(&app, "/api/v1/resync", body.clone()).await;
        assert_eq!(status, 409, "{body}: {error}");
        assert_eq!(error["code"], "conflict");
        assert!(
            error["message"].as_str().unwrap().contains("API key"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn bad_resync_requests_name_the_field() {
    let app = spawn_scripted(Arc::new(Scripted::default())).await;
    let cases: [(Value, u16, &str); 6] = [
        (json!({"kind": "invoices", "ids": ["1"]}), 422, "kind"),
        (json!({"ids": ["1"]}), 422, "kind"),
        (json!({"kind": "orders", "ids": "n-1"}), 422, "ids"),
        (json!({"kind": "all", "ids": ["1"]}), 422, "ids"),
        (json!({"kind": "orders", "ids": []}), 422, "ids"),
        (
            json!({"kind": "orders", "since": "yesterday"}),
            422,
            "since",
        ),
    ];
    for (body, expected, field) in cases {
        let (status, error) = post(&app, "/api/v1/resync", body.clone()).await;
        assert_eq!(status, expected, "{body}: {error}");
        assert!(
            error["message"].as_str().unwrap().contains(field),
            "{body}: {error}"
        );
    }
    let malformed = app
        .http
        .post(format!("{}/api/v1/resync", app.address))
        .bearer_auth(crate::helpers::ADMIN_TOKEN)
        .header("content-type", "application/json")
        .body("{\"kind\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status().as_u16(), 400);
    let (status, _) = call(
        &app,
        "GET",
        "/api/v1/resyncs/01a21889-0000-7000-8000-000000000000",
        None,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn with_the_platforms_an_item_sku_is_looked_up_and_all_lists_every_entity() {
    let world = spawn_world().await;
    let app = &world.app;
    let (status, answer) = post(
        app,
        "/api/v1/resync",
        json!({"kind": "items", "ids": ["OGK-PR-1G"]}),
    )
    .await;
    assert_eq!(status, 202, "{answer}");
    let events = get(app, "/api/v1/events?source=operator").await;
    assert_eq!(events["items"][0]["entity_key"], "flourish.item:151");

    let (status, answer) = post(app, "/api/v1/resync", json!({"kind": "all"})).await;
    assert_eq!(status, 202, "{answer}");
    let seed = crate::world::seed();
    let count = |side: &str, list: &str| seed[side][list].as_array().map_or(0, Vec::len) as i64;
    let orders = count("leaflink", "orders");
    let customers = count("leaflink", "customers");
    let items = count("flourish", "items");
    let jobs = answer["jobs"].as_i64().unwrap();
    // Items and their SKUs (inventory) are both covered; a few items may share or lack a SKU.
    assert!(jobs >= orders + customers + items, "{jobs} jobs");
    assert!(jobs <= orders + customers + 2 * items, "{jobs} jobs");
    let resync = get(
        app,
        &format!("/api/v1/resyncs/{}", answer["resync_id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(resync["jobs"], jobs);

    let future = json!({"kind": "orders", "since": "2099-01-01T00:00:00Z"});
    let (status, answer) = post(app, "/api/v1/resync", future).await;
    assert_eq!(
        (status, answer["jobs"].clone()),
        (202, json!(0)),
        "nothing changed since then"
    );
}
