//! Signed LeafLink order webhooks against leafbridge: the configuration, a processor that
//! stands in for a platform (it reads its event, then waits 2 ms), paced or unpaced keep-alive
//! senders, and the figures they measure. Shared by the ingest and soak benchmarks.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use leafbridge::config::Config;
use leafbridge::jobs::{JobContext, JobError, Processed, Processor};
use leafbridge::store::Db;

use super::process;

/// The LeafLink webhook key the service is configured with and the senders sign with.
pub const KEY: &str = "bench-leaflink-webhook-key";

/// How the load is shaped.
#[derive(Clone, Copy, Debug)]
pub struct Load {
    /// Senders, each with its own keep-alive connection.
    pub concurrency: usize,
    /// Requests sent before this are not measured.
    pub warmup: Duration,
    pub measure: Duration,
}

/// What one target answered.
pub struct Figures {
    pub name: String,
    pub acknowledged: u64,
    pub throughput: f64,
    pub p50: Duration,
    pub p99: Duration,
    /// CPU time of the whole process (server and load generator) per measured request.
    pub cpu_per_request: Option<Duration>,
}

/// leafbridge on `database_url` with webhook keys and nothing else configured.
pub fn config(database_url: &str) -> anyhow::Result<Config> {
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
    Ok(Config::from_sources(None, &env)?)
}

/// Reads its event as a flow does, then waits as if for a platform.
pub struct ReadsItsEvent;

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

/// Every acknowledged webhook must be in the store with its job, and nothing more.
pub async fn check_durability(db: &Db, acknowledged: u64) -> anyhow::Result<()> {
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

/// Posts from `shape.concurrency` senders until the window closes, as fast as each gets its
/// answers or, with `rate`, paced to that many requests per second in total.
pub async fn load(
    name: &str,
    url: &str,
    shape: Load,
    rate: Option<f64>,
) -> anyhow::Result<Figures> {
    let client = reqwest::Client::builder()
        .http1_only()
        .pool_max_idle_per_host(shape.concurrency)
        .build()?;
    let sequence = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let measure_from = start + shape.warmup;
    let cpu = tokio::spawn(process::cpu_in_window(measure_from, shape.measure));
    let until = measure_from + shape.measure;
    let senders: Vec<_> = (0..shape.concurrency)
        .map(|_| {
            let (client, url, sequence) = (client.clone(), url.to_owned(), Arc::clone(&sequence));
            let pause = rate.map(|r| Duration::from_secs_f64(shape.concurrency as f64 / r));
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
    Ok(figures(name, total, shape.measure, cpu))
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
