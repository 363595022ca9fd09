//! End-to-end benchmark: LeafLink order webhook → Flourish outbound order exists, through the real
//! HTTP path (LeafLink simulator → leafbridge ingress → worker → Flourish simulator), at a fixed
//! order rate. Prints p50/p95/max latency, the throughput reached, where the time went (stage by
//! stage, from leafbridge's job and platform-call spans), the calls per order, the process's CPU
//! time per order and its resident memory.
//!
//! `cargo bench --bench e2e` (env: `E2E_RATE` orders/second, default 20; `E2E_SECONDS`, default
//! 10; `LEAFBRIDGE_WORKERS` is passed on to leafbridge). Simulators, load generator and leafbridge share one process: CPU and RSS are upper
//! bounds for leafbridge alone.

mod common {
    pub mod platforms;
    pub mod process;
    pub mod stages;
}

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use common::platforms::{self, ADMIN_TOKEN, FLOURISH_WEBHOOK_KEY};
use common::process::{cpu_in_window, load_average, rss_mb};
use common::stages::{JobRun, StageRecorder};
use leafbridge::cli::simulate::BUILTIN_SEED;
use leafbridge::sim::flourish::flourish_webhook_target;
use leafbridge::sim::leaflink::SimOrderLine;
use parking_lot::Mutex;
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, filter};

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

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// Converts instants to Unix milliseconds (the store's clock) from one reading of both clocks.
#[derive(Clone, Copy)]
struct Clock {
    instant: Instant,
    unix_ms: f64,
}

impl Clock {
    fn now() -> Self {
        let unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Self {
            instant: Instant::now(),
            unix_ms: unix.as_secs_f64() * 1e3,
        }
    }

    fn unix_ms(&self, at: Instant) -> f64 {
        let since = at.saturating_duration_since(self.instant).as_secs_f64() * 1e3;
        let before = self.instant.saturating_duration_since(at).as_secs_f64() * 1e3;
        self.unix_ms + since - before
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let recorder = StageRecorder::default();
    let spans = filter::filter_fn(|meta| matches!(meta.name(), "job" | "platform_call"));
    tracing_subscriber::registry()
        .with(recorder.clone().with_filter(spans))
        .with(tracing_subscriber::fmt::layer().with_filter(filter::LevelFilter::WARN))
        .init();
    let rate = env_number("E2E_RATE", 20).max(1);
    let seconds = env_number("E2E_SECONDS", 10).max(1);
    let seed: Value = serde_json::from_str(BUILTIN_SEED)?;
    // `LEAFBRIDGE_WORKERS` from the environment, to compare worker counts without a rebuild.
    let workers = std::env::var("LEAFBRIDGE_WORKERS").ok();
    let settings: Vec<(&str, &str)> = workers
        .iter()
        .map(|w| ("LEAFBRIDGE_WORKERS", w.as_str()))
        .collect();
    let platforms = platforms::start(&seed, &settings).await?;

    let arrivals: Arrivals = Arc::default();
    let receiver = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let receiver_url = format!("http://{}/", receiver.local_addr()?);
    let router = Router::new()
        .route("/", post(flourish_webhook))
        .with_state(arrivals.clone());
    tokio::spawn(async move { axum::serve(receiver, router).await });
    platforms
        .flourish
        .outbox()
        .set_target(Some(flourish_webhook_target(
            receiver_url,
            FLOURISH_WEBHOOK_KEY,
        )));

    let db = platforms.app.state().db.clone();
    let workers = platforms.app.worker().concurrency();
    let address = platforms.address.clone();
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(platforms.app.run(shutdown.clone(), true));

    println!(
        "end-to-end: {rate} orders/s for {seconds} s (LeafLink order → Flourish order exists), \
         {workers} worker slots, {} cores, load average {:.2} at start",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average().unwrap_or(f64::NAN)
    );
    let total = (rate * seconds) as usize;
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let mut placed: Vec<(String, Instant)> = Vec::with_capacity(total);
    let clock = Clock::now();
    let started = Instant::now();
    let cpu = tokio::spawn(cpu_in_window(started, Duration::from_secs(seconds)));
    let mut tick = tokio::time::interval(interval);
    let mut rss_under_load: f64 = 0.0;
    for i in 0..total {
        tick.tick().await;
        let customer = [311, 312, 315][i % 3];
        let rep = [42, 57, 61][i % 3];
        let line = SimOrderLine::cases(5150, 1).with_batch(77);
        let number = platforms
            .leaflink
            .place_order(customer, &[rep], &[line])
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        placed.push((number, Instant::now()));
        if i % rate as usize == 0 {
            rss_under_load = rss_under_load.max(rss_mb().unwrap_or(f64::NAN));
        }
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while arrivals.lock().len() < total && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let elapsed = started.elapsed();
    let cpu = cpu.await?;
    let load_after = load_average().unwrap_or(f64::NAN);
    let arrived = arrivals.lock().clone();
    let mut latencies: Vec<f64> = placed
        .iter()
        .filter_map(|(number, at)| {
            arrived
                .get(number)
                .map(|done| done.saturating_duration_since(*at).as_secs_f64() * 1e3)
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    let stats = reqwest::Client::new()
        .get(format!("{address}/api/v1/stats"))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await?
        .json::<Value>()
        .await?;
    shutdown.cancel();
    server.await??;
    anyhow::ensure!(!latencies.is_empty(), "no order reached Flourish");
    println!(
        "orders: {} placed, {} arrived in Flourish; throughput {:.1} orders/s",
        total,
        latencies.len(),
        latencies.len() as f64 / elapsed.as_secs_f64()
    );
    println!(
        "latency: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms (target: p95 < 100 ms)",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.95),
        percentile(&latencies, 1.0),
    );
    let orders = latencies.len().max(1) as f64;
    println!(
        "process (simulators + leafbridge + load): CPU {:.2} ms per order while placing; \
         peak RSS under load {rss_under_load:.1} MB, {:.1} MB at the end; load average {load_after:.2} \
         at the end",
        cpu.map_or(f64::NAN, |cpu| cpu.as_secs_f64() * 1e3 / (total as f64)),
        rss_mb().unwrap_or(f64::NAN),
    );
    for platform in stats["platform_calls"].as_array().into_iter().flatten() {
        println!(
            "calls to {}: {:.1} per order ({} in all), rate-limiter wait {} ms",
            platform["platform"].as_str().unwrap_or("?"),
            platform["since_start"].as_f64().unwrap_or(0.0) / orders,
            platform["since_start"],
            platform["limiter_wait_ms"],
        );
    }
    let stored = stored_events(&db).await?;
    print_stages(&placed, &arrived, &recorder.runs(), &stored, clock);
    Ok(())
}

/// Per job id: its order number and when its event was stored (Unix ms).
async fn stored_events(
    db: &leafbridge::store::Db,
) -> anyhow::Result<HashMap<String, (String, i64)>> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT j.id, j.entity_key, e.received_at FROM jobs j JOIN events e ON e.id = j.event_id",
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(job, key, at)| {
            let number = key
                .split_once(':')
                .map_or(key.as_str(), |(_, n)| n)
                .to_owned();
            (job, (number, at))
        })
        .collect())
}

/// Stage by stage, for the job that created each order in Flourish.
fn print_stages(
    placed: &[(String, Instant)],
    arrived: &HashMap<String, Instant>,
    runs: &[JobRun],
    stored: &HashMap<String, (String, i64)>,
    clock: Clock,
) {
    let mut runs_per_order: HashMap<&str, Vec<&JobRun>> = HashMap::new();
    for run in runs {
        if let Some((number, _)) = stored.get(&run.job_id) {
            runs_per_order.entry(number.as_str()).or_default().push(run);
        }
    }
    let names = [
        "placed → event stored (LeafLink delivery, ingest)",
        "event stored → job claimed (queue)",
        "claimed → plan made (reads)",
        "plan → platform writes answered",
        "writes → job done (result recorded)",
        "writes → Flourish webhook seen (beside the above)",
    ];
    let mut stages: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    let (mut reads, mut writes, mut jobs) = (0u32, 0u32, 0usize);
    for (number, at) in placed {
        let Some(order_runs) = runs_per_order.get(number.as_str()) else {
            continue;
        };
        jobs += order_runs.len();
        reads += order_runs.iter().map(|r| r.reads).sum::<u32>();
        writes += order_runs.iter().map(|r| r.writes).sum::<u32>();
        let Some(run) = order_runs.iter().find(|r| r.writes > 0) else {
            continue;
        };
        let (Some(first_write), Some(last_write), Some(seen)) =
            (run.first_write, run.last_write_end, arrived.get(number))
        else {
            continue;
        };
        let Some((_, stored_at)) = stored.get(&run.job_id) else {
            continue;
        };
        let stored_at = *stored_at as f64;
        let ms = |a: Instant, b: Instant| b.saturating_duration_since(a).as_secs_f64() * 1e3;
        let points = [
            stored_at - clock.unix_ms(*at),
            clock.unix_ms(run.claimed) - stored_at,
            ms(run.claimed, first_write),
            ms(first_write, last_write),
            ms(last_write, run.finished),
            ms(last_write, *seen),
        ];
        for (stage, value) in stages.iter_mut().zip(points) {
            stage.push(value);
        }
    }
    let orders = placed.len().max(1) as f64;
    println!(
        "per order: {:.2} jobs, {:.1} platform reads, {:.1} platform writes (from the job spans)",
        jobs as f64 / orders,
        reads as f64 / orders,
        writes as f64 / orders
    );
    println!(
        "stages of the creating job ({} orders; event times are stored in whole ms):",
        stages[0].len()
    );
    println!(
        "  {:<52} {:>9} {:>9} {:>9}",
        "stage", "mean ms", "p50 ms", "p95 ms"
    );
    for (name, mut values) in names.iter().zip(stages) {
        values.sort_by(f64::total_cmp);
        let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
        println!(
            "  {name:<52} {mean:>9.1} {:>9.1} {:>9.1}",
            percentile(&values, 0.50),
            percentile(&values, 0.95)
        );
    }
}
