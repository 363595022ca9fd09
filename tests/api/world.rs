//! A whole world for end-to-end tests: both simulators seeded with `fixtures/seed.json`, a
//! leafbridge running every flow against them, and the simulators' webhooks wired to it.

use std::time::Duration;

use leafbridge::config::{Config, SyncSettings};
use leafbridge::flourish::FlourishConfig;
use leafbridge::leaflink::{AuthScheme, LeafLinkConfig};
use leafbridge::remote::TransportConfig;
use leafbridge::sim::flourish::{FlourishSim, FlourishSimConfig, flourish_webhook_target};
use leafbridge::sim::leaflink::{LeafLinkSim, LeafLinkSimConfig, webhook_target};
use serde_json::Value;

use crate::helpers::{
    FLOURISH_KEY, LEAFLINK_KEY, TestApp, TestDatabase, fresh_database, spawn_app_with, test_config,
};

pub const LEAFLINK_API_KEY: &str = "leaflink-api-key";
pub const FLOURISH_API_KEY: &str = "flourish-api-key";

/// The seed dataset.
pub fn seed() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/seed.json"))
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The sync settings the seed dataset is written for (see `fixtures/expected-findings.json`).
pub fn seed_settings() -> SyncSettings {
    SyncSettings {
        category_map: vec![("Gummies".into(), "Edible".into())],
        leaflink_license: Some("C11-0004127-LIC".into()),
        subcategory_map: vec![
            ("Flower".into(), "Indoor".into()),
            ("Edible".into(), "Chocolates".into()),
            ("Vape".into(), "Cartridges".into()),
        ],
        ..SyncSettings::default()
    }
}

pub struct World {
    pub app: TestApp,
    pub leaflink: LeafLinkSim,
    pub flourish: FlourishSim,
}

/// Fast transport for tests: no rate limit to speak of, quick retries.
fn transport() -> TransportConfig {
    TransportConfig {
        requests_per_minute: 600_000,
        burst: 1_000,
        retry_backoff: Duration::from_millis(10),
        ..TransportConfig::flourish_default()
    }
}

/// The world's leafbridge configuration on database `url`.
fn world_config(
    leaflink_url: String,
    flourish_url: String,
    settings: SyncSettings,
) -> impl FnOnce(&str) -> Config {
    move |url: &str| -> Config {
        let mut config = test_config(url);
        config.connection.leaflink = Some(LeafLinkConfig {
            base_url: leaflink_url,
            api_key: LEAFLINK_API_KEY.into(),
            auth_scheme: AuthScheme::App,
            transport: transport(),
        });
        config.connection.flourish = Some(FlourishConfig {
            base_url: flourish_url,
            api_key: FLOURISH_API_KEY.into(),
            transport: transport(),
        });
        config.connection.sync = settings;
        config
    }
}

/// Starts leafbridge with every flow on `database` and points both simulators' webhooks at it.
async fn wire(
    database: TestDatabase,
    leaflink: LeafLinkSim,
    flourish: FlourishSim,
    settings: SyncSettings,
) -> World {
    let config = world_config(leaflink.base_url(), flourish.base_url(), settings);
    let wiring =
        |config: &Config, db: &leafbridge::store::Db| leafbridge::cli::serve::wiring(config, db);
    let app = spawn_app_with(database, config, wiring, false).await;
    leaflink.outbox().set_target(Some(webhook_target(
        format!("{}/webhooks/leaflink", app.address),
        LEAFLINK_KEY,
    )));
    flourish.outbox().set_target(Some(flourish_webhook_target(
        format!("{}/webhooks/flourish", app.address),
        FLOURISH_KEY,
    )));
    World {
        app,
        leaflink,
        flourish,
    }
}

/// Starts the world with the seed and `settings`.
pub async fn spawn_world_with(settings: SyncSettings) -> World {
    let seed = seed();
    let localhost = "127.0.0.1:0".parse().unwrap();
    let leaflink_config = LeafLinkSimConfig {
        api_key: LEAFLINK_API_KEY.into(),
        webhook: None,
    };
    let leaflink = LeafLinkSim::start(localhost, leaflink_config, Some(&seed["leaflink"]))
        .await
        .unwrap();
    let flourish_config = FlourishSimConfig {
        api_key: FLOURISH_API_KEY.into(),
        webhook: None,
    };
    let flourish = FlourishSim::start(localhost, flourish_config, Some(&seed["flourish"]))
        .await
        .unwrap();
    wire(fresh_database().await, leaflink, flourish, settings).await
}

/// Stops the world's leafbridge and starts a new one on the same database and simulators.
pub async fn restart(world: World) -> World {
    let World {
        app,
        leaflink,
        flourish,
    } = world;
    let TestApp {
        shutdown,
        server,
        _database: database,
        ..
    } = app;
    shutdown.cancel();
    server.await.unwrap().unwrap();
    wire(database, leaflink, flourish, seed_settings()).await
}

pub async fn spawn_world() -> World {
    spawn_world_with(seed_settings()).await
}

impl World {
    /// Delivers every pending webhook and runs every runnable job, until nothing moves. Panics
    /// if the two sides keep echoing each other.
    pub async fn settle(&self) {
        for _ in 0..50 {
            let before = self.leaflink.outbox().deliveries().len()
                + self.flourish.outbox().deliveries().len();
            self.leaflink.outbox().flush().await;
            self.flourish.outbox().flush().await;
            let after = self.leaflink.outbox().deliveries().len()
                + self.flourish.outbox().deliveries().len();
            let ran = self.app.drain(Duration::ZERO).await;
            if ran == 0 && after == before {
                return;
            }
        }
        panic!("the world did not settle: webhooks and jobs keep coming");
    }

    /// Events recorded by leafbridge, newest first, as JSON.
    pub async fn events(&self, query: &str) -> Vec<Value> {
        let page: Value = self
            .app
            .admin_get(&format!("/api/v1/events?limit=200&{query}"))
            .await
            .json()
            .await
            .unwrap();
        page["items"].as_array().unwrap().clone()
    }
}

#[tokio::test]
async fn the_world_starts_with_the_seed_and_settles() {
    let world = spawn_world().await;
    world.settle().await;
    assert_eq!(world.app.queue().await.pending, 0);
    assert!(
        world.events("").await.is_empty(),
        "nothing happened, so nothing was recorded"
    );
    assert!(world.leaflink.dump()["products"].as_array().unwrap().len() >= 40);
    assert!(world.flourish.dump()["items"].as_array().unwrap().len() >= 40);
}

#[tokio::test]
async fn the_preflight_endpoint_reports_the_seed_mismatches_to_operators() {
    let world = spawn_world().await;
    let unauthenticated = world
        .app
        .http
        .get(format!("{}/api/v1/preflight", world.app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);
    let response = world.app.admin_get("/api/v1/preflight").await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    let checks: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check"].as_str().unwrap())
        .collect();
    for expected in [
        "brand_missing_in_leaflink",
        "sku_near_miss",
        "duplicate_customer_license",
    ] {
        assert!(
            checks.contains(&expected),
            "{expected} missing from {checks:?}"
        );
    }
    assert!(report["summary"]["errors"].as_u64().unwrap() > 0);
}
