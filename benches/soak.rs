//! Soak: steady signed LeafLink order webhooks against leafbridge on SQLite, with the worker
//! processing their jobs at the same time, printing the process's resident memory over time.
//!
//! Run with `cargo bench --bench soak`. Settings (environment): `LEAFBRIDGE_SOAK_SECONDS` (600),
//! `LEAFBRIDGE_SOAK_RATE` webhooks per second (200), `LEAFBRIDGE_SOAK_SENDERS` (32),
//! `LEAFBRIDGE_SOAK_EVERY_SECONDS` between memory samples (10). The load generator runs in the
//! same process, so its memory is included: the figure is an upper bound for the service.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use leafbridge::app::Application;
use leafbridge::config::Config;
use leafbridge::jobs::{JobContext, JobError, Processed, Processor, Processors};
use tokio_util::sync::CancellationToken;

const KEY: &str = "soak-leaflink-webhook-key";

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

/// Reads its event's order number, then waits as if for a platform.
struct Synced;

#[async_trait::async_trait]
impl Processor for Synced {
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

async fn run() -> anyhow::Result<()> {
    let seconds = setting("LEAFBRIDGE_SOAK_SECONDS", 600.0);
    let rate = setting("LEAFBRIDGE_SOAK_RATE", 200.0);
    let senders = setting("LEAFBRIDGE_SOAK_SENDERS", 32.0).max(1.0) as usize;
    let every = Duration::from_secs_f64(setting("LEAFBRIDGE_SOAK_EVERY_SECONDS", 10.0));
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("soak.db").display());
    let mut processors = Processors::new();
    processors.register("leaflink.order", Arc::new(Synced));
    let app = Application::build(config(&url), processors).await?;
    let webhook = format!("http://{}/webhooks/leaflink", app.local_addr());
    let db = app.state().db.clone();
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(app.run(shutdown.clone(), true));
    println!(
        "soak: {rate:.0} webhooks/s from {senders} senders for {seconds:.0} s, SQLite, worker on"
    );
    println!("RSS at start: {:.1} MB", rss_mb().unwrap_or(f64::NAN));
    let until = Instant::now() + Duration::from_secs_f64(seconds);
    let sent = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let client = reqwest::Client::builder().http1_only().build()?;
    let pause = Duration::from_secs_f64(senders as f64 / rate);
    let tasks: Vec<_> = (0..senders)
        .map(|i| {
            let (client, webhook) = (client.clone(), webhook.clone());
            let (sent, failed) = (Arc::clone(&sent), Arc::clone(&failed));
            let start = Instant::now() + pause.mul_f64(i as f64 / senders as f64);
            tokio::spawn(async move {
                let mut next = start;
                while next < until {
                    tokio::time::sleep_until(next.into()).await;
                    next += pause;
                    let n = sent.fetch_add(1, Ordering::Relaxed);
                    let (body, signature) = signed_order(n);
                    let answer = client
                        .post(&webhook)
                        .header("LL-Signature", signature)
                        .body(body)
                        .send()
                        .await;
                    if !answer.is_ok_and(|r| r.status().is_success()) {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    let started = Instant::now();
    let mut peak: f64 = 0.0;
    while Instant::now() < until {
        tokio::time::sleep(every.min(until - Instant::now())).await;
        let rss = rss_mb().unwrap_or(f64::NAN);
        peak = peak.max(rss);
        let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE state = 'done'")
            .fetch_one(&db.pool)
            .await?;
        println!(
            "{:>6.0} s  RSS {rss:>6.1} MB  sent {:>8}  failed {:>4}  jobs done {done:>8}",
            started.elapsed().as_secs_f64(),
            sent.load(Ordering::Relaxed),
            failed.load(Ordering::Relaxed),
        );
    }
    for task in tasks {
        task.await?;
    }
    shutdown.cancel();
    server.await??;
    println!(
        "peak RSS {peak:.1} MB over {:.0} s; {} webhooks, {} failed",
        started.elapsed().as_secs_f64(),
        sent.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed)
    );
    Ok(())
}

/// Resident memory of this process, from `/proc/self/status` (Linux).
fn rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn config(database_url: &str) -> Config {
    let env: HashMap<String, String> = [
        ("LEAFBRIDGE_DATABASE_URL", database_url),
        ("LEAFBRIDGE_LISTEN", "127.0.0.1:0"),
        ("LEAFBRIDGE_LEAFLINK_WEBHOOK_KEY", KEY),
        (
            "LEAFBRIDGE_FLOURISH_WEBHOOK_KEY",
            "soak-flourish-webhook-key",
        ),
        ("LEAFBRIDGE_ADMIN_TOKEN", "soak-admin-token"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    Config::from_sources(None, &env).expect("soak configuration")
}

fn signed_order(sequence: u64) -> (Vec<u8>, String) {
    let body = format!(
        r#"{{"action": "edit", "type": "order", "data": {{"number": "5a0c1d7e-0b5a-4a8e-9d61-{sequence:012x}", "status": "Submitted", "customer": {{"id": 311, "name": "Green Door Dispensary"}}, "orderedproduct_set": [{{"id": {sequence}, "quantity": "20.0000", "product": {{"id": 5150, "sku": "OGK-PR-1G"}}}}]}}}}"#
    );
    let signature = leafbridge::leaflink::webhook::sign(KEY.as_bytes(), body.as_bytes());
    (body.into_bytes(), signature)
}
