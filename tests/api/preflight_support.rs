//! Shared set-up for the preflight tests: both simulators on the Canyon Farms seed, a migrated
//! SQLite database and the settings of `fixtures/expected-findings.json`.

use std::collections::{BTreeSet, HashSet};
use std::net::SocketAddr;
use std::time::Duration;

use leafbridge::flourish::FlourishConfig;
use leafbridge::leaflink::{AuthScheme, LeafLinkConfig};
use leafbridge::matcher::order::Routing;
use leafbridge::matcher::{CategoryMap, FeedingFacilities, StrainMatching};
use leafbridge::preflight::{CheckSettings, Finding, PreflightSettings};
use leafbridge::remote::TransportConfig;
use leafbridge::sim::flourish::{FlourishSim, FlourishSimConfig};
use leafbridge::sim::leaflink::{LeafLinkSim, LeafLinkSimConfig};
use leafbridge::store::Db;
use serde_json::Value;

pub const LEAFLINK_KEY: &str = "preflight-leaflink-key";
pub const FLOURISH_KEY: &str = "preflight-flourish-key";

/// The seed dataset and its expected findings.
pub fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("fixture is readable");
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// Both simulators on the seed, a migrated database and matching settings.
pub struct World {
    pub leaflink: LeafLinkSim,
    /// Kept running for as long as the world lives.
    _flourish: FlourishSim,
    pub settings: PreflightSettings,
    _dir: tempfile::TempDir,
}

fn listen() -> SocketAddr {
    "127.0.0.1:0".parse().expect("address")
}

fn transport() -> TransportConfig {
    TransportConfig {
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(10),
        requests_per_minute: 600_000,
        burst: 10_000,
        max_retries: 0,
        retry_backoff: Duration::from_millis(1),
    }
}

/// The `config` block of `expected-findings.json` as check settings.
pub fn check_settings(config: &Value) -> CheckSettings {
    let map = config["category_map"].as_object().expect("category map");
    let pairs = map
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()));
    let strain_matching: StrainMatching =
        serde_json::from_value(config["strain_matching"].clone()).expect("strain matching");
    assert_eq!(
        config["routing"], "sales_rep",
        "the seed routes by sales rep"
    );
    let facilities: HashSet<String> = config["inventory_facilities"]
        .as_array()
        .expect("facilities")
        .iter()
        .filter_map(|f| f.as_str().map(str::to_owned))
        .collect();
    CheckSettings {
        category_map: CategoryMap::new(pairs),
        strain_matching,
        routing: Routing::BySalesRep,
        feeding: FeedingFacilities::Only(facilities),
        product_lines_managed: true,
        leaflink_license: config["leaflink_license"].as_str().map(str::to_owned),
        subcategory_map: config["subcategory_map"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect(),
    }
}

/// Starts both simulators on `seed` and migrates a fresh SQLite database.
pub async fn start(seed: &Value) -> World {
    let leaflink = LeafLinkSim::start(
        listen(),
        LeafLinkSimConfig {
            api_key: LEAFLINK_KEY.into(),
            webhook: None,
        },
        Some(&seed["leaflink"]),
    )
    .await
    .expect("LeafLink simulator starts");
    let flourish = FlourishSim::start(
        listen(),
        FlourishSimConfig {
            api_key: FLOURISH_KEY.into(),
            webhook: None,
        },
        Some(&seed["flourish"]),
    )
    .await
    .expect("Flourish simulator starts");
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = format!("sqlite://{}", dir.path().join("leafbridge.db").display());
    Db::connect(&database_url)
        .await
        .expect("database")
        .migrate()
        .await
        .expect("migrations");
    let expected = fixture("expected-findings.json");
    let settings = PreflightSettings {
        leaflink: LeafLinkConfig {
            base_url: leaflink.base_url(),
            api_key: LEAFLINK_KEY.into(),
            auth_scheme: AuthScheme::App,
            transport: transport(),
        },
        flourish: FlourishConfig {
            base_url: flourish.base_url(),
            api_key: FLOURISH_KEY.into(),
            transport: transport(),
        },
        checks: check_settings(&expected["config"]),
        leaflink_webhook_key: true,
        flourish_webhook_key: true,
        database_url: Some(database_url),
        connection: "default".into(),
    };
    World {
        leaflink,
        _flourish: flourish,
        settings,
        _dir: dir,
    }
}

/// A finding as the fixtures compare it: the check and the set of `(side, kind, id)`.
pub type Shape = (String, BTreeSet<(String, String, String)>);

fn shape_of(value: &Value) -> Shape {
    let records = value["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| {
            let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            (
                text(&r["side"]),
                text(&r["kind"]),
                serde_json::to_string(&r["id"]).expect("id"),
            )
        })
        .collect();
    (value["check"].as_str().expect("check").to_owned(), records)
}

/// The shapes of reported findings.
pub fn shapes(findings: &[Finding]) -> BTreeSet<Shape> {
    findings
        .iter()
        .map(|f| shape_of(&serde_json::to_value(f).expect("finding is JSON")))
        .collect()
}

/// The shapes of the expected findings.
pub fn expected_shapes() -> BTreeSet<Shape> {
    fixture("expected-findings.json")["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(shape_of)
        .collect()
}
