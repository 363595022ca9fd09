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

use std::collections::HashMap;
use std::future::IntoFuture;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use leafbridge::app::Application;
use leafbridge::config::Config;
use leafbridge::jobs::{JobContext, JobError, Processed, Processor, Processors};
use leafbridge::store::Db;
use sqlx::Connection;
use tokio_util::sync::CancellationToken;

const KEY: &str = "bench-leaflink-webhook-key";

/// How the load is shaped.
#[derive(Clone, Copy, Debug)]
struct Settings {
    concurrency: usize,
    /// Webhooks per second of the job-producing mix, over all its senders.
    rate: f64,
    mix_senders: usize,
    warmup: Duration,
    measure: Duration,
}

/// Which rows to run, by letter.
fn rows_wanted(args: &HashMap<String, String>) -> String {
    args.get("--rows")
        .cloned()
        .or_else(|| std::env::var("LEAFBRIDGE_BENCH_ROWS").ok())
        .unwrap_or_else(|| "abcd".to_owned())
}

/// What one target answered.
struct Figures {
    name: String,
    acknowledged: u64,
    throughput: f64,
    p50: Duration,
    p99: Duration,
    /// CPU time of the whole process (server and load generator) per measured request.
    cpu_per_request: Option<Duration>,
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
        concurrency: setting(&args, "--concurrency", "LEAFBRIDGE_BENCH_CONCURRENCY", 64.0) as usize,
        rate: setting(&args, "--rate", "LEAFBRIDGE_BENCH_RATE", 200.0),
        mix_senders: setting(&args, "--mix-senders", "LEAFBRIDGE_BENCH_MIX_SENDERS", 32.0) as usize,
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
    };
    (settings, rows_wanted(&args))
}

async fn run(settings: Settings, wanted: &str) -> anyhow::Result<()> {
    println!(
        "ingest benchmark: {} concurrent keep-alive senders, {:?} warm-up, {:?} measured, {} cores, \
         load generator in the same process",
        settings.concurrency,
        settings.warmup,
        settings.measure,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
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
    let figures = load("(a) bare HMAC handler", &url, settings, None).await;
    shutdown.cancel();
    server.await??;
    figures
}

/// (b), (c): leafbridge as configured in production, with its worker off so that only
/// ingestion competes for the cores.
async fn durable(name: &str, database_url: &str, settings: Settings) -> anyhow::Result<Figures> {
    let app = Application::build(config(database_url), Processors::new()).await?;
    let url = format!("http://{}/webhooks/leaflink", app.local_addr());
    let db = app.state().db.clone();
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(app.run(shutdown.clone(), false));
    let figures = load(name, &url, settings, None).await?;
    shutdown.cancel();
    server.await??;
    check_durability(&db, figures.acknowledged).await?;
    Ok(figures)
}

/// (d): paced job-producing webhooks while the worker processes their jobs.
async fn mix(database_url: &str, settings: Settings) -> anyhow::Result<Figures> {
    let mut processors = Processors::new();
    processors.register("leaflink.order", Arc::new(ReadsItsEvent));
    let app = Application::build(config(database_url), processors).await?;
    let url = format!("http://{}/webhooks/leaflink", app.local_addr());
    let db = app.state().db.clone();
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(app.run(shutdown.clone(), true));
    let paced = Settings {
        concurrency: settings.mix_senders,
        ..settings
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

/// Reads its event as a flow does, then waits as if for a platform.
struct ReadsItsEvent;

#[async_trait::async_trait]
impl Processor for ReadsItsEvent {
    async fn process(&self, job: &JobContext) -> Result<Processed, JobError> {
        if job.body.pointer("/data/number").is_none() {
            return Err(JobError::Permanent("no order number".into()));
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
        Ok(Processed {
            outcome: "synced".into(),
            reason: None,
            detail: None,
        })
    }
}

fn config(database_url: &str) -> Config {
    let env: HashMap<String, String> = [
        ("LEAFBRIDGE_DATABASE_URL", database_url),
        ("LEAFBRIDGE_LISTEN", "127.0.0.1:0"),
        ("LEAFBRIDGE_LEAFLINK_WEBHOOK_KEY", KEY),
        (
            "LEAFBRIDGE_FLOURISH_WEBHOOK_KEY",
            "bench-flourish-webhook-key",
        ),
        ("LEAFBRIDGE_ADMIN_TOKEN", "bench-admin-token"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    Config::from_sources(None, &env).expect("benchmark configuration")
}

/// Every acknowledged webhook must be in the store with its job, and nothing more.
async fn check_durability(db: &Db, acknowledged: u64) -> anyhow::Result<()> {
    let count = |table: &'static str| async move {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&db.pool)
            .await?;
        anyhow::Ok(n as u64)
    };
    let (events, jobs) = (count("events").await?, count("jobs").await?);
    anyhow::ensure!(
        events == acknowledged && jobs == acknowledged,
        "durability check failed: {acknowledged} acknowledged, {events} events, {jobs} jobs stored"
    );
    println!("    durability: {acknowledged} acknowledged = {events} events = {jobs} jobs stored");
    Ok(())
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

/// A distinct order webhook of about 1 KB, shaped like LeafLink's, signed with the key. Built
/// from text so that the load generator spends little of the shared cores.
fn signed_order(sequence: u64) -> (Vec<u8>, String) {
    let line = |n: u64| {
        format!(
            r#"{{"id": {id}, "quantity": "20.0000", "unit_multiplier": 10, "sale_price": {{"amount": "90.00", "currency": "USD"}}, "batch": {batch}, "product": {{"id": {product}, "sku": "OGK-PR-{n}G", "name": "OG Kush Pre-Roll {n}g"}}}}"#,
            id = sequence * 10 + n,
            batch = 77 + n,
            product = 5150 + n,
        )
    };
    let body = format!(
        r#"{{"action": "edit", "type": "order", "data": {{"number": "6f1c2d7e-0b5a-4a8e-9d61-{sequence:012x}", "status": "Submitted", "customer": {{"id": 311, "name": "Green Door Dispensary", "license_number": "C10-0000123-LIC"}}, "sales_reps": [{{"id": 42, "email": "ana@brand.example"}}], "orderedproduct_set": [{}, {}, {}]}}}}"#,
        line(0),
        line(1),
        line(2),
    );
    let signature = leafbridge::leaflink::webhook::sign(KEY.as_bytes(), body.as_bytes());
    (body.into_bytes(), signature)
}

/// What one sender saw.
#[derive(Default)]
struct SenderLog {
    acknowledged: u64,
    /// Acknowledgement latencies inside the measured window, in microseconds.
    latencies: Vec<u32>,
    failures: Vec<String>,
}

/// Posts from `settings.concurrency` senders until the window closes, as fast as each gets its
/// answers or, with `rate`, paced to that many requests per second in total.
async fn load(
    name: &str,
    url: &str,
    settings: Settings,
    rate: Option<f64>,
) -> anyhow::Result<Figures> {
    let client = reqwest::Client::builder()
        .http1_only()
        .pool_max_idle_per_host(settings.concurrency)
        .build()?;
    let sequence = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let measure_from = start + settings.warmup;
    let cpu = tokio::spawn(cpu_in_window(measure_from, settings.measure));
    let until = measure_from + settings.measure;
    let senders: Vec<_> = (0..settings.concurrency)
        .map(|_| {
            let (client, url, sequence) = (client.clone(), url.to_owned(), Arc::clone(&sequence));
            let pause = rate.map(|r| Duration::from_secs_f64(settings.concurrency as f64 / r));
            tokio::spawn(sender(client, url, sequence, pause, measure_from, until))
        })
        .collect();
    let mut total = SenderLog::default();
    for sender in senders {
        let log = sender.await?;
        total.acknowledged += log.acknowledged;
        total.latencies.extend(log.latencies);
        total.failures.extend(log.failures);
    }
    anyhow::ensure!(
        total.failures.is_empty(),
        "{name}: {} requests were not acknowledged, first: {}",
        total.failures.len(),
        total.failures[0]
    );
    let cpu = cpu.await?;
    Ok(figures(name, total, settings.measure, cpu))
}

/// Resident memory of this process (server and load generator), from `/proc/self/status`.
fn rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// CPU time this process uses during the window (Linux only: read from /proc).
async fn cpu_in_window(from: Instant, window: Duration) -> Option<Duration> {
    tokio::time::sleep_until(from.into()).await;
    let before = process_cpu()?;
    tokio::time::sleep(window).await;
    Some(process_cpu()? - before)
}

/// User plus system time of this process, from `/proc/self/stat` (in clock ticks of 10 ms).
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

async fn sender(
    client: reqwest::Client,
    url: String,
    sequence: Arc<AtomicU64>,
    pause: Option<Duration>,
    measure_from: Instant,
    until: Instant,
) -> SenderLog {
    let mut log = SenderLog::default();
    // Paced senders start spread over one pause, then send on a fixed schedule.
    let mut next =
        Instant::now() + pause.map_or(Duration::ZERO, |p| p.mul_f64(rand_fraction(&sequence)));
    loop {
        if let Some(pause) = pause {
            tokio::time::sleep_until(next.into()).await;
            next += pause;
        }
        let (body, signature) = signed_order(sequence.fetch_add(1, Ordering::Relaxed));
        let sent = Instant::now();
        if sent >= until {
            return log;
        }
        let request = client
            .post(&url)
            .header("LL-Signature", signature)
            .body(body);
        match request.send().await {
            Ok(response) if response.status().is_success() => {
                // The acknowledgement is the status line and body; read both before timing.
                let read = response.bytes().await;
                let elapsed = sent.elapsed();
                if let Err(error) = read {
                    log.failures
                        .push(format!("reading the acknowledgement: {error}"));
                    continue;
                }
                log.acknowledged += 1;
                if sent >= measure_from {
                    log.latencies
                        .push(elapsed.as_micros().min(u32::MAX as u128) as u32);
                }
            }
            Ok(response) => log.failures.push(format!("status {}", response.status())),
            Err(error) => log.failures.push(error.to_string()),
        }
    }
}

/// A number in [0, 1) that differs between senders, to spread their starts.
fn rand_fraction(sequence: &AtomicU64) -> f64 {
    let n = sequence.fetch_add(1, Ordering::Relaxed);
    (n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11) as f64 / (1u64 << 53) as f64
}

fn figures(name: &str, mut log: SenderLog, window: Duration, cpu: Option<Duration>) -> Figures {
    log.latencies.sort_unstable();
    let percentile = |p: f64| {
        let index = ((log.latencies.len() as f64 * p).ceil() as usize).saturating_sub(1);
        Duration::from_micros(log.latencies.get(index).copied().unwrap_or(0).into())
    };
    Figures {
        name: name.to_owned(),
        acknowledged: log.acknowledged,
        throughput: log.latencies.len() as f64 / window.as_secs_f64(),
        p50: percentile(0.50),
        p99: percentile(0.99),
        cpu_per_request: cpu.map(|cpu| cpu / log.latencies.len().max(1) as u32),
    }
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
