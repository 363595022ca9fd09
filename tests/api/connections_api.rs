//! Managing connections through `/api/v1/connections` and `leafbridge connections`: a stored
//! connection starts at once (its webhook path answers), restarts on change and stops on
//! removal with its history kept; configured connections are read-only; secrets are stored
//! sealed, need the key, and never come back in any answer.

use leafbridge::config::{Config, Secret};
use leafbridge::jobs::Processors;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN_TOKEN, LEAFLINK_KEY, TestApp, TestDatabase, fresh_database, spawn_app_on, test_config,
};

const SECRET_KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const SECRETS: [(&str, &str); 4] = [
    ("leaflink_api_key", "ll-api-key-of-brand-b-0123456789"),
    ("leaflink_webhook_key", "ll-webhook-key-of-brand-b-abcdef"),
    ("flourish_api_key", "fl-api-key-of-brand-b-9876543210"),
    ("flourish_webhook_key", "fl-webhook-key-of-brand-b-fedcba"),
];
const NEW_WEBHOOK_KEY: &str = "ll-webhook-key-of-brand-b-rotated";

fn with_key(url: &str) -> Config {
    let mut config = test_config(url);
    config.secret_key = Some(Secret::new(SECRET_KEY));
    config
}

async fn app_with_key(database: TestDatabase) -> TestApp {
    spawn_app_on(database, with_key, Processors::new(), false).await
}

/// Every answer of a test, to search for secrets at the end.
#[derive(Default)]
struct Answers(Vec<String>);

impl Answers {
    async fn call(
        &mut self,
        app: &TestApp,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = app
            .http
            .request(method, format!("{}{path}", app.address))
            .bearer_auth(ADMIN_TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        self.0.push(text.clone());
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    fn assert_no_secret(&self) {
        for answer in &self.0 {
            for (_, secret) in SECRETS {
                assert!(!answer.contains(secret), "a secret in an answer: {answer}");
            }
            assert!(!answer.contains(NEW_WEBHOOK_KEY), "a secret in: {answer}");
        }
    }
}

fn new_brand_b() -> Value {
    let secrets: serde_json::Map<String, Value> = SECRETS
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    json!({
        "name": "brand-b",
        "settings": {
            "routing": "facility:12",
            "leaflink_base_url": "http://127.0.0.1:9/",
            "flourish_base_url": "http://127.0.0.1:9/",
            "poll_orders_seconds": 0,
        },
        "secrets": secrets,
    })
}

async fn post_leaflink(app: &TestApp, path: &str, key: &str, seq: usize) -> StatusCode {
    let body = crate::helpers::order_webhook("brand-b-order", seq);
    let bytes = serde_json::to_vec(&body).unwrap();
    let signature = leafbridge::leaflink::webhook::sign(key.as_bytes(), &bytes);
    app.post_raw(path, "LL-Signature", Some(&signature), bytes)
        .await
        .status()
}

#[tokio::test]
async fn a_stored_connection_starts_changes_and_stops_at_once_and_keeps_its_history() {
    let app = app_with_key(fresh_database().await).await;
    let mut answers = Answers::default();
    let (status, list) = answers
        .call(&app, Method::GET, "/api/v1/connections", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"][0]["name"], "default");
    assert_eq!(list["items"][0]["origin"], "environment");
    assert_eq!(list["items"][0]["read_only"], true);
    let webhook = "/webhooks/leaflink/brand-b";
    assert_eq!(
        post_leaflink(&app, webhook, SECRETS[1].1, 1).await,
        StatusCode::NOT_FOUND
    );

    let (status, created) = answers
        .call(
            &app,
            Method::POST,
            "/api/v1/connections",
            Some(new_brand_b()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["origin"], "stored");
    assert_eq!(created["platforms_configured"], true);
    assert_eq!(created["settings"]["routing"], "facility:12");
    assert_eq!(created["webhooks"]["leaflink"], webhook);
    assert_eq!(
        created["secrets"]["leaflink_webhook_key"]["fingerprint"],
        "…cdef"
    );
    let running = app
        .state
        .connections
        .get("brand-b")
        .expect("started at once");
    assert!(running.sync.is_some(), "with its own clients");
    assert_eq!(
        post_leaflink(&app, webhook, SECRETS[1].1, 2).await,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        post_leaflink(&app, webhook, LEAFLINK_KEY, 3).await,
        StatusCode::UNAUTHORIZED,
        "the environment's key is not brand-b's"
    );

    let (status, _) = answers
        .call(
            &app,
            Method::POST,
            "/api/v1/connections",
            Some(new_brand_b()),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let mut named_default = new_brand_b();
    named_default["name"] = json!("default");
    let (status, error) = answers
        .call(
            &app,
            Method::POST,
            "/api/v1/connections",
            Some(named_default),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert!(error["message"].as_str().unwrap().contains("environment"));
    let patch = json!({"settings": {"routing": "sales_rep"}});
    for (method, body) in [(Method::PATCH, Some(patch.clone())), (Method::DELETE, None)] {
        let (status, _) = answers
            .call(&app, method, "/api/v1/connections/default", body)
            .await;
        assert_eq!(
            status,
            StatusCode::CONFLICT,
            "the environment's is read-only"
        );
    }
    let (status, error) = answers
        .call(
            &app,
            Method::PATCH,
            "/api/v1/connections/brand-b",
            Some(json!({"settings": {"routing": "nowhere"}})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error["message"].as_str().unwrap().starts_with("routing"),
        "{error}"
    );
    let (status, error) = answers
        .call(
            &app,
            Method::POST,
            "/api/v1/connections",
            Some(json!({"name": "brand-c", "settings": {"leaflink_api_key": "x"}})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");

    // A change restarts it: the new webhook key verifies, the old one no longer does.
    let (status, updated) = answers
        .call(
            &app,
            Method::PATCH,
            "/api/v1/connections/brand-b",
            Some(json!({
                "settings": {"routing": "sales_rep", "poll_orders_seconds": null},
                "secrets": {"leaflink_webhook_key": NEW_WEBHOOK_KEY},
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["settings"]["routing"], "sales_rep");
    assert!(updated["settings"].get("poll_orders_seconds").is_none());
    assert_eq!(
        post_leaflink(&app, webhook, NEW_WEBHOOK_KEY, 4).await,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        post_leaflink(&app, webhook, SECRETS[1].1, 5).await,
        StatusCode::UNAUTHORIZED
    );

    // Tokens: for a connection that exists only.
    let (status, _) = answers
        .call(
            &app,
            Method::POST,
            "/api/v1/tokens",
            Some(json!({"connection": "brand-b", "label": "brand b"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = answers
        .call(
            &app,
            Method::POST,
            "/api/v1/tokens",
            Some(json!({"connection": "brand-z", "label": "nobody"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Whatever else an operator reads of brand-b shows no secret either.
    for path in [
        "/api/v1/events?limit=200",
        "/api/v1/stats",
        "/api/v1/connections",
    ] {
        let response = app
            .http
            .get(format!("{}{path}", app.address))
            .bearer_auth(ADMIN_TOKEN)
            .header("Leafbridge-Connection", "brand-b")
            .send()
            .await
            .unwrap();
        answers.0.push(response.text().await.unwrap());
    }
    answers.0.push(
        app.http
            .get(format!("{}/metrics", app.address))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let stored: Vec<String> = sqlx::query_scalar("SELECT sealed FROM connection_secrets")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 4);
    answers.0.extend(stored);
    let settings: String = sqlx::query_scalar("SELECT settings FROM connections")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    answers.0.push(settings);

    let (status, _) = answers
        .call(&app, Method::DELETE, "/api/v1/connections/brand-b", None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(
        app.state.connections.get("brand-b").is_none(),
        "stopped at once"
    );
    assert_eq!(
        post_leaflink(&app, webhook, NEW_WEBHOOK_KEY, 6).await,
        StatusCode::NOT_FOUND
    );
    let (status, _) = answers
        .call(&app, Method::GET, "/api/v1/connections/brand-b", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE connection = 'brand-b'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(kept, 2, "its history stays");
    answers.assert_no_secret();
    app.stop().await;
}

#[tokio::test]
async fn storing_a_secret_without_the_key_is_refused_naming_the_setting() {
    let app = spawn_app_on(
        fresh_database().await,
        test_config,
        Processors::new(),
        false,
    )
    .await;
    let mut answers = Answers::default();
    let (status, error) = answers
        .call(
            &app,
            Method::POST,
            "/api/v1/connections",
            Some(new_brand_b()),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("LEAFBRIDGE_SECRET_KEY"),
        "{error}"
    );
    let (_, list) = answers
        .call(&app, Method::GET, "/api/v1/connections", None)
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    // Only the admin token manages connections.
    let response = app
        .http
        .get(format!("{}/api/v1/connections", app.address))
        .bearer_auth("not-the-token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    answers.assert_no_secret();
    app.stop().await;
}

fn leafbridge(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_leafbridge"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .output()
        .expect("running leafbridge")
}

#[tokio::test]
async fn the_cli_adds_shows_updates_and_removes_and_a_running_service_follows() {
    let database = fresh_database().await;
    let url = database.url.clone();
    let app = app_with_key(database).await;
    let env = [
        ("LEAFBRIDGE_DATABASE_URL", url.as_str()),
        ("LEAFBRIDGE_SECRET_KEY", SECRET_KEY),
        ("FLOURISH_HOOK_KEY", SECRETS[3].1),
    ];
    let run = |args: &[&str]| {
        let output = leafbridge(args, &env);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        for (_, secret) in SECRETS {
            assert!(
                !stdout.contains(secret) && !stderr.contains(secret),
                "{stdout}{stderr}"
            );
        }
        (output.status.success(), stdout, stderr)
    };
    let leaflink_hook = format!("leaflink_webhook_key={}", SECRETS[1].1);
    let (ok, stdout, stderr) = run(&[
        "connections",
        "add",
        "brand-c",
        "--set",
        "routing=facility:12",
        "--secret",
        &leaflink_hook,
        "--secret",
        "flourish_webhook_key=env:FLOURISH_HOOK_KEY",
    ]);
    assert!(ok, "{stderr}");
    let shown: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(shown["name"], "brand-c");
    assert_eq!(shown["platforms_configured"], false);
    assert_eq!(
        shown["secrets"]["flourish_webhook_key"]["fingerprint"],
        "…dcba"
    );

    app.state.connections.refresh().await.unwrap();
    assert!(app.state.connections.get("brand-c").is_some());
    assert_eq!(
        post_leaflink(&app, "/webhooks/leaflink/brand-c", SECRETS[1].1, 1).await,
        StatusCode::ACCEPTED
    );

    let (ok, stdout, _) = run(&["connections", "list", "--json"]);
    assert!(ok);
    let list: Value = serde_json::from_str(&stdout).unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["default", "brand-c"]);
    let (ok, stdout, _) = run(&["connections", "list"]);
    assert!(
        ok && stdout.contains("brand-c") && stdout.contains("stored"),
        "{stdout}"
    );

    let (ok, stdout, stderr) = run(&[
        "connections",
        "update",
        "brand-c",
        "--set",
        "routing=sales_rep",
    ]);
    assert!(ok, "{stderr}");
    let shown: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(shown["settings"]["routing"], "sales_rep");
    let (ok, _, stderr) = run(&[
        "connections",
        "update",
        "brand-c",
        "--unset",
        "leaflink_webhook_key",
    ]);
    assert!(!ok, "a connection without its webhook key is refused");
    assert!(stderr.contains("leaflink_webhook_key"), "{stderr}");
    let (ok, stdout, _) = run(&["connections", "show", "brand-c"]);
    assert!(ok);
    let shown: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(shown["settings"]["routing"], "sales_rep");
    let (ok, _, stderr) = run(&["connections", "remove", "default"]);
    assert!(!ok && stderr.contains("read-only"), "{stderr}");

    let (ok, _, stderr) = run(&["connections", "remove", "brand-c"]);
    assert!(ok, "{stderr}");
    app.state.connections.refresh().await.unwrap();
    assert!(app.state.connections.get("brand-c").is_none());
    let (ok, _, stderr) = run(&["connections", "show", "brand-c"]);
    assert!(!ok && stderr.contains("no connection brand-c"), "{stderr}");
    app.stop().await;
}
