//! Webhook ingress: signatures, envelopes, limits, deduplication and the operator event log.

use std::sync::Arc;

use base64::Engine;
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN_TOKEN, FLOURISH_KEY, LEAFLINK_KEY, TestProcessor, all_kinds, order_key, order_number,
    order_webhook, spawn_app,
};

async fn app() -> crate::helpers::TestApp {
    spawn_app(all_kinds(Arc::new(TestProcessor::default()))).await
}

async fn event_count(app: &crate::helpers::TestApp) -> usize {
    let page: Value = app
        .admin_get("/api/v1/events?limit=200")
        .await
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn a_signed_leaflink_order_webhook_is_stored_with_its_job_and_acknowledged() {
    let app = app().await;
    let response = app.post_leaflink(&order_webhook("6f1c2d7e", 1)).await;
    assert_eq!(response.status(), 202);
    let ack: Value = response.json().await.unwrap();
    assert_eq!(ack["duplicate"], false);
    let id = ack["event_id"].as_str().unwrap().to_owned();
    let event: Value = app
        .admin_get(&format!("/api/v1/events/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(event["source"], "leaflink");
    assert_eq!(event["kind"], "order");
    assert_eq!(event["entity_key"], order_key("6f1c2d7e"));
    assert_eq!(
        event["envelope"]["data"]["number"],
        order_number("6f1c2d7e")
    );
    assert_eq!(app.queue().await.pending, 1);
    assert_eq!(app.drain(std::time::Duration::ZERO).await, 1);
    let event: Value = app
        .admin_get(&format!("/api/v1/events/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(event["status"], "done");
    assert_eq!(event["outcome"], "synced");
    assert_eq!(event["attempts"].as_array().unwrap().len(), 1);
    assert_eq!(app.queue().await.pending, 0);
}

#[tokio::test]
async fn a_leaflink_signature_in_lowercase_hex_and_a_lowercase_header_name_are_accepted() {
    let app = app().await;
    let body = serde_json::to_vec(&order_webhook("hex-order", 1)).unwrap();
    let digest = leafbridge::signature::hmac_sha256(LEAFLINK_KEY.as_bytes(), &body);
    let response = app
        .post_raw(
            "/webhooks/leaflink",
            "ll-signature",
            Some(&hex::encode(digest)),
            body,
        )
        .await;
    assert_eq!(response.status(), 202);
}

#[tokio::test]
async fn every_bad_signature_is_refused_with_401_json_and_nothing_is_stored() {
    let app = app().await;
    let body = serde_json::to_vec(&order_webhook("refused", 1)).unwrap();
    let good_ll = leafbridge::leaflink::webhook::sign(LEAFLINK_KEY.as_bytes(), &body);
    let good_fl = leafbridge::flourish::webhook::sign(FLOURISH_KEY.as_bytes(), &body);
    let wrong_key = leafbridge::leaflink::webhook::sign(b"another key", &body);
    let short = base64::engine::general_purpose::STANDARD.encode([7u8; 16]);
    let leaflink_cases: Vec<Option<String>> = vec![
        None,
        Some(String::new()),
        Some(good_ll[..good_ll.len() - 4].to_owned()),
        Some(short),
        Some("!!!!not-base64!!!!".into()),
        Some(wrong_key),
        Some(good_fl.clone()),
    ];
    for signature in leaflink_cases {
        let response = app
            .post_raw(
                "/webhooks/leaflink",
                "LL-Signature",
                signature.as_deref(),
                body.clone(),
            )
            .await;
        assert_eq!(response.status(), 401, "signature {signature:?}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["code"], "invalid_signature");
        assert!(error["message"].as_str().unwrap().contains("leaflink"));
    }
    let flourish_cases: Vec<Option<String>> = vec![
        None,
        Some(String::new()),
        Some(good_fl[..40].to_owned()),
        Some(good_fl.to_uppercase()),
        Some(good_ll.clone()),
        Some(leafbridge::flourish::webhook::sign(b"wrong", &body)),
    ];
    for signature in flourish_cases {
        let response = app
            .post_raw(
                "/webhooks/flourish",
                "Auth-Signature",
                signature.as_deref(),
                body.clone(),
            )
            .await;
        assert_eq!(response.status(), 401, "signature {signature:?}");
    }
    assert_eq!(event_count(&app).await, 0);
    assert_eq!(app.queue().await.pending, 0);
}

#[tokio::test]
async fn a_verified_body_that_is_not_json_or_not_an_envelope_is_a_400_naming_the_problem() {
    let app = app().await;
    let cases: [(&str, &[u8], &str); 4] = [
        ("/webhooks/leaflink", b"{not json", "not valid JSON"),
        (
            "/webhooks/leaflink",
            br#"{"type":"invoice","data":{"id":1}}"#,
            "invoice",
        ),
        (
            "/webhooks/flourish",
            br#"{"data":{"id":1}}"#,
            "resource_type",
        ),
        (
            "/webhooks/flourish",
            br#"{"resource_type":"item","data":{"name":"x"}}"#,
            "identifying",
        ),
    ];
    for (path, body, expected) in cases {
        let (header, signature) = if path.ends_with("leaflink") {
            (
                "LL-Signature",
                leafbridge::leaflink::webhook::sign(LEAFLINK_KEY.as_bytes(), body),
            )
        } else {
            (
                "Auth-Signature",
                leafbridge::flourish::webhook::sign(FLOURISH_KEY.as_bytes(), body),
            )
        };
        let response = app
            .post_raw(path, header, Some(&signature), body.to_vec())
            .await;
        assert_eq!(response.status(), 400);
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["code"], "bad_request");
        assert!(
            error["message"].as_str().unwrap().contains(expected),
            "{error}"
        );
    }
    assert_eq!(event_count(&app).await, 0);
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413() {
    let app = app().await;
    let big = json!({"type": "order", "data": {"number": "big", "notes": "x".repeat(1024 * 1024)}});
    let response = app.post_leaflink(&big).await;
    assert_eq!(response.status(), 413);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["code"], "payload_too_large");
    assert_eq!(event_count(&app).await, 0);
}

#[tokio::test]
async fn a_redelivered_webhook_is_acknowledged_as_a_duplicate_and_creates_no_job() {
    let app = app().await;
    let body = order_webhook("again", 1);
    assert_eq!(app.post_leaflink(&body).await.status(), 202);
    for _ in 0..3 {
        let response = app.post_leaflink(&body).await;
        assert_eq!(response.status(), 200);
        let ack: Value = response.json().await.unwrap();
        assert_eq!(ack["duplicate"], true);
    }
    // The same bytes from the other platform are a different event.
    assert_eq!(
        app.post_flourish(&json!({"resource_type": "order", "data": {"id": "again"}}))
            .await
            .status(),
        202
    );
    assert_eq!(event_count(&app).await, 2);
    assert_eq!(app.queue().await.pending, 2);
    assert_eq!(app.drain(std::time::Duration::ZERO).await, 2);
}

#[tokio::test]
async fn flourish_retail_orders_and_unknown_types_are_acknowledged_and_recorded_as_ignored() {
    let app = app().await;
    for kind in ["retail_order", "vendor_bill"] {
        let response = app
            .post_flourish(&json!({"resource_type": kind, "data": {"id": "r-1"}}))
            .await;
        assert_eq!(response.status(), 200);
        let ack: Value = response.json().await.unwrap();
        assert_eq!(ack["ignored"], true);
    }
    let page: Value = app
        .admin_get("/api/v1/events?status=ignored")
        .await
        .json()
        .await
        .unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(
        |e| e["outcome"] == "ignored" && e["reason"].as_str().unwrap().contains("does not act")
    ));
    assert_eq!(app.queue().await.pending, 0);
}

#[tokio::test]
async fn the_event_log_needs_the_admin_token() {
    let app = app().await;
    for auth in [
        None,
        Some("Bearer wrong-token"),
        Some("Basic dGVzdA=="),
        Some(ADMIN_TOKEN),
    ] {
        let mut request = app.http.get(format!("{}/api/v1/events", app.address));
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{auth:?}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["code"], "unauthorized");
    }
}

#[tokio::test]
async fn the_event_log_filters_newest_first_and_pages_with_a_cursor() {
    let app = app().await;
    for i in 0..5 {
        app.post_leaflink(&order_webhook(&format!("order-{i}"), i))
            .await;
    }
    app.post_flourish(&json!({"resource_type": "item", "data": {"id": 151, "sku": "OGK"}}))
        .await;
    let page: Value = app
        .admin_get("/api/v1/events?source=leaflink&limit=2")
        .await
        .json()
        .await
        .unwrap();
    let first: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["entity_key"].as_str().unwrap())
        .collect();
    assert_eq!(first, [order_key("order-4"), order_key("order-3")]);
    let cursor = page["next_cursor"].as_str().unwrap();
    let page: Value = app
        .admin_get(&format!(
            "/api/v1/events?source=leaflink&limit=2&cursor={cursor}"
        ))
        .await
        .json()
        .await
        .unwrap();
    let second: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["entity_key"].as_str().unwrap())
        .collect();
    assert_eq!(second, [order_key("order-2"), order_key("order-1")]);
    let page: Value = app
        .admin_get("/api/v1/events?entity_key=flourish.item:151")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert!(page["next_cursor"].is_null());
    for bad in [
        "limit=0",
        "limit=9999",
        "limit=abc",
        "source=nowhere",
        "colour=blue",
    ] {
        let response = app.admin_get(&format!("/api/v1/events?{bad}")).await;
        assert_eq!(response.status(), 400, "{bad}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["code"], "bad_request");
    }
    let response = app
        .admin_get("/api/v1/events/01234567-0000-7000-8000-000000000000")
        .await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let app = app().await;
    app.post_leaflink(&order_webhook("m-0", 0)).await;
    app.drain(std::time::Duration::ZERO).await;
    app.post_leaflink(&order_webhook("m-1", 1)).await;
    app.post_leaflink(&order_webhook("m-1", 1)).await;
    app.post_raw(
        "/webhooks/leaflink",
        "LL-Signature",
        Some("bad"),
        b"{}".to_vec(),
    )
    .await;
    let health = app
        .http
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let ready = app
        .http
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    let text = app
        .http
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        r#"leafbridge_webhooks_received_total{source="leaflink",result="accepted"} 2"#,
        r#"leafbridge_webhooks_received_total{source="leaflink",result="duplicate"} 1"#,
        r#"leafbridge_webhooks_received_total{source="leaflink",result="rejected_signature"} 1"#,
        r#"leafbridge_jobs{state="pending"} 1"#,
    ] {
        assert!(text.contains(line), "missing {line} in\n{text}");
    }
    assert!(text.contains("leafbridge_oldest_pending_job_age_seconds"));
    assert!(
        text.contains(r#"leafbridge_job_duration_seconds_count{kind="leaflink.order"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"leafbridge_job_runs_total{kind="leaflink.order",result="done"} 1"#),
        "{text}"
    );
    let missing = app
        .http
        .get(format!("{}/nowhere", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let error: Value = missing.json().await.unwrap();
    assert_eq!(error["code"], "not_found");
}
