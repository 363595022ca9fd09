//! Input no platform sends and no database stores — NUL and control characters, keys of
//! thousands of characters, `%00` in operator paths and filters — answers 400 on both backends,
//! never 503 or 500, and stores nothing.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::helpers::{ADMIN_TOKEN, TestApp, TestProcessor, all_kinds, spawn_app};

async fn app() -> TestApp {
    spawn_app(all_kinds(Arc::new(TestProcessor::default()))).await
}

async fn refused(response: reqwest::Response, needle: &str) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "bad_request");
    let message = body["message"].as_str().unwrap();
    assert!(message.contains(needle), "{message:?} lacks {needle:?}");
}

async fn events(app: &TestApp) -> usize {
    let page: Value = app
        .admin_get("/api/v1/events?limit=200")
        .await
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn webhooks_with_nul_control_characters_or_huge_keys_answer_400() {
    let app = app().await;
    let long = "S".repeat(10_000);
    let leaflink = [
        (
            json!({"type": "product", "data": {"sku": "A\u{0}B"}}),
            "NUL",
        ),
        (
            json!({"type": "customer", "data": {"license_number": "C10\u{1}"}}),
            "control",
        ),
        (
            json!({"type": "product", "data": {"sku": long}}),
            "at most 255",
        ),
        (
            json!({"type": "order", "data": {"number": "../products/5150"}}),
            "order number",
        ),
        (
            json!({"type": "order", "data": {"number": "x?limit=1#"}}),
            "order number",
        ),
        (
            json!({"type": "product", "data": {"id": "5150/../1"}}),
            "not an integer",
        ),
        (
            json!({"type": "customer", "data": {"id": 3, "name": "N\u{0}"}}),
            "NUL",
        ),
    ];
    for (body, needle) in leaflink {
        refused(app.post_leaflink(&body).await, needle).await;
    }
    let flourish = [
        (
            json!({"resource_type": "item", "data": {"id": "1\u{0}"}}),
            "NUL",
        ),
        (
            json!({"resource_type": "order", "data": {"id": long}}),
            "at most 255",
        ),
        (
            json!({"resource_type": "vendor\u{7}", "data": {}}),
            "control",
        ),
        (
            json!({"resource_type": "order", "data": {"id": "o-1", "notes": "\u{0}"}}),
            "NUL",
        ),
    ];
    for (body, needle) in flourish {
        refused(app.post_flourish(&body).await, needle).await;
    }
    assert_eq!(events(&app).await, 0);
    let fine = json!({"type": "product", "data": {"id": 5150, "notes": "line\nbreak"}});
    assert_eq!(app.post_leaflink(&fine).await.status(), 202);
    assert_eq!(events(&app).await, 1);
}

#[tokio::test]
async fn nul_in_operator_paths_filters_cursors_and_bodies_answers_400() {
    let app = app().await;
    for path in [
        "/api/v1/events/a%00b",
        "/api/v1/events?entity_key=a%00b",
        "/api/v1/events?cursor=%00",
        "/api/v1/jobs?cursor=x%00",
        "/api/v1/links/%00",
        "/api/v1/attention?cursor=%01",
    ] {
        refused(app.admin_get(path).await, "control character").await;
    }
    let response = app
        .http
        .post(format!("{}/api/v1/resync", app.address))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({"kind": "customers", "ids": ["C10\u{0}"]}))
        .send()
        .await
        .unwrap();
    refused(response, "NUL").await;
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let app = app().await;
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let response = app
            .http
            .get(format!("{}/api/v1/events", app.address))
            .header("authorization", format!("{scheme} {ADMIN_TOKEN}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{scheme}");
    }
}

#[tokio::test]
async fn a_job_whose_stored_body_is_not_json_dies_with_the_reason() {
    let app = app().await;
    let body = json!({"type": "product", "data": {"id": 5150}});
    let ack: Value = app.post_leaflink(&body).await.json().await.unwrap();
    let id = ack["event_id"].as_str().unwrap().to_owned();
    sqlx::query("UPDATE events SET body = $1 WHERE id = $2")
        .bind("{not json")
        .bind(&id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    app.drain(std::time::Duration::ZERO).await;
    let event: Value = app
        .admin_get(&format!("/api/v1/events/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(event["status"], "dead", "{event}");
    assert_eq!(event["outcome"], "failed");
    let reason = event["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("not JSON"), "{event}");
}

#[tokio::test]
async fn resync_ids_follow_the_webhook_rules() {
    let app = app().await;
    let cases = [
        (
            json!({"kind": "customers", "ids": ["C".repeat(10_000)]}),
            "at most 255",
        ),
        (
            json!({"kind": "items", "ids": ["a\tb"]}),
            "control character",
        ),
        (
            json!({"kind": "orders", "ids": ["../products/5150"]}),
            "order number",
        ),
    ];
    for (body, needle) in cases {
        let response = app
            .http
            .post(format!("{}/api/v1/resync", app.address))
            .bearer_auth(ADMIN_TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap();
        refused(response, needle).await;
    }
}

#[tokio::test]
async fn an_order_number_that_is_not_a_uuid_answers_400_at_ingress_and_in_a_resync() {
    let app = app().await;
    let not_uuids = [
        "n-1",
        "LL-1042",
        "6f1c2d7e0b5a4a8e9d612f7c0e3b9a10",
        "{6f1c2d7e-0b5a-4a8e-9d61-2f7c0e3b9a10}",
    ];
    for number in not_uuids {
        let body = json!({"type": "order", "data": {"number": number, "status": "Submitted"}});
        refused(
            app.post_leaflink(&body).await,
            "is not a LeafLink order number (a UUID",
        )
        .await;
        let resync = json!({"kind": "orders", "ids": [number]});
        let response = app
            .http
            .post(format!("{}/api/v1/resync", app.address))
            .bearer_auth(ADMIN_TOKEN)
            .json(&resync)
            .send()
            .await
            .unwrap();
        refused(response, "is not a LeafLink order number (a UUID").await;
    }
    assert_eq!(events(&app).await, 0, "nothing refused is stored");
    let upper = "6F1C2D7E-0B5A-4A8E-9D61-2F7C0E3B9A10";
    let body = json!({"type": "order", "data": {"number": upper, "status": "Submitted"}});
    assert_eq!(app.post_leaflink(&body).await.status(), 202);
    let response = app
        .http
        .post(format!("{}/api/v1/resync", app.address))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({"kind": "orders", "ids": [upper]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
}
