//! API economy benchmark: the calls leafbridge spends on LeafLink and Flourish for a generated
//! catalogue (initial full sync, in-sync resync, one order, one item edit, stock changes), set
//! beside the minimum each would need and the wall time at the platforms' rate limits.
//!
//! `cargo bench --bench api_calls` (env: `API_CALLS_ITEMS` default 5000, `API_CALLS_CUSTOMERS`
//! default 1000, `API_CALLS_ORDERS` default 200).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use leafbridge::app::Application;
use leafbridge::cli::serve::wiring;
use leafbridge::cli::simulate::BUILTIN_SEED;
use leafbridge::config::Config;
use leafbridge::jobs::worker::Worker;
use leafbridge::remote::TransportConfig;
use leafbridge::sim::common::LoggedRequest;
use leafbridge::sim::flourish::{FlourishSim, FlourishSimConfig, flourish_webhook_target};
use leafbridge::sim::leaflink::{LeafLinkSim, LeafLinkSimConfig, SimOrderLine, webhook_target};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

/// LeafLink's largest page (`limit` is clamped to 100).
const LEAFLINK_PAGE: usize = 100;
/// Flourish's largest page (`limit` is clamped to 50).
const FLOURISH_PAGE: usize = 50;
const ADMIN_TOKEN: &str = "bench-admin-token";

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The seed plus `items` matching product/item pairs (with stock), `customers` matching
/// customer/destination pairs and `orders` open LeafLink orders of three lines each.
fn catalogue(items: usize, customers: usize, orders: usize) -> anyhow::Result<Value> {
    let mut seed: Value = serde_json::from_str(BUILTIN_SEED)?;
    let template = |list: &Value, field: &str, value: &Value| -> anyhow::Result<Value> {
        list.as_array()
            .and_then(|rows| rows.iter().find(|r| &r[field] == value))
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("seed has no {field} = {value}"))
    };
    let product = template(&seed["leaflink"]["products"], "id", &json!(5101))?;
    let item = template(&seed["flourish"]["items"], "sku", &product["sku"])?;
    let stock = template(&seed["flourish"]["inventory"], "sku", &product["sku"])?;
    let customer = template(&seed["leaflink"]["customers"], "id", &json!(311))?;
    let destination = template(
        &seed["flourish"]["destinations"],
        "license_number",
        &customer["license_number"],
    )?;
    let order = seed["leaflink"]["orders"][0].clone();
    let line = order["line_items"][1].clone();

    let mut products = Vec::with_capacity(items);
    let mut flourish_items = Vec::with_capacity(items);
    let mut inventory = Vec::with_capacity(items);
    for i in 0..items {
        let sku = format!("BN-FL-{i:05}");
        let name = format!("Bench Flower {i:05} 3.5g");
        let mut p = product.clone();
        p["id"] = json!(900_000 + i);
        p["sku"] = json!(sku);
        p["name"] = json!(name);
        p["display_name"] = json!(name);
        products.push(p);
        let mut f = item.clone();
        f["id"] = json!(format!("{}", 900_000 + i));
        f["sku"] = json!(sku);
        f["item_name"] = json!(name);
        flourish_items.push(f);
        let mut s = stock.clone();
        s["item_id"] = json!(format!("{}", 900_000 + i));
        s["sku"] = json!(sku);
        inventory.push(s);
    }
    let mut buyers = Vec::with_capacity(customers);
    let mut destinations = Vec::with_capacity(customers);
    for i in 0..customers {
        let license = format!("C10-9{i:06}-LIC");
        let name = format!("Bench Dispensary {i:04}");
        let mut c = customer.clone();
        c["id"] = json!(700_000 + i);
        c["name"] = json!(name);
        c["dba"] = json!(name);
        c["license_number"] = json!(license);
        buyers.push(c);
        let mut d = destination.clone();
        d["id"] = json!(format!("{}", 700_000 + i));
        d["name"] = json!(name);
        d["license_number"] = json!(license);
        destinations.push(d);
    }
    let mut open = Vec::with_capacity(orders);
    for i in 0..orders {
        let number = format!("00000000-0000-4000-8000-{i:012}");
        let mut o = order.clone();
        o["number"] = json!(number);
        o["order_number"] = json!(number);
        o["short_id"] = json!(format!("{i:08}"));
        if customers > 0 {
            let buyer = &buyers[i % customers];
            o["customer"]["id"] = buyer["id"].clone();
            o["customer"]["display_name"] = buyer["name"].clone();
        }
        let lines: Vec<Value> = (0..3)
            .map(|n| {
                let mut l = line.clone();
                l["id"] = json!(500_000 + i * 3 + n);
                l["order"] = json!(number);
                l["product"] = json!(900_000 + (i * 3 + n) % items.max(1));
                l["batch"] = Value::Null;
                l["position"] = json!(n);
                l
            })
            .collect();
        o["line_items"] = json!(lines);
        o["total"]["amount"] = json!("1800.00");
        open.push(o);
    }
    let extend = |list: &mut Value, rows: Vec<Value>| {
        if let Some(list) = list.as_array_mut() {
            list.extend(rows);
        }
    };
    extend(&mut seed["leaflink"]["products"], products);
    extend(&mut seed["flourish"]["items"], flourish_items);
    extend(&mut seed["flourish"]["inventory"], inventory);
    extend(&mut seed["leaflink"]["customers"], buyers);
    extend(&mut seed["flourish"]["destinations"], destinations);
    if items > 0 {
        extend(&mut seed["leaflink"]["orders"], open);
    }
    Ok(seed)
}

/// Both simulators, leafbridge on SQLite with its worker driven by hand, and the admin client.
struct Bench {
    leaflink: LeafLinkSim,
    flourish: FlourishSim,
    worker: Arc<Worker>,
    address: String,
    http: reqwest::Client,
    shutdown: CancellationToken,
    _dir: tempfile::TempDir,
}

impl Bench {
    async fn start(seed: &Value) -> anyhow::Result<Self> {
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
        // Counted, not waited for: the wall time at 300/min is computed from the counts.
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
        let database = format!("sqlite://{}", dir.path().join("api_calls.db").display());
        let env: HashMap<String, String> = [
            ("LEAFBRIDGE_DATABASE_URL", database.as_str()),
            ("LEAFBRIDGE_LISTEN", "127.0.0.1:0"),
            ("LEAFBRIDGE_LEAFLINK_WEBHOOK_KEY", "ll"),
            ("LEAFBRIDGE_FLOURISH_WEBHOOK_KEY", "fl"),
            ("LEAFBRIDGE_ADMIN_TOKEN", ADMIN_TOKEN),
            ("LEAFBRIDGE_LEAFLINK_BASE_URL", &leaflink.base_url()),
            ("LEAFBRIDGE_LEAFLINK_API_KEY", "k"),
            ("LEAFBRIDGE_FLOURISH_BASE_URL", &flourish.base_url()),
            ("LEAFBRIDGE_FLOURISH_API_KEY", "k"),
            ("LEAFBRIDGE_LEAFLINK_REQUESTS_PER_MINUTE", "600000"),
            ("LEAFBRIDGE_FLOURISH_REQUESTS_PER_SECOND", "10000"),
            ("LEAFBRIDGE_CATEGORY_MAP", "Gummies=Edible"),
            ("LEAFBRIDGE_LEAFLINK_LICENSE", "C11-0004127-LIC"),
            (
                "LEAFBRIDGE_SUBCATEGORY_MAP",
                "Flower=Indoor,Edible=Chocolates,Vape=Cartridges",
            ),
            ("LEAFBRIDGE_POLL_ORDERS_SECONDS", "0"),
            ("LEAFBRIDGE_POLL_CUSTOMERS_SECONDS", "0"),
            ("LEAFBRIDGE_POLL_ITEMS_SECONDS", "0"),
            ("LEAFBRIDGE_POLL_INVENTORY_SECONDS", "0"),
            ("RUST_LOG", "error"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let config = Config::from_sources(None, &env)?;
        let app = Application::build_with(config.clone(), |db| wiring(&config, db)).await?;
        let address = format!("http://{}", app.local_addr());
        let worker = app.worker();
        leaflink.outbox().set_target(Some(webhook_target(
            format!("{address}/webhooks/leaflink"),
            "ll",
        )));
        flourish.outbox().set_target(Some(flourish_webhook_target(
            format!("{address}/webhooks/flourish"),
            "fl",
        )));
        let shutdown = CancellationToken::new();
        tokio::spawn(app.run(shutdown.clone(), false));
        Ok(Self {
            leaflink,
            flourish,
            worker,
            address,
            http: reqwest::Client::new(),
            shutdown,
            _dir: dir,
        })
    }

    /// Delivers webhooks and runs jobs until neither produces more work.
    async fn settle(&self) -> anyhow::Result<()> {
        for _ in 0..200 {
            let before = self.leaflink.outbox().deliveries().len()
                + self.flourish.outbox().deliveries().len();
            self.leaflink.outbox().flush().await;
            self.flourish.outbox().flush().await;
            let after = self.leaflink.outbox().deliveries().len()
                + self.flourish.outbox().deliveries().len();
            let ran = self.worker.run_pending(leafbridge::store::now_ms()).await?;
            if ran == 0 && after == before {
                return Ok(());
            }
        }
        anyhow::bail!("webhooks and jobs keep coming")
    }

    async fn resync_all(&self) -> anyhow::Result<()> {
        let response = self
            .http
            .post(format!("{}/api/v1/resync", self.address))
            .bearer_auth(ADMIN_TOKEN)
            .json(&json!({"kind": "all"}))
            .send()
            .await?;
        anyhow::ensure!(response.status() == 202, "resync: {}", response.status());
        self.settle().await
    }

    /// Dry-runs the job of order `number`; answers the dry run's estimated calls.
    async fn dry_run_order(&self, number: &str) -> anyhow::Result<Value> {
        let response = self
            .http
            .post(format!("{}/api/v1/resync", self.address))
            .bearer_auth(ADMIN_TOKEN)
            .json(&json!({"kind": "orders", "ids": [number], "dry_run": true}))
            .send()
            .await?;
        anyhow::ensure!(response.status() == 200, "dry run: {}", response.status());
        let report: Value = response.json().await?;
        Ok(report["estimated_calls"].clone())
    }

    fn clear(&self) {
        self.leaflink.control().clear_requests();
        self.flourish.control().clear_requests();
    }

    fn calls(&self) -> (Vec<LoggedRequest>, Vec<LoggedRequest>) {
        (
            self.leaflink.control().requests(),
            self.flourish.control().requests(),
        )
    }
}

fn writes(requests: &[LoggedRequest]) -> usize {
    requests.iter().filter(|r| r.method != "GET").count()
}

/// A path segment naming one record (not the API version).
fn is_id(segment: &str) -> bool {
    !matches!(segment, "v1" | "v2") && segment.chars().any(|c| c.is_ascii_digit())
}

/// `METHOD path` with ids folded → count.
fn by_method(requests: &[LoggedRequest]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for request in requests {
        let path: Vec<&str> = request
            .path
            .split('/')
            .map(|s| if is_id(s) { "{id}" } else { s })
            .collect();
        *counts
            .entry(format!("{} {}", request.method, path.join("/")))
            .or_default() += 1;
    }
    counts
}

/// Pages needed to list, once, every list the requests read: each distinct list path (no id in
/// it) costs the pages of the whole list as the simulator holds it.
fn list_pages(requests: &[LoggedRequest], dump: &Value, page: usize) -> usize {
    let lists: BTreeSet<&str> = requests
        .iter()
        .filter(|r| r.method == "GET" && !r.path.split('/').any(is_id))
        .map(|r| r.path.as_str())
        .collect();
    lists
        .iter()
        .map(|path| {
            let key = path
                .trim_end_matches('/')
                .rsplit('/')
                .find(|s| !s.is_empty() && *s != "summary")
                .unwrap_or("")
                .replace('-', "_");
            let key = match key.as_str() {
                "orders_received" => "orders".to_owned(),
                "outbound_orders" | "orders" if dump.get("outbound_orders").is_some() => {
                    "outbound_orders".to_owned()
                }
                _ => key,
            };
            if path.ends_with("/inventory/summary") {
                // Stock is listed per facility.
                let facilities: BTreeSet<&str> = dump["inventory"]
                    .as_array()
                    .map(|rows| {
                        rows.iter()
                            .filter_map(|r| r["facility_id"].as_str())
                            .collect()
                    })
                    .unwrap_or_default();
                return facilities
                    .iter()
                    .map(|f| {
                        let rows = dump["inventory"]
                            .as_array()
                            .map(|rows| rows.iter().filter(|r| r["facility_id"] == *f).count())
                            .unwrap_or(0);
                        rows.div_ceil(page).max(1)
                    })
                    .sum();
            }
            let rows = dump[key.as_str()].as_array().map(Vec::len).unwrap_or(0);
            rows.div_ceil(page).max(1)
        })
        .sum()
}

struct Row {
    scenario: &'static str,
    platform: &'static str,
    calls: usize,
    writes: usize,
    minimum: usize,
    per_minute: u32,
    counts: BTreeMap<String, usize>,
}

fn row(
    scenario: &'static str,
    platform: &'static str,
    requests: &[LoggedRequest],
    minimum_reads: usize,
    per_minute: u32,
) -> Row {
    let writes = writes(requests);
    Row {
        scenario,
        platform,
        calls: requests.len(),
        writes,
        minimum: minimum_reads + writes,
        per_minute,
        counts: by_method(requests),
    }
}

fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "MISS" }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let items = env_number("API_CALLS_ITEMS", 5000);
    let customers = env_number("API_CALLS_CUSTOMERS", 1000);
    let orders = env_number("API_CALLS_ORDERS", 200);
    let seed = catalogue(items, customers, orders)?;
    let bench = Bench::start(&seed).await?;
    let leaflink_rpm = TransportConfig::leaflink_default().requests_per_minute;
    let flourish_rpm = TransportConfig::flourish_default().requests_per_minute;
    println!(
        "api calls: {items} items/products, {customers} customers, {orders} open orders (plus the seed)"
    );
    let mut rows = Vec::new();
    let started = Instant::now();

    // Initial full sync of records that already match.
    bench.clear();
    bench.resync_all().await?;
    let (ll, fl) = bench.calls();
    let ll_min = list_pages(&ll, &bench.leaflink.dump(), LEAFLINK_PAGE);
    let fl_min = list_pages(&fl, &bench.flourish.dump(), FLOURISH_PAGE);
    rows.push(row(
        "initial full sync",
        "LeafLink",
        &ll,
        ll_min,
        leaflink_rpm,
    ));
    rows.push(row(
        "initial full sync",
        "Flourish",
        &fl,
        fl_min,
        flourish_rpm,
    ));
    let initial_took = started.elapsed();
    let rss_after_sync = rss_kib();

    // A second full resync, everything in sync: reads pages, writes nothing.
    bench.clear();
    bench.resync_all().await?;
    let (ll, fl) = bench.calls();
    assert_eq!(
        writes(&ll),
        0,
        "in sync: no LeafLink write {:?}",
        by_method(&ll)
    );
    assert_eq!(
        writes(&fl),
        0,
        "in sync: no Flourish write {:?}",
        by_method(&fl)
    );
    let ll_min = list_pages(&ll, &bench.leaflink.dump(), LEAFLINK_PAGE);
    let fl_min = list_pages(&fl, &bench.flourish.dump(), FLOURISH_PAGE);
    rows.push(row("in-sync resync", "LeafLink", &ll, ll_min, leaflink_rpm));
    rows.push(row("in-sync resync", "Flourish", &fl, fl_min, flourish_rpm));

    // One new order of 10 lines: read the order once; Flourish is written.
    bench.clear();
    let lines: Vec<SimOrderLine> = (0..10)
        .map(|n| SimOrderLine::cases(900_000 + (n % items.max(1)) as i64, 1))
        .collect();
    let lines = if items == 0 {
        vec![SimOrderLine::cases(5101, 1)]
    } else {
        lines
    };
    let number = bench
        .leaflink
        .place_order(311, &[42], &lines)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // The order job's own reads, as a dry run of it makes them (the same reads, no writes);
    // then the order itself with the product and stock jobs it sets off.
    let estimate = bench.dry_run_order(&number).await?;
    let (ll, fl) = bench.calls();
    rows.push(row(
        "10-line order: its job",
        "LeafLink",
        &ll,
        1,
        leaflink_rpm,
    ));
    rows.push(row(
        "10-line order: its job",
        "Flourish",
        &fl,
        0,
        flourish_rpm,
    ));
    let order_leaflink_reads = ll.len() - writes(&ll);
    bench.clear();
    bench.settle().await?;
    let (ll, fl) = bench.calls();
    rows.push(row("10-line order: all", "LeafLink", &ll, 1, leaflink_rpm));
    rows.push(row("10-line order: all", "Flourish", &fl, 0, flourish_rpm));

    // One item edit on Flourish: read the item and its product, write the product.
    let edited = if items > 0 { "900000" } else { "152" };
    bench.clear();
    bench
        .flourish
        .update_item(
            edited,
            &json!({"item_description": "Indoor flower, re-jarred for the bench."}),
        )
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    bench.settle().await?;
    let (ll, fl) = bench.calls();
    rows.push(row("one item edit", "LeafLink", &ll, 1, leaflink_rpm));
    rows.push(row("one item edit", "Flourish", &fl, 1, flourish_rpm));

    // One stock change: the stock summary of each facility (all its pages), then the product.
    let facilities = list_pages(
        &[LoggedRequest {
            method: "GET".into(),
            path: "/inventory/summary".into(),
            query: None,
            headers: Vec::new(),
            body: Value::Null,
        }],
        &bench.flourish.dump(),
        FLOURISH_PAGE,
    );
    let sku = |i: usize| {
        if items > 0 {
            format!("BN-FL-{:05}", i % items)
        } else {
            "CF-FL-OGK-35".to_owned()
        }
    };
    let facility = seed["flourish"]["inventory"][0]["facility_id"]
        .as_str()
        .unwrap_or("04bb2a7c")
        .to_owned();
    bench.clear();
    bench
        .flourish
        .set_inventory(&facility, &sku(1), 97.0, None)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    bench.settle().await?;
    let (ll, fl) = bench.calls();
    rows.push(row("one stock change", "LeafLink", &ll, 1, leaflink_rpm));
    rows.push(row(
        "one stock change",
        "Flourish",
        &fl,
        facilities,
        flourish_rpm,
    ));

    // A burst of 100 stock changes: one stock read per facility, one page of products.
    bench.clear();
    for i in 0..100 {
        bench
            .flourish
            .set_inventory(&facility, &sku(10 + i), 50.0 + i as f64, None)
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    }
    bench.settle().await?;
    let (ll, fl) = bench.calls();
    rows.push(row("100 stock changes", "LeafLink", &ll, 1, leaflink_rpm));
    rows.push(row(
        "100 stock changes",
        "Flourish",
        &fl,
        facilities,
        flourish_rpm,
    ));
    let total_took = started.elapsed();

    println!(
        "\n{:<22} {:<9} {:>7} {:>7} {:>8} {:>6} {:>12}",
        "scenario", "platform", "calls", "writes", "minimum", "ratio", "wall at limit"
    );
    for r in &rows {
        let wall = r.calls as f64 * 60.0 / f64::from(r.per_minute.max(1));
        println!(
            "{:<22} {:<9} {:>7} {:>7} {:>8} {:>6.2} {:>9.1} s  ({}/min)",
            r.scenario,
            r.platform,
            r.calls,
            r.writes,
            r.minimum,
            r.calls as f64 / r.minimum.max(1) as f64,
            wall,
            r.per_minute
        );
    }
    println!("\ncalls by method:");
    for r in &rows {
        println!("  {} / {}:", r.scenario, r.platform);
        for (call, count) in &r.counts {
            println!("    {count:>6}  {call}");
        }
    }

    let ratio = |scenario: &str| {
        let (calls, minimum) = rows
            .iter()
            .filter(|r| r.scenario == scenario)
            .fold((0, 0), |(c, m), r| (c + r.calls, m + r.minimum));
        calls as f64 / minimum.max(1) as f64
    };
    let order_writes = rows
        .iter()
        .find(|r| r.scenario == "10-line order: all" && r.platform == "LeafLink")
        .map(|r| r.writes)
        .unwrap_or(0);
    println!("\ntargets:");
    let resync = ratio("in-sync resync");
    println!(
        "  in-sync resync within 1.5x the minimum: {resync:.2}x  {}",
        verdict(resync <= 1.5)
    );
    println!("  in-sync resync writes nothing: 0 writes  PASS (asserted)");
    println!(
        "  10-line order within 4 LeafLink calls plus its writes: the order job reads {order_leaflink_reads}, writes {order_writes}  {}",
        verdict(order_leaflink_reads <= 4)
    );
    println!("  (its dry run estimated {estimate})");
    let initial = ratio("initial full sync");
    println!(
        "  initial full sync within 2x the minimum: {initial:.2}x  {}",
        verdict(initial <= 2.0)
    );
    println!(
        "\nran in {:.1} s (initial full sync {:.1} s) with the rate limits lifted",
        total_took.as_secs_f64(),
        initial_took.as_secs_f64()
    );
    match rss_after_sync {
        Some(kib) => println!(
            "process RSS after the initial full sync: {:.1} MiB (simulators and leafbridge in one process)",
            kib as f64 / 1024.0
        ),
        None => println!("process RSS after the initial full sync: not available on this system"),
    }
    bench.shutdown.cancel();
    Ok(())
}

/// The resident set size of this process in KiB (Linux `/proc/self/status`).
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}
