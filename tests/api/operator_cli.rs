//! `leafbridge resync`, `replay` and `attention` call the same operator functions as the API:
//! against a running instance (`--url`) and against the configured database.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{ADMIN_TOKEN, FLOURISH_KEY, LEAFLINK_KEY, TestApp, order_key, order_number};
use crate::operator_support::{Scripted, attention, get, order_event, spawn_scripted};

/// Runs the binary with the app's database settings; answers stdout parsed as JSON.
async fn leafbridge(app: &TestApp, args: &[&str]) -> Value {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_leafbridge"))
        .args(args)
        .env_clear()
        .env("LEAFBRIDGE_DATABASE_URL", &app._database.url)
        .env("LEAFBRIDGE_LEAFLINK_WEBHOOK_KEY", LEAFLINK_KEY)
        .env("LEAFBRIDGE_FLOURISH_WEBHOOK_KEY", FLOURISH_KEY)
        .env("LEAFBRIDGE_ADMIN_TOKEN", ADMIN_TOKEN)
        .env("RUST_LOG", "error")
        .output()
        .await
        .expect("running leafbridge");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "leafbridge {args:?} failed: {stderr}"
    );
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

#[tokio::test]
async fn the_cli_resyncs_through_a_running_instance_and_on_the_database() {
    let processor = Arc::new(Scripted::default());
    let app = spawn_scripted(processor.clone()).await;
    let url = app.address.clone();
    let number = order_number("n-1");
    let remote = leafbridge(
        &app,
        &["resync", "orders", &number, "--url", &url, "--json"],
    )
    .await;
    assert_eq!(remote["jobs"], 1);
    let local = leafbridge(&app, &["resync", "customers", "C10-1", "--json"]).await;
    assert_eq!(local["jobs"], 1);
    let id = local["resync_id"].as_str().unwrap();
    assert_eq!(
        get(&app, &format!("/api/v1/resyncs/{id}")).await["pending"],
        1
    );
    app.drain(Duration::ZERO).await;
    let mut seen = processor.entities();
    seen.sort();
    assert_eq!(
        seen,
        ["leaflink.customer:C10-1".to_owned(), order_key("n-1")]
    );
}

#[tokio::test]
async fn the_cli_refuses_an_order_number_that_is_not_a_uuid_on_the_database_too() {
    let app = spawn_scripted(Arc::new(Scripted::default())).await;
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_leafbridge"))
        .args(["resync", "orders", "n-1", "--json"])
        .env_clear()
        .env("LEAFBRIDGE_DATABASE_URL", &app._database.url)
        .env("LEAFBRIDGE_LEAFLINK_WEBHOOK_KEY", LEAFLINK_KEY)
        .env("LEAFBRIDGE_FLOURISH_WEBHOOK_KEY", FLOURISH_KEY)
        .env("LEAFBRIDGE_ADMIN_TOKEN", ADMIN_TOKEN)
        .env("RUST_LOG", "error")
        .output()
        .await
        .expect("running leafbridge");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("is not a LeafLink order number (a UUID"),
        "{stderr}"
    );
    let events = get(&app, "/api/v1/events").await;
    assert_eq!(events["items"], json!([]), "nothing was enqueued");
}

#[tokio::test]
async fn the_cli_lists_attention_with_fixes_and_replays_by_filter() {
    let processor = Arc::new(Scripted::default());
    let fix = "set the SKU of Flourish item 151 to match LeafLink product 5150";
    processor.then(attention("SKU mismatch", "Flourish", fix));
    let app = spawn_scripted(processor.clone()).await;
    order_event(&app, "n-1", 1).await;
    app.drain(Duration::ZERO).await;
    for via in [vec![], vec!["--url", app.address.as_str()]] {
        let mut args = vec!["attention", "--json"];
        args.extend(&via);
        let items = leafbridge(&app, &args).await;
        assert_eq!(items[0]["entity_key"], order_key("n-1"), "{via:?}");
        assert_eq!(
            items[0]["fix"],
            json!({"system": "Flourish", "action": fix})
        );
    }
    let report = leafbridge(&app, &["replay", "--outcome", "needs_attention", "--json"]).await;
    assert_eq!(report, json!({"replayed": 1, "skipped": 0}));
    app.drain(Duration::ZERO).await;
    let items = leafbridge(&app, &["attention", "--json"]).await;
    assert_eq!(items, json!([]), "the replay synced it");
}
