//! Soak: steady signed LeafLink order webhooks against leafbridge on SQLite, with the worker
//! processing their jobs at the same time, printing the process's resident memory over time.
//!
//! Run with `cargo bench --bench soak`. Settings (environment): `LEAFBRIDGE_SOAK_SECONDS` (600),
//! `LEAFBRIDGE_SOAK_RATE` webhooks per second (200), `LEAFBRIDGE_SOAK_SENDERS` (32),
//! `LEAFBRIDGE_SOAK_EVERY_SECONDS` between memory samples (10). The load generator runs in the
//! same process, so its memory is included: the figure is an upper bound for the service. At the
//! end it prints the acknowledgement latency, the CPU time per webhook and checks that every
//! acknowledged webhook was stored with its job.

mod common {
    pub mod process;
    pub mod webhooks;
}

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::process::{load_average, rss_mb};
use common::webhooks::{Load, ReadsItsEvent, check_durability, config, load};
use leafbridge::app::Application;
use leafbridge::jobs::Processors;
use tokio_util::sync::CancellationToken;

fn main() -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}

fn setting(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

async fn run() -> anyhow::Result<()> {
    let seconds = setting("LEAFBRIDGE_SOAK_SECONDS", 600.0);
    let rate = setting("LEAFBRIDGE_SOAK_RATE", 200.0);
    let senders = setting("LEAFBRIDGE_SOAK_SENDERS", 32.0).max(1.0) as usize;
    let every = Duration::from_secs_f64(setting("LEAFBRIDGE_SOAK_EVERY_SECONDS", 10.0));
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("soak.db").display());
    let mut processors = Processors::new();
    processors.register("leaflink.order", Arc::new(ReadsItsEvent));
    let app = Application::build(config(&url)?, processors).await?;
    let webhook = format!("http://{}/webhooks/leaflink", app.local_addr());
    let db = app.state().db.clone();
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(app.run(shutdown.clone(), true));
    println!(
        "soak: {rate:.0} webhooks/s from {senders} senders for {seconds:.0} s, SQLite, worker on; \
         load average {:.1}",
        load_average().unwrap_or(f64::NAN)
    );
    println!("RSS at start: {:.1} MB", rss_mb().unwrap_or(f64::NAN));
    let shape = Load {
        concurrency: senders,
        warmup: Duration::ZERO,
        measure: Duration::from_secs_f64(seconds),
    };
    let started = Instant::now();
    let until = started + shape.measure;
    let sending = tokio::spawn(async move { load("soak", &webhook, shape, Some(rate)).await });
    let mut peak: f64 = 0.0;
    while Instant::now() < until {
        tokio::time::sleep(every.min(until.saturating_duration_since(Instant::now()))).await;
        let rss = rss_mb().unwrap_or(f64::NAN);
        peak = peak.max(rss);
        let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE state = 'done'")
            .fetch_one(&db.pool)
            .await?;
        let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events")
            .fetch_one(&db.pool)
            .await?;
        println!(
            "{:>6.0} s  RSS {rss:>6.1} MB  stored {events:>8}  jobs done {done:>8}  load {:.1}",
            started.elapsed().as_secs_f64(),
            load_average().unwrap_or(f64::NAN),
        );
    }
    let figures = sending.await??;
    shutdown.cancel();
    server.await??;
    check_durability(&db, figures.acknowledged).await?;
    println!(
        "{}: peak RSS {peak:.1} MB over {:.0} s; {} webhooks acknowledged ({:.0}/s), p50 {:.2} ms, \
         p99 {:.2} ms, CPU {} µs per webhook (server, worker and senders)",
        figures.name,
        started.elapsed().as_secs_f64(),
        figures.acknowledged,
        figures.throughput,
        figures.p50.as_secs_f64() * 1e3,
        figures.p99.as_secs_f64() * 1e3,
        figures
            .cpu_per_request
            .map_or("n/a".to_owned(), |cpu| cpu.as_micros().to_string()),
    );
    Ok(())
}
