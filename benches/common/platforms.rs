//! Both platform simulators (LeafLink without its rate limit) and leafbridge wired to them on a
//! scratch SQLite database, with LeafLink's webhooks going to leafbridge and every poller off.
//! Where Flourish's webhooks go and whether the worker runs are the caller's choice.

use std::collections::HashMap;
use std::net::SocketAddr;

use leafbridge::app::Application;
use leafbridge::cli::serve::wiring;
use leafbridge::config::Config;
use leafbridge::sim::flourish::{FlourishSim, FlourishSimConfig};
use leafbridge::sim::leaflink::{LeafLinkSim, LeafLinkSimConfig, webhook_target};
use serde_json::Value;

/// The operator API's bearer token.
pub const ADMIN_TOKEN: &str = "bench-admin-token";
/// The key Flourish's webhooks are signed with (what leafbridge expects).
pub const FLOURISH_WEBHOOK_KEY: &str = "fl";

/// Started simulators and a built (not yet running) leafbridge.
pub struct Platforms {
    pub leaflink: LeafLinkSim,
    pub flourish: FlourishSim,
    /// Run it with `app.run(shutdown, run_worker)`; `app.worker()` drives the worker by hand.
    pub app: Application,
    /// `http://` and leafbridge's address.
    pub address: String,
    _dir: tempfile::TempDir,
}

/// Starts the simulators on `seed` (`{"leaflink": …, "flourish": …}`) and builds leafbridge
/// against them; `settings` are extra `LEAFBRIDGE_*` variables (they win over the defaults).
pub async fn start(seed: &Value, settings: &[(&str, &str)]) -> anyhow::Result<Platforms> {
    let dir = tempfile::tempdir()?;
    let local: SocketAddr = "127.0.0.1:0".parse()?;
    let leaflink = LeafLinkSim::start(
        local,
        LeafLinkSimConfig {
            api_key: "k".into(),
            webhook: None,
        },
        Some(&seed["leaflink"]),
    )
    .await?;
    // Load (or counting calls) is the point here, not LeafLink's 300 requests a minute.
    leaflink.set_rate_limit(None);
    let flourish = FlourishSim::start(
        local,
        FlourishSimConfig {
            api_key: "k".into(),
            webhook: None,
        },
        Some(&seed["flourish"]),
    )
    .await?;
    let database = format!("sqlite://{}", dir.path().join("leafbridge.db").display());
    let (leaflink_url, flourish_url) = (leaflink.base_url(), flourish.base_url());
    let defaults = [
        ("LEAFBRIDGE_DATABASE_URL", database.as_str()),
        ("LEAFBRIDGE_LISTEN", "127.0.0.1:0"),
        ("LEAFBRIDGE_LEAFLINK_WEBHOOK_KEY", "ll"),
        ("LEAFBRIDGE_FLOURISH_WEBHOOK_KEY", FLOURISH_WEBHOOK_KEY),
        ("LEAFBRIDGE_ADMIN_TOKEN", ADMIN_TOKEN),
        ("LEAFBRIDGE_LEAFLINK_BASE_URL", &leaflink_url),
        ("LEAFBRIDGE_LEAFLINK_API_KEY", "k"),
        ("LEAFBRIDGE_FLOURISH_BASE_URL", &flourish_url),
        ("LEAFBRIDGE_FLOURISH_API_KEY", "k"),
        ("LEAFBRIDGE_LEAFLINK_REQUESTS_PER_MINUTE", "600000"),
        ("LEAFBRIDGE_FLOURISH_REQUESTS_PER_SECOND", "10000"),
        ("LEAFBRIDGE_CATEGORY_MAP", "Gummies=Edible"),
        ("LEAFBRIDGE_POLL_ORDERS_SECONDS", "0"),
        ("LEAFBRIDGE_POLL_CUSTOMERS_SECONDS", "0"),
        ("LEAFBRIDGE_POLL_ITEMS_SECONDS", "0"),
        ("LEAFBRIDGE_POLL_INVENTORY_SECONDS", "0"),
        ("RUST_LOG", "warn"),
    ];
    let env: HashMap<String, String> = defaults
        .iter()
        .chain(settings)
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let config = Config::from_sources(None, &env)?;
    let app = Application::build_with(config.clone(), |db| wiring(&config, db)).await?;
    let address = format!("http://{}", app.local_addr());
    leaflink.outbox().set_target(Some(webhook_target(
        format!("{address}/webhooks/leaflink"),
        "ll",
    )));
    Ok(Platforms {
        leaflink,
        flourish,
        app,
        address,
        _dir: dir,
    })
}
