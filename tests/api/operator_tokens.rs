//! Connection tokens: created by the admin token and shown once, and a token of one connection
//! reaches none of another connection's data on any endpoint family (404 for its ids).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{ADMIN_TOKEN, TestApp, spawn_app_declaring};
use leafbridge::envelope::Envelope;
use leafbridge::jobs::Processors;
use leafbridge::store::events::{NewEvent, Stored};
use leafbridge::store::links::{self, LinkKind, NewLink};
use leafbridge::store::{notify, now_ms, resyncs};

/// One connection's rows: an event needing attention, a dead job, a link, a resync, a channel.
struct Rows {
    event: String,
    dead_job: String,
    link: String,
    resync: String,
    channel: String,
}

async fn seed(app: &TestApp, connection: &str) -> Rows {
    let body = json!({"connection": connection, "n": uuid::Uuid::new_v4().to_string()}).to_string();
    let stored = app
        .state
        .ingest
        .store(NewEvent::new(
            connection,
            "leaflink",
            Envelope {
                kind: "order".into(),
                action: None,
                entity_key: format!("leaflink.order:{connection}-1"),
                job_kind: Some("leaflink.order".into()),
            },
            body,
        ))
        .await
        .unwrap();
    let Stored::Accepted { event_id } = stored else {
        panic!("stored")
    };
    let pool = &app.db.pool;
    sqlx::query(
        "UPDATE events SET status = 'done', outcome = 'needs_attention', \
         reason = 'unknown SKU', detail = $2 WHERE id = $1",
    )
    .bind(&event_id)
    .bind(json!({"fix": {"system": "Flourish", "action": "create the SKU"}}).to_string())
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("UPDATE jobs SET state = 'dead', last_error = 'gave up' WHERE event_id = $1")
        .bind(&event_id)
        .execute(pool)
        .await
        .unwrap();
    let dead_job: String = sqlx::query_scalar("SELECT id FROM jobs WHERE event_id = $1")
        .bind(&event_id)
        .fetch_one(pool)
        .await
        .unwrap();
    let link = links::upsert(
        pool,
        connection,
        &NewLink {
            kind: LinkKind::Product,
            key: "SKU-1",
            remote_id: &format!("{connection}-p1"),
            extra: None,
            pinned: false,
        },
        now_ms(),
    )
    .await
    .unwrap();
    let resync = uuid::Uuid::new_v4().to_string();
    resyncs::create(pool, connection, &resync, "orders", &json!({}), now_ms())
        .await
        .unwrap();
    let channel = uuid::Uuid::new_v4().to_string();
    notify::insert_channel(
        pool,
        &notify::ChannelRow {
            id: channel.clone(),
            connection: connection.into(),
            kind: "webhook".into(),
            settings: json!({"kind": "webhook", "format": "signed", "url": "http://127.0.0.1:9/"}),
            sealed_secret: None,
            secret_fingerprint: None,
            secret_set_at: None,
            created_at: now_ms(),
        },
    )
    .await
    .unwrap();
    Rows {
        event: event_id,
        dead_job,
        link: link.id,
        resync,
        channel,
    }
}

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    connection: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = app
        .http
        .request(method.clone(), format!("{}/api/v1{path}", app.address))
        .bearer_auth(token);
    if let Some(name) = connection {
        request = request.header("Leafbridge-Connection", name);
    }
    if method == Method::POST {
        request = request.json(&json!({}));
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

fn ids(body: &Value, field: &str) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a list: {body}"))
        .iter()
        .map(|i| i[field].as_str().unwrap().to_owned())
        .collect()
}

async fn create_token(app: &TestApp, connection: &str) -> String {
    let response = app
        .http
        .post(format!("{}/api/v1/tokens", app.address))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({"connection": connection, "label": "owner of brand b"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["connection"], connection);
    body["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_connection_token_sees_only_its_connection() {
    let app = spawn_app_declaring(Processors::new(), &["brand-b"]).await;
    let a = seed(&app, "default").await;
    let b = seed(&app, "brand-b").await;
    let token = create_token(&app, "brand-b").await;

    // Events: the list, one event, a replay.
    let (status, body) = call(&app, Method::GET, "/events", &token, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&body, "id"), vec![b.event.clone()]);
    let own = format!("/events/{}", b.event);
    assert_eq!(
        call(&app, Method::GET, &own, &token, None).await.0,
        StatusCode::OK
    );
    let other = format!("/events/{}", a.event);
    assert_eq!(
        call(&app, Method::GET, &other, &token, None).await.0,
        StatusCode::NOT_FOUND
    );
    let replay = format!("/events/{}/replay", a.event);
    assert_eq!(
        call(&app, Method::POST, &replay, &token, None).await.0,
        StatusCode::NOT_FOUND
    );

    // Attention: the list and a retry.
    let (status, body) = call(&app, Method::GET, "/attention", &token, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&body, "id"), vec![b.event.clone()]);
    let retry = format!("/attention/{}/retry", a.event);
    assert_eq!(
        call(&app, Method::POST, &retry, &token, None).await.0,
        StatusCode::NOT_FOUND
    );

    // Jobs: the list and a retry of a dead job.
    let (_, body) = call(&app, Method::GET, "/jobs?state=dead", &token, None).await;
    assert_eq!(ids(&body, "id"), vec![b.dead_job.clone()]);
    let retry = format!("/jobs/{}/retry", a.dead_job);
    assert_eq!(
        call(&app, Method::POST, &retry, &token, None).await.0,
        StatusCode::NOT_FOUND
    );

    // Links: the list, one, a delete (which must leave the other connection's link alone).
    let (_, body) = call(&app, Method::GET, "/links", &token, None).await;
    assert_eq!(ids(&body, "id"), vec![b.link.clone()]);
    let link = format!("/links/{}", a.link);
    assert_eq!(
        call(&app, Method::GET, &link, &token, None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(&app, Method::DELETE, &link, &token, None).await.0,
        StatusCode::NOT_FOUND
    );
    let kept = links::by_id(&app.db.pool, "default", &a.link)
        .await
        .unwrap();
    assert!(kept.is_some(), "the other connection's link is still there");

    // Resyncs.
    let resync = format!("/resyncs/{}", a.resync);
    assert_eq!(
        call(&app, Method::GET, &resync, &token, None).await.0,
        StatusCode::NOT_FOUND
    );
    let resync = format!("/resyncs/{}", b.resync);
    assert_eq!(
        call(&app, Method::GET, &resync, &token, None).await.0,
        StatusCode::OK
    );

    // Stats: outcomes and queue of the token's connection only.
    let (_, stats) = call(&app, Method::GET, "/stats", &token, None).await;
    assert_eq!(stats["last_hour"], json!({"needs_attention": 1}), "{stats}");
    assert_eq!(stats["queue"]["dead"], 1, "{stats}");

    // Notification channels.
    let (_, body) = call(&app, Method::GET, "/notifications/channels", &token, None).await;
    assert_eq!(ids(&body, "id"), vec![b.channel.clone()]);
    let channel = format!("/notifications/channels/{}", a.channel);
    let status = call(&app, Method::DELETE, &channel, &token, None).await.0;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Naming another connection is the same 404, on every family, preflight included.
    for path in [
        "/events",
        "/attention",
        "/jobs",
        "/links",
        "/stats",
        "/preflight",
    ] {
        let (status, body) = call(&app, Method::GET, path, &token, Some("default")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    let (status, _) = call(&app, Method::GET, "/events", &token, Some("brand-b")).await;
    assert_eq!(status, StatusCode::OK);

    // Token management is the admin's.
    let (status, _) = call(&app, Method::GET, "/tokens", &token, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    app.stop().await;
}

#[tokio::test]
async fn the_admin_token_sees_every_connection_and_tokens_are_shown_once() {
    let app = spawn_app_declaring(Processors::new(), &["brand-b"]).await;
    let a = seed(&app, "default").await;
    let b = seed(&app, "brand-b").await;
    let (_, body) = call(&app, Method::GET, "/events", ADMIN_TOKEN, None).await;
    assert_eq!(ids(&body, "id"), vec![a.event.clone()]);
    let (_, body) = call(&app, Method::GET, "/events", ADMIN_TOKEN, Some("brand-b")).await;
    assert_eq!(ids(&body, "id"), vec![b.event.clone()]);
    let (status, _) = call(
        &app,
        Method::GET,
        "/events",
        ADMIN_TOKEN,
        Some("Not A Name"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let token = create_token(&app, "brand-b").await;
    let (_, list) = call(&app, Method::GET, "/tokens", ADMIN_TOKEN, None).await;
    let listed = list.to_string();
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{listed}");
    assert!(!listed.contains(&token), "a list never shows the token");
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM operator_tokens")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert!(
        !stored.iter().any(|h| h.contains(&token[4..])),
        "only the hash is stored"
    );

    for bad in [
        json!({"connection": "Brand B", "label": "x"}),
        json!({"connection": "b", "label": ""}),
    ] {
        let response = app
            .http
            .post(format!("{}/api/v1/tokens", app.address))
            .bearer_auth(ADMIN_TOKEN)
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }

    // Revoked: refused at once.
    let id = list["items"][0]["id"].as_str().unwrap();
    let revoke = format!("/tokens/{id}");
    let (status, _) = call(&app, Method::DELETE, &revoke, ADMIN_TOKEN, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = call(&app, Method::GET, "/events", &token, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["code"], "unauthorized");
    let (status, _) = call(&app, Method::DELETE, &revoke, ADMIN_TOKEN, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}
