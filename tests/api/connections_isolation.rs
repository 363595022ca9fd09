//! Two connections in one leafbridge, four simulators, data overlapping completely (both pairs
//! are seeded with the same dataset: same SKUs, license numbers, order numbers): each
//! connection's webhooks, jobs, writes, links, events and stats stay its own. Webhook paths
//! of an unknown connection answer 404 before the body is read; another connection's key 401.

use std::time::Duration;

use leafbridge::config::{ConnectionSettings, Secret};
use leafbridge::flourish::FlourishConfig;
use leafbridge::leaflink::{AuthScheme, LeafLinkConfig};
use leafbridge::remote::TransportConfig;
use leafbridge::sim::flourish::{FlourishSim, FlourishSimConfig, flourish_webhook_target};
use leafbridge::sim::leaflink::{LeafLinkSim, LeafLinkSimConfig, webhook_target};
use leafbridge::store::links::{self, LinkKind};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN_TOKEN, FLOURISH_KEY, LEAFLINK_KEY, TestApp, fresh_database, spawn_app_with, test_config,
};
use crate::sync_orders_support::ANA_ORDER;
use crate::world::{seed, seed_settings};

const B_LEAFLINK_KEY: &str = "brand-b-leaflink-webhook-key";
const B_FLOURISH_KEY: &str = "brand-b-flourish-webhook-key";

/// One LeafLink company and one Flourish account, both seeded alike, with their own API keys.
struct Pair {
    leaflink: LeafLinkSim,
    flourish: FlourishSim,
    api_key: String,
}

async fn pair(api_key: &str) -> Pair {
    let seed = seed();
    let localhost = "127.0.0.1:0".parse().unwrap();
    let leaflink = LeafLinkSim::start(
        localhost,
        LeafLinkSimConfig {
            api_key: api_key.into(),
            webhook: None,
        },
        Some(&seed["leaflink"]),
    )
    .await
    .unwrap();
    let flourish = FlourishSim::start(
        localhost,
        FlourishSimConfig {
            api_key: api_key.into(),
            webhook: None,
        },
        Some(&seed["flourish"]),
    )
    .await
    .unwrap();
    Pair {
        leaflink,
        flourish,
        api_key: api_key.into(),
    }
}

fn transport() -> TransportConfig {
    TransportConfig {
        requests_per_minute: 600_000,
        burst: 1_000,
        retry_backoff: Duration::from_millis(10),
        ..TransportConfig::flourish_default()
    }
}

/// `connection` wired to `pair`'s simulators.
fn wire(connection: &mut ConnectionSettings, pair: &Pair) {
    connection.leaflink = Some(LeafLinkConfig {
        base_url: pair.leaflink.base_url(),
        api_key: pair.api_key.as_str().into(),
        auth_scheme: AuthScheme::App,
        transport: transport(),
    });
    connection.flourish = Some(FlourishConfig {
        base_url: pair.flourish.base_url(),
        api_key: pair.api_key.as_str().into(),
        transport: transport(),
    });
    connection.sync = seed_settings();
}

struct Twins {
    app: TestApp,
    a: Pair,
    b: Pair,
}

/// leafbridge with the environment's connection on pair A and the file's `brand-b` on pair B.
async fn twins() -> Twins {
    let (a, b) = (pair("api-key-a").await, pair("api-key-b").await);
    let config = |url: &str| {
        let mut config = test_config(url);
        wire(&mut config.connection, &a);
        let mut brand_b = config.connection.clone();
        brand_b.name = "brand-b".into();
        wire(&mut brand_b, &b);
        brand_b.leaflink_webhook_keys = vec![Secret::new(B_LEAFLINK_KEY)];
        brand_b.flourish_webhook_keys = vec![Secret::new(B_FLOURISH_KEY)];
        config.connections.push(brand_b);
        config
    };
    let wiring = |config: &leafbridge::config::Config, db: &leafbridge::store::Db| {
        leafbridge::cli::serve::wiring(config, db)
    };
    let app = spawn_app_with(fresh_database().await, config, wiring, false).await;
    let url = |path: &str| format!("{}{path}", app.address);
    a.leaflink.outbox().set_target(Some(webhook_target(
        url("/webhooks/leaflink"),
        LEAFLINK_KEY,
    )));
    a.flourish.outbox().set_target(Some(flourish_webhook_target(
        url("/webhooks/flourish"),
        FLOURISH_KEY,
    )));
    b.leaflink.outbox().set_target(Some(webhook_target(
        url("/webhooks/leaflink/brand-b"),
        B_LEAFLINK_KEY,
    )));
    b.flourish.outbox().set_target(Some(flourish_webhook_target(
        url("/webhooks/flourish/brand-b"),
        B_FLOURISH_KEY,
    )));
    Twins { app, a, b }
}

impl Twins {
    async fn settle(&self) {
        for _ in 0..50 {
            let mut delivered = 0;
            for pair in [&self.a, &self.b] {
                let before = pair.leaflink.outbox().deliveries().len()
                    + pair.flourish.outbox().deliveries().len();
                pair.leaflink.outbox().flush().await;
                pair.flourish.outbox().flush().await;
                delivered += pair.leaflink.outbox().deliveries().len()
                    + pair.flourish.outbox().deliveries().len()
                    - before;
            }
            if self.app.drain(Duration::ZERO).await == 0 && delivered == 0 {
                return;
            }
        }
        panic!("the twins did not settle");
    }

    async fn get(&self, path: &str, connection: &str) -> Value {
        let response = self
            .app
            .http
            .get(format!("{}/api/v1{path}", self.app.address))
            .bearer_auth(ADMIN_TOKEN)
            .header("Leafbridge-Connection", connection)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    async fn post_leaflink(&self, path: &str, key: &str, body: &Value) -> StatusCode {
        let bytes = serde_json::to_vec(body).unwrap();
        let signature = leafbridge::leaflink::webhook::sign(key.as_bytes(), &bytes);
        let response = self
            .app
            .post_raw(path, "LL-Signature", Some(&signature), bytes)
            .await;
        response.status()
    }
}

fn outbound_orders(sim: &FlourishSim, number: &str) -> Vec<Value> {
    sim.dump()["outbound_orders"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["original_order_id"] == json!(number))
        .cloned()
        .collect()
}

fn writes(sim: &FlourishSim) -> usize {
    sim.control()
        .requests()
        .iter()
        .filter(|r| r.method != "GET")
        .count()
}

#[tokio::test]
async fn two_connections_with_identical_data_never_see_or_write_each_others_records() {
    let twins = twins().await;
    let order = |tag: &str| json!({"action": "edit", "type": "order", "data": {"number": ANA_ORDER, "tag": tag}});
    let a = twins
        .post_leaflink("/webhooks/leaflink", LEAFLINK_KEY, &order("a"))
        .await;
    assert_eq!(a, StatusCode::ACCEPTED);
    twins.settle().await;
    assert_eq!(outbound_orders(&twins.a.flourish, ANA_ORDER).len(), 1);
    assert!(
        outbound_orders(&twins.b.flourish, ANA_ORDER).is_empty(),
        "connection A's order reached B's Flourish"
    );
    assert_eq!(writes(&twins.b.flourish), 0);
    let a_stats = twins.get("/stats", "default").await;
    assert!(
        a_stats["last_hour"]["synced"].as_i64() >= Some(1),
        "{a_stats}"
    );
    let b_stats = twins.get("/stats", "brand-b").await;
    assert_eq!(b_stats["last_hour"], json!({}), "{b_stats}");

    let b = twins
        .post_leaflink("/webhooks/leaflink/brand-b", B_LEAFLINK_KEY, &order("b"))
        .await;
    assert_eq!(b, StatusCode::ACCEPTED);
    twins.settle().await;
    assert_eq!(outbound_orders(&twins.a.flourish, ANA_ORDER).len(), 1);
    assert_eq!(outbound_orders(&twins.b.flourish, ANA_ORDER).len(), 1);

    // Links: the same order number, one link per connection, each to its own Flourish order.
    let pool = &twins.app.db.pool;
    for (connection, pair) in [("default", &twins.a), ("brand-b", &twins.b)] {
        let link = links::get(pool, connection, LinkKind::Order, ANA_ORDER)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{connection} has its order link"));
        let flourish_id = outbound_orders(&pair.flourish, ANA_ORDER)[0]["id"].clone();
        assert_eq!(
            json!(link.remote_id),
            json!(flourish_id.to_string().trim_matches('"'))
        );
        let events = twins.get("/events?limit=200", connection).await;
        let keys: Vec<&str> = events["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["entity_key"].as_str().unwrap())
            .collect();
        assert!(
            keys.contains(&format!("leaflink.order:{ANA_ORDER}").as_str()),
            "{connection}: {keys:?}"
        );
        let stats = twins.get("/stats", connection).await;
        assert_eq!(
            stats["last_hour"], a_stats["last_hour"],
            "{connection}: {stats}"
        );
        let attention = twins.get("/attention", connection).await;
        assert!(attention["items"].as_array().unwrap().is_empty());
    }
    // Each simulator takes only its own pair's API key: a call from the other connection
    // would have failed its job.
    let queue = twins.app.queue().await;
    assert_eq!(queue.dead, 0);
    assert_eq!(twins.app.queue().await.pending, 0);
    twins.app.stop().await;
}

#[tokio::test]
async fn webhook_paths_name_a_running_connection_and_take_only_its_keys() {
    let twins = twins().await;
    let body = json!({"action": "edit", "type": "order", "data": {"number": ANA_ORDER}});
    // Unknown connection: 404 before the body is read (a body over the limit is not 413).
    let huge = vec![b'x'; 2 * 1024 * 1024];
    for path in ["/webhooks/leaflink/nope", "/webhooks/flourish/nope"] {
        let response = twins
            .app
            .post_raw(path, "LL-Signature", Some("x"), huge.clone())
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["code"], "not_found");
    }
    // Another connection's key: 401 on both sides.
    let status = twins
        .post_leaflink("/webhooks/leaflink/brand-b", LEAFLINK_KEY, &body)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let status = twins
        .post_leaflink("/webhooks/leaflink", B_LEAFLINK_KEY, &body)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let bytes = serde_json::to_vec(&json!({"resource_type": "item", "data": {"id": 151}})).unwrap();
    let wrong = leafbridge::flourish::webhook::sign(FLOURISH_KEY.as_bytes(), &bytes);
    let response = twins
        .app
        .post_raw(
            "/webhooks/flourish/brand-b",
            "Auth-Signature",
            Some(&wrong),
            bytes.clone(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let right = leafbridge::flourish::webhook::sign(B_FLOURISH_KEY.as_bytes(), &bytes);
    let response = twins
        .app
        .post_raw(
            "/webhooks/flourish/brand-b",
            "Auth-Signature",
            Some(&right),
            bytes,
        )
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    // The environment's connection answers on its named path too.
    let status = twins
        .post_leaflink("/webhooks/leaflink/default", LEAFLINK_KEY, &body)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let stored: Vec<(String, String)> =
        sqlx::query_as("SELECT connection, source FROM events ORDER BY connection")
            .fetch_all(&twins.app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        stored,
        vec![
            ("brand-b".to_owned(), "flourish".to_owned()),
            ("default".to_owned(), "leaflink".to_owned())
        ]
    );
    twins.app.stop().await;
}

/// The owner of a connection other than the process's own hears about its platform refusing
/// the API key: the notifier watches every running connection's clients.
#[tokio::test]
async fn another_connections_refused_key_is_noticed_for_that_connection_only() {
    let twins = twins().await;
    let app = &twins.app;
    let now = leafbridge::store::now_ms();
    let running = app.state.connections.get("brand-b").expect("brand-b runs");
    let sync = running.sync.as_ref().expect("brand-b has both clients");
    sync.leaflink.usage().record("GET", Some(401), now);
    let notifier = leafbridge::notify::Notifier {
        db: app.db.clone(),
        ingest: app.state.ingest.clone(),
        period: Duration::from_secs(60),
        base_url: app.address.clone(),
        connection: "default".into(),
        watched: Vec::new(),
        connections: Some(app.state.connections.clone()),
    };
    let brand_b = notifier.pass_connection("brand-b", now).await.unwrap();
    assert!(brand_b.opened >= 1, "{brand_b:?}");
    let own = notifier.pass_connection("default", now).await.unwrap();
    assert_eq!(own.opened, 0, "{own:?}");
}
