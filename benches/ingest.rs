//! Webhook ingest over loopback: signed LeafLink order webhooks from a fixed number of
//! keep-alive senders against (a) a bare handler that only verifies the HMAC and (b) leafbridge's
//! durable path on SQLite and, when a server is configured, on PostgreSQL, all in one run.
//!
//! Run with `cargo bench --bench ingest`. Settings (environment or `--name value` arguments):
//! `LEAFBRIDGE_BENCH_CONCURRENCY` / `--concurrency` (64), `LEAFBRIDGE_BENCH_SECONDS` /
//! `--seconds` (5), `LEAFBRIDGE_BENCH_WARMUP_SECONDS` / `--warmup` (1), and
//! `LEAFBRIDGE_BENCH_POSTGRES_URL` (or `LEAFBRIDGE_TEST_POSTGRES_URL`) for the PostgreSQL row.
//! After each durable run the store must hold exactly one event and one job per acknowledgement.
//! Row (d) is the job-producing mix on SQLite: webhooks paced at `LEAFBRIDGE_BENCH_RATE` /
//! `--rate` per second in total (200) from `LEAFBRIDGE_BENCH_MIX_SENDERS` / `--mix-senders` (32)
//! senders, while the worker claims, runs and completes their jobs at the same time (a processor
//! that reads its event, as flows do, then waits 2 ms for a platform).
//! `LEAFBRIDGE_BENCH_ROWS` / `--rows` picks the rows to run (`abcd`, the default; `d` for the mix
//! alone). After the mix the process's resident memory is printed.
//! The last column is the CPU time of the whole process (server and load generator together)
//! per measured request: a figure that moves less than the others when the machine is shared.

mod common {
    pub mod process;
    pub mod webhooks;
}

use std::collections::HashMap;
use std::future::IntoFuture;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use common::process::{load_average, rss_mb};
use common::webhooks::{Figures, KEY, Load, ReadsItsEvent, check_durability, config, load};
use leafbridge::app::Application;
use leafbridge::jobs::Processors;
use sqlx::Connection;
use tokio_util::sync::CancellationToken;

/// How the load is shaped.
#[derive(Clone, Copy, Debug)]
struct Settings {
    load: Load,
    /// Webhooks per second of the job-producing mix, over all its senders.
    rate: f64,
    mix_senders: usize,
}

/// Which rows to run, by letter.
fn rows_wanted(args: &HashMap<String, String>) -> String {
    args.get("--rows")
        .cloned()
        .or_else(|| std::env::var("LEAFBRIDGE_BENCH_ROWS").ok())
        .unwrap_or_else(|| "abcd".to_owned())
}

fn main() -> anyhow::Result<()> {
    let (settings, wanted) = settings();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(settings, &wanted))
}

fn setting(args: &HashMap<String, String>, flag: &str, env: &str, default: f64) -> f64 {
    let text = args.get(flag).cloned().or_else(|| std::env::var(env).ok());
    text.map(|t| {
        t.parse()
            .unwrap_or_else(|_| panic!("{flag} / {env}: not a number: {t}"))
    })
    .unwrap_or(default)
}

fn settings() -> (Settings, String) {
    // `cargo bench` adds `--bench`; only `--name value` pairs are read.
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let args: HashMap<String, String> = raw
        .windows(2)
        .filter(|pair| pair[0].starts_with("--") && !pair[1].starts_with("--"))
        .map(|pair| (pair[0].clone(), pair[1].clone()))
        .collect();
    let settings = Settings {
        load: Load {
            concurrency: setting(&args, "--concurrency", "LEAFBRIDGE_BENCH_CONCURRENCY", 64.0)
                as usize,
            measure: Duration::from_secs_f64(setting(
                &args,
                "--seconds",
                "LEAFBRIDGE_BENCH_SECONDS",
                5.0,
            )),
            warmup: Duration::from_secs_f64(setting(
                &args,
                "--warmup",
                "LEAFBRIDGE_BENCH_WARMUP_SECONDS",
                1.0,
            )),
        },
        rate: setting(&args, "--rate", "LEAFBRIDGE_BENCH_RATE", 200.0),
        mix_senders: setting(&args, "--mix-senders", "LEAFBRIDGE_BENCH_MIX_SENDERS", 32.0) as usize,
    };
    (settings, rows_wanted(&args))
}

async fn run(settings: Settings, wanted: &str) -> anyhow::Result<()> {
    println!(
        "ingest benchmark: {} concurrent keep-alive senders, {:?} warm-up, {:?} measured, {} cores, \
         load generator in the same process; load average {:.1}",
        settings.load.concurrency,
        settings.load.warmup,
        settings.load.measure,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average().unwrap_or(f64::NAN),
    );
    let mut rows = Vec::new();
    if wanted.contains('a') {
        rows.push(bare(settings).await?);
    }
    let dir = tempfile::tempdir()?;
    if wanted.contains('b') {
        let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
        rows.push(durable("(b) leafbridge, SQLite", &sqlite, settings).await?);
    }
    if wanted.contains('d') {
        let mixed = format!("sqlite://{}", dir.path().join("mix.db").display());
        rows.push(mix(&mixed, settings).await?);
    }
    match postgres_server() {
        _ if !wanted.contains('c') => {}
        Some(server) => {
            let (url, name) = scratch_postgres(&server).await?;
            let figures = durable("(c) leafbridge, PostgreSQL", &url, settings).await;
            drop_postgres(&server, &name).await?;
            rows.push(figures?);
        }
        None => println!(
            "\n*** PostgreSQL row SKIPPED: set LEAFBRIDGE_BENCH_POSTGRES_URL (or \
             LEAFBRIDGE_TEST_POSTGRES_URL) to a server URL to include it ***\n"
        ),
    }
    print_table(&rows);
    Ok(())
}

/// (a): reads the body, verifies the signature, answers 200.
async fn bare(settings: Settings) -> anyhow::Result<Figures> {
    async fn handler(
        State(keys): State<Arc<Vec<String>>>,
        headers: HeaderMap,
        body: Bytes,
    ) -> StatusCode {
        let signature = headers
            .get(leafbridge::leaflink::webhook::SIGNATURE_HEADER)
            .and_then(|v| v.to_str().ok());
        match leafbridge::leaflink::webhook::verify(&keys, &body, signature) {
            Ok(()) => StatusCode::OK,
            Err(_) => StatusCode::UNAUTHORIZED,
        }
    }
    let router = axum::Router::new()
        .route("/webhooks/leaflink", axum::routing::post(handler))
        .with_state(Arc::new(vec![KEY.to_owned()]));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/webhooks/leaflink", listener.local_addr()?);
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown.clone().cancelled_owned())
            .into_future(),
    );
    let figures = load("(a) bare HMAC handler", &url, settings.load, None).await;
    shutdown.cancel();
    server.await??;
    figures
}

/// (b), (c): leafbridge as configured in production, with its worker off so that only
/// ingestion competes for the cores.
async fn durable(name: &str, database_url: &str, settings: Settings) -> anyhow::Result<Figures> {
    let app = Application::build(config(database_url)?, Processors::new()).await?;
    let url = format!("http://{}/webhooks/leaflink", app.local_addr());
    let db = app.state().db.clone();
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(app.run(shutdown.clone(), false));
    let figures = load(name, &url, settings.load, None).await?;
    shutdown.cancel();
    server.await??;
    check_durability(&db, figures.acknowledged).await?;
    Ok(figures)
}

/// (d): paced job-producing webhooks while the worker processes their jobs.
async fn mix(database_url: &str, settings: Settings) -> anyhow::Result<Figures> {
    let mut processors = Processors::new();
    processors.register("leaflink.order", Arc::new(ReadsItsEvent));
    let app = Application::build(config(database_url)?, processors).await?;
    let url = format!("http://{}/webhooks/leaflink", app.local_addr());
    let db = app.state().db.clone();
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(app.run(shutdown.clone(), true));
    let paced = Load {
        concurrency: settings.mix_senders,
        ..settings.load
    };
    let name = format!("(d) SQLite + jobs, {:.0}/s", settings.rate);
    let figures = load(&name, &url, paced, Some(settings.rate)).await?;
    // Let the worker finish what was acknowledged last.
    let deadline = Instant::now() + Duration::from_secs(30);
    let done = loop {
        let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE state = 'done'")
            .fetch_one(&db.pool)
            .await?;
        if done as u64 >= figures.acknowledged || Instant::now() > deadline {
            break done;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    shutdown.cancel();
    server.await??;
    check_durability(&db, figures.acknowledged).await?;
    println!(
        "    mix: {done} of {} jobs done; RSS after processing {:.1} MB",
        figures.acknowledged,
        rss_mb().unwrap_or(f64::NAN)
    );
    Ok(figures)
}

fn postgres_server() -> Option<String> {
    [
        "LEAFBRIDGE_BENCH_POSTGRES_URL",
        "LEAFBRIDGE_TEST_POSTGRES_URL",
    ]
    .iter()
    .find_map(|name| std::env::var(name).ok().filter(|u| !u.is_empty()))
}

/// A new, empty database on the server; returns its URL and name.
async fn scratch_postgres(server: &str) -> anyhow::Result<(String, String)> {
    sqlx::any::install_default_drivers();
    let name = format!("lb_bench_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::AnyConnection::connect(server).await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await?;
    let mut url = url::Url::parse(server)?;
    url.set_path(&name);
    Ok((url.to_string(), name))
}

async fn drop_postgres(server: &str, name: &str) -> anyhow::Result<()> {
    let mut admin = sqlx::AnyConnection::connect(server).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await?;
    Ok(())
}

fn print_table(rows: &[Figures]) {
    // The share of (a) is shown only when (a) ran.
    let base = rows
        .iter()
        .find(|row| row.name.starts_with("(a)"))
        .map_or(f64::NAN, |row| row.throughput);
    println!(
        "\n{:<30} {:>10} {:>9} {:>9} {:>8} {:>13}",
        "target", "req/s", "p50 ms", "p99 ms", "of (a)", "CPU µs/req"
    );
    for row in rows {
        println!(
            "{:<30} {:>10.0} {:>9.2} {:>9.2} {:>7.1}% {:>13}",
            row.name,
            row.throughput,
            row.p50.as_secs_f64() * 1000.0,
            row.p99.as_secs_f64() * 1000.0,
            100.0 * row.throughput / base,
            row.cpu_per_request
                .map_or("n/a".to_owned(), |cpu| cpu.as_micros().to_string()),
        );
    }
}
