//! End-to-end benchmark: LeafLink order webhook → Flourish outbound order exists, through the real
//! HTTP path (LeafLink simulator → leafbridge ingress → worker → Flourish simulator), at a fixed
//! order rate. Prints p50/p95/max latency and the throughput reached.
//!
//! `cargo bench --bench e2e` (env: `E2E_RATE` orders/second, default 20; `E2E_SECONDS`, default 10).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use leafbridge::app::Application;
use leafbridge::cli::serve::wiring;
use leafbridge::cli::simulate::BUILTIN_SEED;
use leafbridge::config::Config;
use leafbridge::sim::flourish::{FlourishSim, FlourishSimConfig, flourish_webhook_target};
use leafbridge::sim::leaflink::{LeafLinkSim, LeafLinkSimConfig, SimOrderLine, webhook_target};
use parking_lot::Mutex;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

/// Records when Flourish announces an order created for a LeafLink number.
async fn flourish_webhook(State(arrivals): State<Arrivals>, body: Bytes) -> &'static str {
    if let Ok(value) = serde_json::from_slice::<Value>(&body)
        && value["resource_type"] == "order"
        && let Some(number) = value["data"]["original_order_id"].as_str()
    {
        arrivals
            .lock()
            .entry(number.to_owned())
            .or_insert_with(Instant::now);
    }
    "ok"
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let rate = env_number("E2E_RATE", 20).max(1);
    let seconds = env_number("E2E_SECONDS", 10).max(1);
    let dir = tempfile::tempdir()?;
    let seed: Value = serde_json::from_str(BUILTIN_SEED)?;
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
    // The load is the point here, not LeafLink's 300 requests a minute.
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

    let arrivals: Arrivals = Arc::default();
    let receiver = tokio::net::TcpListener::bind(local).await?;
    let receiver_url = format!("http://{}/", receiver.local_addr()?);
    let router = Router::new()
        .route("/", post(flourish_webhook))
        .with_state(arrivals.clone());
    tokio::spawn(async move { axum::serve(receiver, router).await });

    let database = format!("sqlite://{}", dir.path().join("e2e.db").display());
    let env: HashMap<String, String> = [
        ("LEAFBRIDGE_DATABASE_URL", database.as_str()),
        ("LEAFBRIDGE_LISTEN", "127.0.0.1:0"),
        ("LEAFBRIDGE_LEAFLINK_WEBHOOK_KEY", "ll"),
        ("LEAFBRIDGE_FLOURISH_WEBHOOK_KEY", "fl"),
        ("LEAFBRIDGE_ADMIN_TOKEN", "bench-admin-token"),
        ("LEAFBRIDGE_LEAFLINK_BASE_URL", &leaflink.base_url()),
        ("LEAFBRIDGE_LEAFLINK_API_KEY", "k"),
        ("LEAFBRIDGE_FLOURISH_BASE_URL", &flourish.base_url()),
        ("LEAFBRIDGE_FLOURISH_API_KEY", "k"),
        ("LEAFBRIDGE_LEAFLINK_REQUESTS_PER_MINUTE", "600000"),
        ("LEAFBRIDGE_FLOURISH_REQUESTS_PER_SECOND", "10000"),
        ("LEAFBRIDGE_CATEGORY_MAP", "Gummies=Edible"),
        ("LEAFBRIDGE_POLL_ORDERS_SECONDS", "0"),
        ("LEAFBRIDGE_POLL_CUSTOMERS_SECONDS", "0"),
        ("LEAFBRIDGE_POLL_ITEMS_SECONDS", "0"),
        ("LEAFBRIDGE_POLL_INVENTORY_SECONDS", "0"),
        ("RUST_LOG", "warn"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let config = Config::from_sources(None, &env)?;
    let app = Application::build_with(config.clone(), |db| wiring(&config, db)).await?;
    let address = format!("http://{}", app.local_addr());
    leaflink.outbox().set_target(Some(webhook_target(
        format!("{address}/webhooks/leaflink"),
        "ll",
    )));
    flourish
        .outbox()
        .set_target(Some(flourish_webhook_target(receiver_url, "fl")));
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(app.run(shutdown.clone(), true));

    println!(
        "end-to-end: {rate} orders/s for {seconds} s (LeafLink order → Flourish order exists)"
    );
    let total = (rate * seconds) as usize;
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let mut placed: Vec<(String, Instant)> = Vec::with_capacity(total);
    let started = Instant::now();
    let mut tick = tokio::time::interval(interval);
    for i in 0..total {
        tick.tick().await;
        let customer = [311, 312, 315][i % 3];
        let rep = [42, 57, 61][i % 3];
        let line = SimOrderLine::cases(5150, 1).with_batch(77);
        let number = leaflink
            .place_order(customer, &[rep], &[line])
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        placed.push((number, Instant::now()));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while arrivals.lock().len() < total && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let elapsed = started.elapsed();
    let arrived = arrivals.lock().clone();
    let mut latencies: Vec<Duration> = placed
        .iter()
        .filter_map(|(number, at)| {
            arrived
                .get(number)
                .map(|done| done.saturating_duration_since(*at))
        })
        .collect();
    latencies.sort();
    shutdown.cancel();
    let _ = server.await;
    if latencies.is_empty() {
        anyhow::bail!("no order reached Flourish");
    }
    println!(
        "orders: {} placed, {} arrived in Flourish; throughput {:.1} orders/s",
        total,
        latencies.len(),
        latencies.len() as f64 / elapsed.as_secs_f64()
    );
    println!(
        "latency: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms (target: p95 < 100 ms at 20 orders/s)",
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.95).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3
    );
    Ok(())
}
