//! Console pages against the store: the attention queue filtered and paged by the database,
//! orders found by their LeafLink short id, and preflight shown from its last stored run.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::console_http::{client, needs_attention, set_cookie, sign_in};
use crate::helpers::{ADMIN_TOKEN, TestApp};
use crate::operator_support::{Scripted, spawn_scripted};
use leafbridge::store::events::NewEvent;

async fn admin_session(app: &TestApp, http: &reqwest::Client) -> String {
    let signed = sign_in(app, http, ADMIN_TOKEN, "http").await;
    set_cookie(&signed, "lb_console").expect("a session").0
}

async fn get(app: &TestApp, http: &reqwest::Client, session: &str, path: &str) -> String {
    let response = http
        .get(format!("{}{path}", app.address))
        .header("cookie", session)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.text().await.unwrap()
}

/// The `href` of the "older" link, unescaped.
fn older_link(page: &str) -> Option<String> {
    let end = page.find("\" rel=\"next\"")?;
    let start = page[..end].rfind("href=\"")? + 6;
    Some(page[start..end].replace("&amp;", "&"))
}

#[tokio::test]
async fn attention_filters_and_pages_are_answered_by_the_store() {
    let app = spawn_scripted(Arc::new(Scripted::default())).await;
    for i in 0..55 {
        let key = format!("leaflink.order:SKU-WAIT-{i:03}");
        needs_attention(&app, "default", &key, "unknown SKU", "Flourish").await;
    }
    let key = "leaflink.order:LICENSE-WAIT";
    needs_attention(&app, "default", key, "unknown license 100%", "LeafLink").await;
    let http = client();
    let session = admin_session(&app, &http).await;

    let first = get(&app, &http, &session, "/console/attention").await;
    assert_eq!(
        first.matches("aria-label=\"Retry leaflink.order:").count(),
        50
    );
    assert!(first.contains("LICENSE-WAIT"), "newest first");
    let older = older_link(&first).expect("an older page");
    let second = get(&app, &http, &session, &older).await;
    assert_eq!(
        second.matches("aria-label=\"Retry leaflink.order:").count(),
        6
    );
    assert!(second.contains("SKU-WAIT-000") && older_link(&second).is_none());

    let leaflink = get(&app, &http, &session, "/console/attention?system=LeafLink").await;
    assert!(leaflink.contains("LICENSE-WAIT") && !leaflink.contains("SKU-WAIT"));
    let reason = get(&app, &http, &session, "/console/attention?reason=100%25").await;
    assert!(reason.contains("LICENSE-WAIT") && !reason.contains("SKU-WAIT"));
    let text = get(&app, &http, &session, "/console/attention?q=sku-wait-054").await;
    assert!(text.contains("SKU-WAIT-054") && !text.contains("SKU-WAIT-053"));
    let none = get(&app, &http, &session, "/console/attention?source=flourish").await;
    assert!(none.contains("Nothing needs attention."));
}

#[tokio::test]
async fn an_order_is_found_by_its_short_id() {
    let app = spawn_scripted(Arc::new(Scripted::default())).await;
    let body = json!({"action": "create", "type": "order",
        "data": {"number": "LL-ORDER-7", "short_id": "AB12CD34", "status": "Submitted"}})
    .to_string();
    app.state
        .ingest
        .store(NewEvent {
            connection: "default".into(),
            source: "leaflink".into(),
            kind: "order".into(),
            action: Some("create".into()),
            entity_key: "leaflink.order:LL-ORDER-7".into(),
            body_hash: hex::encode(Sha256::digest(body.as_bytes())),
            body,
            job_kind: None,
            ignored_reason: Some("not for this test".into()),
        })
        .await
        .unwrap();
    let http = client();
    let session = admin_session(&app, &http).await;
    for q in ["AB12CD34", "ab12cd34", "LL-ORDER-7"] {
        let page = get(&app, &http, &session, &format!("/console/orders?q={q}")).await;
        assert!(page.contains("Events that touched it"), "{q}: {page}");
        assert!(page.contains("leaflink.order:LL-ORDER-7"), "{q}");
    }
    let page = get(&app, &http, &session, "/console/orders?q=AB12CD34").await;
    assert!(page.contains("is LeafLink order <code>LL-ORDER-7</code>"));
    let none = get(&app, &http, &session, "/console/orders?q=ZZ99").await;
    assert!(none.contains("Nothing matches"));
}

#[tokio::test]
async fn preflight_shows_its_last_run_and_does_not_run_on_load() {
    let app = spawn_scripted(Arc::new(Scripted::default())).await;
    let http = client();
    let session = admin_session(&app, &http).await;
    let page = get(&app, &http, &session, "/console/preflight").await;
    assert!(page.contains("Preflight has not run yet"), "{page}");
    let report = http
        .get(format!("{}/console/preflight/report", app.address))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(report.status(), StatusCode::NOT_FOUND);
    leafbridge::store::console::save_preflight(&app.db.pool, "default", "<p>ready</p>", 0)
        .await
        .unwrap();
    let page = get(&app, &http, &session, "/console/preflight").await;
    assert!(page.contains("Last run 1970-01-01 00:00:00 UTC"), "{page}");
    let report = get(&app, &http, &session, "/console/preflight/report").await;
    assert_eq!(report, "<p>ready</p>");
}
