//! The console's sign-in, session cookie, CSRF and one-time links over plain HTTP (the browser
//! test covers the pages; these run everywhere).

use std::sync::Arc;

use reqwest::StatusCode;
use reqwest::redirect::Policy;

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::helpers::{ADMIN_TOKEN, TestApp};
use crate::operator_support::{Scripted, spawn_scripted};
use leafbridge::store::events::{NewEvent, Stored};
use leafbridge::store::links::{self, LinkKind, NewLink};
use leafbridge::store::{now_ms, resyncs};

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// The `name=value` of a `Set-Cookie` header named `name`, and the whole header.
pub(crate) fn set_cookie(response: &reqwest::Response, name: &str) -> Option<(String, String)> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| (v.split(';').next().unwrap_or("").to_owned(), v.to_owned()))
}

/// The sign-in form's CSRF cookie and field value.
async fn sign_in_form(app: &TestApp, http: &reqwest::Client) -> (String, String) {
    let form = http
        .get(format!("{}/console/sign-in", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    let (cookie, _) = set_cookie(&form, "lb_console_signin").expect("the form's cookie");
    let value = cookie.split_once('=').unwrap().1.to_owned();
    (cookie, value)
}

pub(crate) async fn sign_in(
    app: &TestApp,
    http: &reqwest::Client,
    token: &str,
    proto: &str,
) -> reqwest::Response {
    let (cookie, csrf) = sign_in_form(app, http).await;
    http.post(format!("{}/console/sign-in", app.address))
        .header("cookie", cookie)
        .header("x-forwarded-proto", proto)
        .form(&[
            ("token", token),
            ("csrf", &csrf),
            ("next", "/console/links"),
        ])
        .send()
        .await
        .unwrap()
}

/// The CSRF token in a page's forms.
pub(crate) fn csrf_of(page: &str) -> String {
    let start = page.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    page[start..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn sign_in_makes_a_strict_http_only_session_and_forms_need_its_csrf_token() {
    let app = spawn_scripted(Arc::new(Scripted::default())).await;
    let http = client();
    let away = http
        .get(format!("{}/console/events", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(away.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        away.headers()["location"],
        "/console/sign-in?next=%2Fconsole%2Fevents"
    );

    let wrong = sign_in(&app, &http, "not-the-token", "http").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(set_cookie(&wrong, "lb_console").is_none());
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("the token is not valid")
    );

    let forged = http
        .post(format!("{}/console/sign-in", app.address))
        .form(&[("token", ADMIN_TOKEN), ("csrf", "guess")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        forged.status(),
        StatusCode::FORBIDDEN,
        "no form cookie, no sign-in"
    );

    let over_tls = sign_in(&app, &http, ADMIN_TOKEN, "https").await;
    let (_, header) = set_cookie(&over_tls, "lb_console").unwrap();
    assert!(header.contains("; Secure"), "{header}");

    let signed = sign_in(&app, &http, ADMIN_TOKEN, "http").await;
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    assert_eq!(signed.headers()["location"], "/console/links");
    let (session, header) = set_cookie(&signed, "lb_console").unwrap();
    assert!(header.contains("HttpOnly") && header.contains("SameSite=Strict"));
    assert!(!header.contains("Secure"), "plain HTTP: {header}");

    let page = http
        .get(format!("{}/console/links", app.address))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let csrf = csrf_of(&page.text().await.unwrap());

    let pin = [
        ("pin-kind", "product"),
        ("key", "SKU-<1>"),
        ("remote_id", "5150"),
    ];
    let refused = http
        .post(format!("{}/console/links", app.address))
        .header("cookie", &session)
        .form(&pin)
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused.status(),
        StatusCode::FORBIDDEN,
        "a form without the token"
    );
    let mut with_token = pin.to_vec();
    with_token.push(("csrf", &csrf));
    let pinned = http
        .post(format!("{}/console/links", app.address))
        .header("cookie", &session)
        .form(&with_token)
        .send()
        .await
        .unwrap();
    assert_eq!(pinned.status(), StatusCode::SEE_OTHER);
    let listed = app.admin_get("/api/v1/links?kind=product").await;
    let listed: serde_json::Value = listed.json().await.unwrap();
    assert_eq!(
        listed["items"][0]["key"], "SKU-<1>",
        "the API sees the console's pin"
    );
    let page = http
        .get(format!("{}/console/links", app.address))
        .header("cookie", &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("SKU-&lt;1&gt;") && !page.contains("SKU-<1>"));

    let out = http
        .post(format!("{}/console/sign-out", app.address))
        .header("cookie", &session)
        .form(&[("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let after = http
        .get(format!("{}/console/", app.address))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::SEE_OTHER, "the session ended");
}

#[tokio::test]
async fn a_one_time_link_signs_in_once() {
    let app = spawn_scripted(Arc::new(Scripted::default())).await;
    let http = client();
    let secret = leafbridge::console::session::one_time_link(&app.db)
        .await
        .unwrap();
    let url = format!("{}/console/sign-in/link?token={secret}", app.address);
    let first = http.get(&url).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let (session, _) = set_cookie(&first, "lb_console").unwrap();
    let overview = http
        .get(format!("{}/console/", app.address))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(overview.status(), StatusCode::OK);
    assert!(overview.text().await.unwrap().contains("Queue depth"));
    let again = http.get(&url).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    assert!(again.text().await.unwrap().contains("used already"));
}

/// Stores an event of `connection` whose outcome needs attention for `reason`, with a fix in
/// `system`; answers its id.
pub(crate) async fn needs_attention(
    app: &TestApp,
    connection: &str,
    entity_key: &str,
    reason: &str,
    system: &str,
) -> String {
    let body = json!({"connection": connection, "n": uuid::Uuid::new_v4().to_string()}).to_string();
    let stored = app
        .state
        .ingest
        .store(NewEvent {
            connection: connection.into(),
            source: "leaflink".into(),
            kind: "order".into(),
            action: None,
            entity_key: entity_key.into(),
            body_hash: hex::encode(Sha256::digest(body.as_bytes())),
            body,
            job_kind: Some("leaflink.order".into()),
            ignored_reason: None,
        })
        .await
        .unwrap();
    let Stored::Accepted { event_id } = stored else {
        panic!("stored")
    };
    sqlx::query(
        "UPDATE events SET status = 'done', outcome = 'needs_attention', reason = $2, \
         detail = $3 WHERE id = $1",
    )
    .bind(&event_id)
    .bind(reason)
    .bind(json!({"fix": {"system": system, "action": "make the change"}}).to_string())
    .execute(&app.db.pool)
    .await
    .unwrap();
    event_id
}

/// One connection's rows: an event needing attention (its job dead), a link, a resync.
struct Rows {
    event: String,
    job: String,
    link: String,
    resync: String,
}

async fn seed(app: &TestApp, connection: &str) -> Rows {
    let key = format!("leaflink.order:{connection}-order");
    let event = needs_attention(app, connection, &key, "unknown SKU", "Flourish").await;
    let pool = &app.db.pool;
    sqlx::query("UPDATE jobs SET state = 'dead', last_error = 'gave up' WHERE event_id = $1")
        .bind(&event)
        .execute(pool)
        .await
        .unwrap();
    let job: String = sqlx::query_scalar("SELECT id FROM jobs WHERE event_id = $1")
        .bind(&event)
        .fetch_one(pool)
        .await
        .unwrap();
    let remote = format!("{connection}-p1");
    let link = links::upsert(
        pool,
        connection,
        &NewLink::found(LinkKind::Product, "SKU-1", &remote),
        now_ms(),
    )
    .await
    .unwrap();
    let resync = uuid::Uuid::new_v4().to_string();
    resyncs::create(pool, connection, &resync, "orders", &json!({}), now_ms())
        .await
        .unwrap();
    Rows {
        event,
        job,
        link: link.id,
        resync,
    }
}

async fn create_token(app: &TestApp, connection: &str) -> (String, String) {
    let response = app
        .http
        .post(format!("{}/api/v1/tokens", app.address))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({"connection": connection, "label": "brand b's console"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: serde_json::Value = response.json().await.unwrap();
    (
        body["token"].as_str().unwrap().to_owned(),
        body["id"].as_str().unwrap().to_owned(),
    )
}

async fn page(
    app: &TestApp,
    http: &reqwest::Client,
    session: &str,
    path: &str,
) -> (StatusCode, String) {
    let response = http
        .get(format!("{}{path}", app.address))
        .header("cookie", session)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn post(
    app: &TestApp,
    http: &reqwest::Client,
    session: &str,
    path: &str,
    csrf: &str,
) -> StatusCode {
    http.post(format!("{}{path}", app.address))
        .header("cookie", session)
        .form(&[("csrf", csrf)])
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_connection_token_signs_in_to_its_own_connection_only() {
    let processors = crate::helpers::all_kinds(Arc::new(Scripted::default()));
    let app = crate::helpers::spawn_app_declaring(processors, &["brand-b"]).await;
    let http = client();
    let mine = seed(&app, "brand-b").await;
    let theirs = seed(&app, "default").await;
    let (token, token_id) = create_token(&app, "brand-b").await;

    let signed = sign_in(&app, &http, &token, "http").await;
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    let (session, _) = set_cookie(&signed, "lb_console").expect("a session for the token");

    let (status, overview) = page(&app, &http, &session, "/console/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        overview.contains("connection <code>brand-b</code>"),
        "{overview}"
    );
    // Its connections page names its own webhook paths, not the service's bare ones.
    let (status, connections) = page(&app, &http, &session, "/console/connections").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        connections.contains("/webhooks/leaflink/brand-b")
            && connections.contains("/webhooks/flourish/brand-b"),
        "{connections}"
    );
    assert!(!connections.contains("Connection <code>default</code>"));
    assert!(
        !overview.contains(&token),
        "the console never shows a secret"
    );
    let (_, attention) = page(&app, &http, &session, "/console/attention").await;
    assert!(attention.contains("brand-b-order") && !attention.contains("default-order"));
    let csrf = csrf_of(&attention);
    let (_, links) = page(&app, &http, &session, "/console/links").await;
    assert!(links.contains("brand-b-p1") && !links.contains("default-p1"));
    let (_, dead) = page(&app, &http, &session, "/console/jobs?state=dead").await;
    assert!(dead.contains("brand-b-order") && !dead.contains("default-order"));

    for path in [
        format!("/console/events/{}", theirs.event),
        format!("/console/resync/{}", theirs.resync),
        "/console/attention?connection=default".to_owned(),
        "/console/?connection=default".to_owned(),
    ] {
        let (status, _) = page(&app, &http, &session, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    for path in [
        format!("/console/jobs/{}/retry", theirs.job),
        format!("/console/links/{}/unlink", theirs.link),
        format!("/console/attention/{}/retry", theirs.event),
        format!("/console/events/{}/replay", theirs.event),
    ] {
        let status = post(&app, &http, &session, &path, &csrf).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let still: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM links WHERE id = $1")
        .bind(&theirs.link)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(still, 1, "another connection's link is untouched");

    let (status, _) = page(
        &app,
        &http,
        &session,
        &format!("/console/events/{}", mine.event),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // The admin sees every connection.
    let admin = sign_in(&app, &http, ADMIN_TOKEN, "http").await;
    let (admin, _) = set_cookie(&admin, "lb_console").unwrap();
    let (status, _) = page(
        &app,
        &http,
        &admin,
        &format!("/console/events/{}", theirs.event),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, other) = page(&app, &http, &admin, "/console/attention?connection=brand-b").await;
    assert!(other.contains("brand-b-order") && !other.contains("default-order"));

    let retried = post(
        &app,
        &http,
        &session,
        &format!("/console/jobs/{}/retry", mine.job),
        &csrf,
    )
    .await;
    assert_eq!(
        retried,
        StatusCode::SEE_OTHER,
        "its own dead job can be retried"
    );

    // Revoking the token ends its sessions.
    let revoked = app
        .http
        .delete(format!("{}/api/v1/tokens/{token_id}", app.address))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert!(revoked.status().is_success());
    let (status, _) = page(&app, &http, &session, "/console/").await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "signed out by the revocation"
    );
}
