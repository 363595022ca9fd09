//! Owner notifications: digests by email through a real SMTP server and to webhooks, at most
//! one per period, each problem said once and its resolution once; delivery is a job, so a dead
//! SMTP server only leaves its own job to retry; secrets are refused without a key and never
//! shown or stored in clear.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{ADMIN_TOKEN, TestApp, fresh_database, spawn_app, spawn_app_on, test_config};
use crate::notify_support::{SmtpServer, finished_event, receiver, smtp_python};
use leafbridge::config::Secret;
use leafbridge::jobs::Processors;
use leafbridge::notify::{self, Notifier};
use leafbridge::store::now_ms;

const SECRET_KEY: &str = "4f1c2d7e0b5a4a8e9d612f7c0e3b9a104f1c2d7e0b5a4a8e9d612f7c0e3b9a10";
const PERIOD: Duration = Duration::from_secs(900);

async fn app_with_key() -> TestApp {
    let config = |url: &str| {
        let mut config = test_config(url);
        config.secret_key = Some(Secret::new(SECRET_KEY));
        config.notify_period = PERIOD;
        config
    };
    spawn_app_on(fresh_database().await, config, Processors::new(), false).await
}

fn notifier(app: &TestApp) -> Notifier {
    Notifier {
        db: app.db.clone(),
        ingest: app.state.ingest.clone(),
        period: PERIOD,
        base_url: app.address.clone(),
        connection: "default".into(),
        watched: Vec::new(),
        connections: Some(app.state.connections.clone()),
    }
}

async fn add_channel(app: &TestApp, body: Value) -> (StatusCode, Value) {
    let response = app
        .http
        .post(format!("{}/api/v1/notifications/channels", app.address))
        .bearer_auth(ADMIN_TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

/// The header `name` of a raw message, unfolded.
fn header(data: &str, name: &str) -> String {
    let head = data
        .split("\r\n\r\n")
        .next()
        .unwrap_or(data)
        .replace("\r\n ", " ");
    head.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .unwrap_or_default()
        .to_owned()
}

/// The text body of a raw message (quoted-printable soft breaks undone).
fn body(data: &str) -> String {
    let text = data.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    text.replace("=\r\n", "")
        .replace("=E2=80=94", "—")
        .replace("=3D", "=")
}

#[tokio::test]
async fn a_digest_reaches_a_real_smtp_server_once_per_period_and_says_each_problem_once() {
    let Some(python) = smtp_python().await else {
        return;
    };
    let smtp = SmtpServer::start(&python).await;
    let app = app_with_key().await;
    let (status, channel) = add_channel(
        &app,
        json!({"kind": "email", "host": "127.0.0.1", "port": smtp.port, "tls": "none",
               "username": smtp.user, "password": smtp.password,
               "from": "leafbridge@brand.example", "to": ["owner@brand.example", "ops@brand.example"]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{channel}");
    assert_eq!(channel["secret_fingerprint"], "…7Qx2");
    assert!(!channel.to_string().contains(&smtp.password));

    let first = finished_event(
        &app,
        "default",
        "leaflink.order:A-1",
        "needs_attention",
        false,
    )
    .await;
    finished_event(
        &app,
        "default",
        "leaflink.order:A-2",
        "needs_attention",
        false,
    )
    .await;
    finished_event(&app, "default", "leaflink.order:A-3", "failed", true).await;
    // Another connection's problem is not this owner's business.
    finished_event(
        &app,
        "brand-b",
        "leaflink.order:B-1",
        "needs_attention",
        false,
    )
    .await;

    let notifier = notifier(&app);
    let start = now_ms();
    let report = notifier.pass_connection("default", start).await.unwrap();
    assert_eq!((report.deliveries, report.opened), (1, 3));
    app.drain(Duration::ZERO).await;
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    let message = &messages[0];
    assert_eq!(message["from"], "leafbridge@brand.example");
    assert_eq!(
        message["to"],
        json!(["owner@brand.example", "ops@brand.example"])
    );
    assert_eq!(message["login"], smtp.user.as_str());
    let data = message["data"].as_str().unwrap();
    assert_eq!(
        header(data, "Subject"),
        "[leafbridge] default: 3 new problems"
    );
    let text = body(data);
    assert!(text.contains("* SKU unknown to Flourish (2)"), "{text}");
    assert!(
        text.contains("Fix in Flourish: create item SKU-9 in Flourish"),
        "{text}"
    );
    assert!(
        text.contains(&format!("{}/api/v1/events/{first}", app.address)),
        "{text}"
    );
    assert!(text.contains("Dead jobs"), "{text}");
    assert!(!text.contains("B-1"), "{text}");

    // Nothing new: nothing sent. Something new within the period: held until the period ends,
    // and then only the new problem is said.
    let report = notifier
        .pass_connection("default", start + 1_000)
        .await
        .unwrap();
    assert_eq!(report.deliveries, 0);
    finished_event(
        &app,
        "default",
        "leaflink.order:A-4",
        "needs_attention",
        false,
    )
    .await;
    let report = notifier
        .pass_connection("default", start + 60_000)
        .await
        .unwrap();
    assert_eq!(report.deliveries, 0, "at most one digest per period");
    let later = start + PERIOD.as_millis() as i64 + 1;
    let report = notifier.pass_connection("default", later).await.unwrap();
    assert_eq!(
        (report.deliveries, report.opened, report.resolved),
        (1, 1, 0)
    );
    app.drain(Duration::ZERO).await;
    let second = &smtp.messages()[1];
    let data = second["data"].as_str().unwrap();
    assert_eq!(
        header(data, "Subject"),
        "[leafbridge] default: 1 new problem"
    );
    assert!(body(data).contains("A-4") && !body(data).contains("A-1"));

    // A fix: the entity's next event synced. Said once as resolved, then never again.
    finished_event(&app, "default", "leaflink.order:A-1", "synced", false).await;
    let even_later = later + PERIOD.as_millis() as i64 + 1;
    let report = notifier
        .pass_connection("default", even_later)
        .await
        .unwrap();
    assert_eq!(
        (report.deliveries, report.opened, report.resolved),
        (1, 0, 1)
    );
    app.drain(Duration::ZERO).await;
    let third = &smtp.messages()[2];
    let data = third["data"].as_str().unwrap();
    assert_eq!(header(data, "Subject"), "[leafbridge] default: 1 resolved");
    assert!(body(data).contains("Resolved") && body(data).contains("A-1"));
    let last = even_later + 10 * PERIOD.as_millis() as i64;
    let report = notifier.pass_connection("default", last).await.unwrap();
    assert_eq!(report.deliveries, 0);
    assert_eq!(smtp.messages().len(), 3);

    // The password is sealed in the database and absent from the event log.
    let sealed: String = sqlx::query_scalar("SELECT sealed_secret FROM notification_channels")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(!sealed.contains(&smtp.password));
    let leaked: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE body LIKE $1")
        .bind(format!("%{}%", smtp.password))
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(leaked, 0);
    smtp.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn a_dead_smtp_server_leaves_its_delivery_to_retry_and_sync_goes_on() {
    let app = app_with_key().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let (status, _) = add_channel(
        &app,
        json!({"kind": "email", "host": "127.0.0.1", "port": port, "tls": "none",
               "from": "leafbridge@brand.example", "to": ["owner@brand.example"]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    finished_event(
        &app,
        "default",
        "leaflink.order:A-1",
        "needs_attention",
        false,
    )
    .await;
    let report = notifier(&app)
        .pass_connection("default", now_ms())
        .await
        .unwrap();
    assert_eq!(report.deliveries, 1);
    app.drain(Duration::ZERO).await;
    let (state, attempts, error): (String, i64, Option<String>) =
        sqlx::query_as("SELECT state, attempts, last_error FROM jobs WHERE kind = $1")
            .bind(notify::JOB_KIND)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!((state.as_str(), attempts), ("pending", 1), "{error:?}");
    assert!(error.unwrap_or_default().contains(&port.to_string()));
    // Webhooks are still taken while the delivery waits for its retry.
    let response = app
        .post_leaflink(&crate::helpers::order_webhook("after-smtp-died", 1))
        .await;
    assert!(response.status().is_success());
    app.stop().await;
}

#[tokio::test]
async fn digests_go_to_a_signed_webhook_and_a_slack_webhook() {
    let hooks = receiver().await;
    let app = app_with_key().await;
    let key = "signing-key-0123456789";
    let (status, _) = add_channel(
        &app,
        json!({"kind": "webhook", "format": "signed", "url": format!("{}/leafbridge", hooks.url),
               "signing_key": key}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let slack_url = format!("{}/services/T000/B000/XsecretX", hooks.url);
    let (status, slack) = add_channel(
        &app,
        json!({"kind": "webhook", "format": "slack", "url": slack_url}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{slack}");
    assert!(!slack.to_string().contains("XsecretX"), "{slack}");

    finished_event(
        &app,
        "default",
        "leaflink.order:A-1",
        "needs_attention",
        false,
    )
    .await;
    let report = notifier(&app)
        .pass_connection("default", now_ms())
        .await
        .unwrap();
    assert_eq!(report.deliveries, 2);
    app.drain(Duration::ZERO).await;
    let got = hooks.got.lock().clone();
    assert_eq!(got.len(), 2, "{got:?}");
    let signed = got.iter().find(|r| r.path == "/leafbridge").unwrap();
    let expected = hex::encode(leafbridge::signature::hmac_sha256(
        key.as_bytes(),
        &signed.body,
    ));
    assert_eq!(signed.headers["leafbridge-signature"], expected.as_str());
    let json: Value = serde_json::from_slice(&signed.body).unwrap();
    assert_eq!(json["type"], "leafbridge.digest");
    assert_eq!(json["subject"], "[leafbridge] default: 1 new problem");
    assert_eq!(
        json["opened"][0]["detail"]["reason"],
        "SKU unknown to Flourish"
    );
    let slack = got
        .iter()
        .find(|r| r.path == "/services/T000/B000/XsecretX")
        .unwrap();
    let json: Value = serde_json::from_slice(&slack.body).unwrap();
    let text = json["text"].as_str().unwrap();
    assert!(
        text.contains("[leafbridge] default: 1 new problem"),
        "{text}"
    );
    assert!(text.contains("create item SKU-9 in Flourish"), "{text}");
    app.stop().await;
}

#[tokio::test]
async fn without_a_secret_key_a_channel_with_a_secret_is_refused_naming_the_setting() {
    let app = spawn_app(Processors::new()).await;
    let (status, body) = add_channel(
        &app,
        json!({"kind": "webhook", "format": "signed", "url": "https://hooks.example.com/x",
               "signing_key": "signing-key-0123456789"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("LEAFBRIDGE_SECRET_KEY")
    );
    let (status, body) = add_channel(
        &app,
        json!({"kind": "email", "host": "smtp.example.com", "from": "a@example.com",
               "to": ["not-an-address"]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["message"].as_str().unwrap().starts_with("to:"),
        "{body}"
    );
    let (status, _) = add_channel(
        &app,
        json!({"kind": "email", "host": "smtp.example.com", "from": "a@example.com",
               "to": ["b@example.com"]}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "a channel without a secret needs no key"
    );
    app.stop().await;
}
