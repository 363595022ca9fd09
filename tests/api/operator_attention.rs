//! What needs attention (with the fix and where), its retry after the fix, hand-pinned links,
//! and the stats an operator looks at first.

use crate::helpers::order_key;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::operator_support::{Scripted, attention, call, get, order_event, post, spawn_scripted};

#[tokio::test]
async fn attention_lists_each_entity_once_with_its_fix_until_a_retry_clears_it() {
    let processor = Arc::new(Scripted::default());
    let brand = "create brand `Canyon Farms` in LeafLink";
    processor.then(attention("no brand Canyon Farms", "LeafLink", brand));
    processor.then(attention("no brand Canyon Farms", "LeafLink", brand));
    processor.then(attention(
        "unknown rep",
        "Flourish",
        "add rep ana@x to the facility",
    ));
    let app = spawn_scripted(processor.clone()).await;
    order_event(&app, "n-1", 1).await;
    order_event(&app, "n-1", 2).await;
    order_event(&app, "n-2", 3).await;
    order_event(&app, "n-3", 4).await;
    app.drain(Duration::ZERO).await;
    let page = get(&app, "/api/v1/attention").await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "n-3 was synced; n-1 appears once: {page}");
    let n2 = &items[0];
    assert_eq!(n2["entity_key"], order_key("n-2"));
    assert_eq!(
        n2["fix"],
        json!({"system": "Flourish", "action": "add rep ana@x to the facility"})
    );
    let n1 = &items[1];
    assert_eq!(n1["entity_key"], order_key("n-1"));
    assert_eq!(n1["reason"], "no brand Canyon Farms");
    assert_eq!(n1["fix"]["system"], "LeafLink");
    assert_eq!(n1["fix"]["action"], brand);
    assert_eq!(n1["occurrences"], 2);
    assert_eq!(
        page["reasons"],
        json!([
            {"reason": "no brand Canyon Farms", "entities": 1},
            {"reason": "unknown rep", "entities": 1}
        ])
    );

    // The brand is created; the retry runs the job again and the entry goes away.
    let id = n1["id"].as_str().unwrap();
    let (status, replayed) =
        post(&app, &format!("/api/v1/attention/{id}/retry"), json!(null)).await;
    assert_eq!(status, 202, "{replayed}");
    app.drain(Duration::ZERO).await;
    let page = get(&app, "/api/v1/attention").await;
    let left: Vec<_> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["entity_key"].clone())
        .collect();
    assert_eq!(left, [json!(order_key("n-2"))]);
    let (status, _) = post(&app, &format!("/api/v1/attention/{id}/retry"), json!(null)).await;
    assert_eq!(status, 404, "n-1 no longer needs attention");
}

#[tokio::test]
async fn attention_pages_follow_the_cursor() {
    let processor = Arc::new(Scripted::default());
    for _ in 0..3 {
        processor.then(attention("r", "LeafLink", "f"));
    }
    let app = spawn_scripted(processor).await;
    for i in 0..3 {
        order_event(&app, &format!("n-{i}"), i).await;
    }
    app.drain(Duration::ZERO).await;
    let first = get(&app, "/api/v1/attention?limit=2").await;
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = get(&app, &format!("/api/v1/attention?limit=2&cursor={cursor}")).await;
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(second["items"][0]["entity_key"], order_key("n-0"));
    assert_eq!(second["reasons"], json!([{"reason": "r", "entities": 3}]));
    assert!(second["next_cursor"].is_null());
}

#[tokio::test]
async fn a_pinned_link_is_listed_fetched_and_deleted() {
    let app = spawn_scripted(Arc::new(Scripted::default())).await;
    let pin = json!({"kind": "destination", "key": "C10-0000123-LIC", "remote_id": "d-311"});
    let (status, link) = post(&app, "/api/v1/links", pin).await;
    assert_eq!(status, 201, "{link}");
    assert_eq!(link["pinned"], true);
    let (_, other) = post(
        &app,
        "/api/v1/links",
        json!({"kind": "product", "key": "OGK-PR-1G", "remote_id": "5150"}),
    )
    .await;
    let listed = get(&app, "/api/v1/links?kind=destination&key=C10-0000123-LIC").await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed["items"][0]["remote_id"], "d-311");
    let id = link["id"].as_str().unwrap();
    assert_eq!(
        get(&app, &format!("/api/v1/links/{id}")).await["key"],
        "C10-0000123-LIC"
    );
    let first = get(&app, "/api/v1/links?limit=1").await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = get(&app, &format!("/api/v1/links?limit=1&cursor={cursor}")).await;
    assert_eq!(second["items"][0]["id"], other["id"]);
    let (status, _) = call(&app, "DELETE", &format!("/api/v1/links/{id}"), None).await;
    assert_eq!(status, 204);
    let (status, _) = call(&app, "GET", &format!("/api/v1/links/{id}"), None).await;
    assert_eq!(status, 404);
    let (status, _) = call(&app, "DELETE", &format!("/api/v1/links/{id}"), None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn bad_links_name_the_field() {
    let app = spawn_scripted(Arc::new(Scripted::default())).await;
    for (body, field) in [
        (json!({"kind": "sku", "key": "A", "remote_id": "1"}), "kind"),
        (
            json!({"kind": "product", "key": " ", "remote_id": "1"}),
            "key",
        ),
        (json!({"kind": "product", "key": "A"}), "remote_id"),
        (
            json!({"kind": "product", "key": "A", "remote_id": 1}),
            "remote_id",
        ),
    ] {
        let (status, error) = post(&app, "/api/v1/links", body.clone()).await;
        assert_eq!(status, 422, "{body}: {error}");
        assert!(
            error["message"].as_str().unwrap().contains(field),
            "{body}: {error}"
        );
    }
    let (status, _) = call(&app, "GET", "/api/v1/links?kind=sku", None).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn stats_count_outcomes_and_the_queue() {
    let processor = Arc::new(Scripted::default());
    processor.then(attention("r", "LeafLink", "f"));
    let app = spawn_scripted(processor).await;
    order_event(&app, "n-1", 1).await;
    order_event(&app, "n-2", 2).await;
    app.drain(Duration::ZERO).await;
    order_event(&app, "n-3", 3).await;
    let stats = get(&app, "/api/v1/stats").await;
    assert_eq!(
        stats["last_hour"],
        json!({"needs_attention": 1, "synced": 1})
    );
    assert_eq!(stats["last_day"], stats["last_hour"]);
    assert_eq!(stats["queue"]["pending"], 1);
    assert_eq!(stats["queue"]["dead"], 0);
    assert!(stats["queue"]["oldest_pending_age_ms"].as_i64().unwrap() >= 0);
    assert_eq!(
        stats["last_polls"],
        json!([]),
        "no poller state on this database"
    );
}
