//! Load times of the operator console's pages with 100,000 events stored (SQLite in a temp
//! dir): events over the last two days, one in fifty needing attention, their jobs done or
//! dead, a thousand links. The target is under 100 ms per page.
//!
//! Run with `cargo bench --bench console` (release; the store takes about a minute to fill);
//! it prints figures rather than asserting on them.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use leafbridge::app::Application;
use leafbridge::config::Config;
use leafbridge::jobs::Processors;
use leafbridge::store::events::{self, NewEvent};
use leafbridge::store::links::{self, LinkKind, NewLink};
use leafbridge::store::{Db, now_ms};
use tokio_util::sync::CancellationToken;

const EVENTS: usize = 100_000;
const LINKS: usize = 1_000;
const RUNS: usize = 15;
const TARGET_MS: f64 = 100.0;
const CHUNK: usize = 2_000;

fn config(database_url: &str) -> Config {
    let env: HashMap<String, String> = [
        ("LEAFBRIDGE_DATABASE_URL", database_url),
        ("LEAFBRIDGE_LISTEN", "127.0.0.1:0"),
        ("LEAFBRIDGE_LEAFLINK_WEBHOOK_KEY", "bench-leaflink-key"),
        ("LEAFBRIDGE_FLOURISH_WEBHOOK_KEY", "bench-flourish-key"),
        ("LEAFBRIDGE_ADMIN_TOKEN", "bench-admin-token"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    Config::from_sources(None, &env).expect("benchmark configuration")
}

fn order_number(i: usize) -> String {
    format!("0000{i:06}-bench-order")
}

/// The order's LeafLink short id (8 characters).
fn short_id(i: usize) -> String {
    format!("SH{i:06}")
}

/// Stores the events (spread over two days) with their jobs, then settles them.
async fn fill(db: &Db) -> anyhow::Result<()> {
    let start = now_ms() - 2 * 24 * 3_600_000;
    let step = (2 * 24 * 3_600_000) / EVENTS as i64;
    for chunk_start in (0..EVENTS).step_by(CHUNK) {
        let batch: Vec<NewEvent> = (chunk_start..(chunk_start + CHUNK).min(EVENTS))
            .map(|i| {
                let body = format!(
                    r#"{{"number":"{}","short_id":"{}","seq":{i}}}"#,
                    order_number(i % 20_000),
                    short_id(i % 20_000)
                );
                NewEvent {
                    connection: "default".into(),
                    source: if i % 3 == 0 { "flourish" } else { "leaflink" }.into(),
                    kind: "order".into(),
                    action: Some("updated".into()),
                    entity_key: format!("leaflink.order:{}", order_number(i % 20_000)),
                    body_hash: format!("{i:064x}"),
                    body,
                    job_kind: Some("leaflink.order".into()),
                    ignored_reason: None,
                }
            })
            .collect();
        let refs: Vec<&NewEvent> = batch.iter().collect();
        let mut tx = db.pool.begin().await?;
        events::insert_batch(
            &mut tx,
            db.backend,
            &refs,
            start + chunk_start as i64 * step,
            0,
        )
        .await?;
        tx.commit().await?;
    }
    let detail = r#"{"plan":null,"writes":[],"fix":{"system":"Flourish","action":"create item CF-1 in Flourish"}}"#;
    sqlx::query("UPDATE events SET status = 'done', outcome = 'synced', updated_at = received_at")
        .execute(&db.pool)
        .await?;
    sqlx::query(
        "UPDATE events SET outcome = 'needs_attention', reason = 'SKU \"CF-1\" not found in \
         Flourish', detail = $1 WHERE entity_key LIKE '%0-bench-order' AND body_hash LIKE '%1'",
    )
    .bind(detail)
    .execute(&db.pool)
    .await?;
    sqlx::query("UPDATE jobs SET state = 'done'")
        .execute(&db.pool)
        .await?;
    sqlx::query("UPDATE jobs SET state = 'dead', last_error = 'HTTP 500' WHERE entity_key LIKE '%99-bench-order'")
        .execute(&db.pool)
        .await?;
    for i in 0..LINKS {
        let key = format!("SKU-{i:05}");
        let remote = (5_000 + i).to_string();
        let link = NewLink::found(LinkKind::Product, &key, &remote);
        links::upsert(&db.pool, "default", &link, now_ms()).await?;
    }
    Ok(())
}

fn stats(mut samples: Vec<f64>) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    (samples[samples.len() / 2], samples[samples.len() - 1])
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("console.db").display());
    let app = Application::build(config(&url), Processors::new()).await?;
    let db = app.state().db.clone();
    let address = format!("http://{}", app.local_addr());
    let began = Instant::now();
    fill(&db).await?;
    println!(
        "console bench: {EVENTS} events, {LINKS} links stored in {:.1} s",
        began.elapsed().as_secs_f64()
    );
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(app.run(shutdown.clone(), false));

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()?;
    let secret = leafbridge::console::session::one_time_link(&db).await?;
    let signed = http
        .get(format!("{address}/console/sign-in/link?token={secret}"))
        .send()
        .await?;
    let cookie = signed
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no session cookie"))?;
    let newest: String = sqlx::query_scalar("SELECT id FROM events ORDER BY id DESC LIMIT 1")
        .fetch_one(&db.pool)
        .await?;
    let pages = [
        "/console/".to_owned(),
        "/console/attention".to_owned(),
        "/console/events".to_owned(),
        "/console/events?outcome=needs_attention&source=leaflink".to_owned(),
        format!("/console/events/{newest}"),
        format!("/console/orders?q={}", order_number(12_345)),
        format!("/console/orders?q={}", short_id(12_345)),
        "/console/attention?system=Flourish&q=bench".to_owned(),
        "/console/jobs?state=done".to_owned(),
        "/console/products?q=SKU-00042".to_owned(),
        "/console/jobs?state=dead".to_owned(),
        "/console/links".to_owned(),
        "/console/resync".to_owned(),
        "/console/preflight".to_owned(),
        "/console/connections".to_owned(),
    ];
    println!("{:<58} {:>10} {:>10}", "page", "median ms", "max ms");
    let mut slow = 0;
    for page in &pages {
        let mut samples = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            let started = Instant::now();
            let response = http
                .get(format!("{address}{page}"))
                .header("cookie", &cookie)
                .send()
                .await?;
            let status = response.status();
            let body = response.bytes().await?;
            samples.push(started.elapsed().as_secs_f64() * 1_000.0);
            anyhow::ensure!(status.is_success(), "{page} answered {status}");
            anyhow::ensure!(!body.is_empty(), "{page} answered nothing");
        }
        let (median, max) = stats(samples);
        let mark = if median < TARGET_MS {
            ""
        } else {
            "  over target"
        };
        if median >= TARGET_MS {
            slow += 1;
        }
        println!("{page:<58} {median:>10.1} {max:>10.1}{mark}");
    }
    println!(
        "{} of {} pages under {TARGET_MS} ms (median of {RUNS} loads each)",
        pages.len() - slow,
        pages.len()
    );
    shutdown.cancel();
    server.await??;
    Ok(())
}
