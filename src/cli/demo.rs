//! `leafbridge demo`: both simulators with the seed dataset and leafbridge on a temporary SQLite
//! file, webhooks wired, then a short scenario a newcomer can follow; then it keeps serving.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::app::{Application, cancel_on_signal};
use crate::cli::serve::wiring;
use crate::cli::simulate::BUILTIN_SEED;
use crate::config::Config;
use crate::sim::flourish::{FlourishSim, FlourishSimConfig, flourish_webhook_target};
use crate::sim::leaflink::{LeafLinkSim, LeafLinkSimConfig, SimOrderLine, webhook_target};
use crate::store::{Db, events, jobs, now_ms};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where leafbridge listens during the demo.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Stop after the scenario instead of serving until Ctrl-C.
    #[arg(long)]
    pub exit: bool,
}

const ADMIN_TOKEN: &str = "demo-admin-token";
const LEAFLINK_KEY: &str = "demo-leaflink-webhook-key";
const FLOURISH_KEY: &str = "demo-flourish-webhook-key";
const API_KEY: &str = "demo-api-key";

/// Everything the scenario drives and looks at.
struct Demo {
    db: Db,
    leaflink: LeafLinkSim,
    flourish: FlourishSim,
    connection: String,
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("leafbridge-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let result = run_in(&dir, args).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run_in(dir: &std::path::Path, args: DemoArgs) -> anyhow::Result<()> {
    let seed: Value = serde_json::from_str(BUILTIN_SEED).context("the built-in seed")?;
    let local: SocketAddr = "127.0.0.1:0".parse().expect("address");
    let ll_config = LeafLinkSimConfig {
        api_key: API_KEY.into(),
        webhook: None,
    };
    let leaflink = LeafLinkSim::start(local, ll_config, Some(&seed["leaflink"])).await?;
    let fl_config = FlourishSimConfig {
        api_key: API_KEY.into(),
        webhook: None,
    };
    let flourish = FlourishSim::start(local, fl_config, Some(&seed["flourish"])).await?;
    let config = demo_config(dir, &args, &leaflink, &flourish)?;
    let app = Application::build_with(config.clone(), |db| wiring(&config, db))
        .await
        .with_context(|| {
            format!(
                "starting leafbridge on {} (is the port free? try --listen 127.0.0.1:0)",
                args.listen
            )
        })?;
    let address = format!("http://{}", app.local_addr());
    leaflink.outbox().set_target(Some(webhook_target(
        format!("{address}/webhooks/leaflink"),
        LEAFLINK_KEY,
    )));
    flourish.outbox().set_target(Some(flourish_webhook_target(
        format!("{address}/webhooks/flourish"),
        FLOURISH_KEY,
    )));
    let demo = Demo {
        db: app.state().db.clone(),
        leaflink,
        flourish,
        connection: config.connection.name.clone(),
    };
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(app.run(shutdown.clone(), true));
    let outcome = scenario(&demo).await;
    print_urls(&address, &demo);
    print_console(&address, &demo.db).await;
    if outcome.is_ok() && !args.exit {
        println!("\nleafbridge keeps serving; press Ctrl-C to stop.");
        cancel_on_signal(shutdown.clone());
        shutdown.cancelled().await;
    }
    shutdown.cancel();
    server.await.context("leafbridge task")??;
    let Demo {
        leaflink, flourish, ..
    } = demo;
    leaflink.shutdown().await;
    flourish.shutdown().await;
    outcome
}

fn demo_config(
    dir: &std::path::Path,
    args: &DemoArgs,
    leaflink: &LeafLinkSim,
    flourish: &FlourishSim,
) -> anyhow::Result<Config> {
    let database = format!("sqlite://{}", dir.join("leafbridge.db").display());
    let listen = args.listen.to_string();
    let env: HashMap<String, String> = [
        ("LEAFBRIDGE_DATABASE_URL", database.as_str()),
        ("LEAFBRIDGE_LISTEN", listen.as_str()),
        ("LEAFBRIDGE_LEAFLINK_WEBHOOK_KEY", LEAFLINK_KEY),
        ("LEAFBRIDGE_FLOURISH_WEBHOOK_KEY", FLOURISH_KEY),
        ("LEAFBRIDGE_ADMIN_TOKEN", ADMIN_TOKEN),
        ("LEAFBRIDGE_LEAFLINK_BASE_URL", &leaflink.base_url()),
        ("LEAFBRIDGE_LEAFLINK_API_KEY", API_KEY),
        ("LEAFBRIDGE_FLOURISH_BASE_URL", &flourish.base_url()),
        ("LEAFBRIDGE_FLOURISH_API_KEY", API_KEY),
        ("LEAFBRIDGE_LEAFLINK_REQUESTS_PER_MINUTE", "6000"),
        ("LEAFBRIDGE_FLOURISH_REQUESTS_PER_SECOND", "100"),
        ("LEAFBRIDGE_CATEGORY_MAP", "Gummies=Edible"),
        ("LEAFBRIDGE_EXTERNAL_ID_KEY", "flourish_order_id"),
        ("LEAFBRIDGE_LEAFLINK_LICENSE", "C11-0004127-LIC"),
        (
            "LEAFBRIDGE_SUBCATEGORY_MAP",
            "Flower=Indoor,Edible=Chocolates,Vape=Cartridges",
        ),
        ("LEAFBRIDGE_PRODUCT_EXTERNAL_ID_KEY", "flourish"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    Ok(Config::from_sources(None, &env)?)
}

/// Prints a step's title; returns when it started, to show only what it caused.
fn step(number: usize, text: &str) -> i64 {
    println!("\n── {number}. {text}");
    now_ms()
}

async fn scenario(demo: &Demo) -> anyhow::Result<()> {
    println!("leafbridge demo: Canyon Farms sells on LeafLink and fulfils from Flourish.");
    demo.settle().await?;

    let since = step(
        1,
        "A buyer at Green Door Dispensary orders one case of OG Kush Pre-Roll 1g (10 per case, batch 77); rep: Ana Reyes (ana.reyes@…)",
    );
    let number =
        demo.leaflink
            .place_order(311, &[42], &[SimOrderLine::cases(5150, 1).with_batch(77)])?;
    demo.settle().await?;
    demo.show_events(&format!("leaflink.order:{number}"), since)
        .await?;
    let first = demo.flourish_orders(&number);
    demo.print_orders(&first);
    let Some(order) = first.iter().find(|o| o["order_status"] == "Created") else {
        bail!("the order did not arrive in Flourish");
    };

    let since = step(
        2,
        "The order is credited to Ana's second account (ana.reyes.mfg@…), who sells for Manufacturing: the order moves",
    );
    demo.leaflink.set_order_sales_reps(&number, &[43])?;
    demo.settle().await?;
    demo.show_events(&format!("leaflink.order:{number}"), since)
        .await?;
    demo.print_orders(&demo.flourish_orders(&number));

    let since = step(
        3,
        "In Flourish, the description of item 157 (West Coast Cookies, Unavailable on LeafLink) is edited",
    );
    demo.flourish.update_item(
        "157",
        &json!({"item_description": "Small-batch indoor flower, hang-dried and hand-trimmed."}),
    )?;
    demo.settle().await?;
    demo.show_events("flourish.item:157", since).await?;
    demo.print_product(5106);

    let since = step(
        4,
        "Flourish counts 250 sellable OG Kush Pre-Rolls in Cultivation",
    );
    demo.flourish
        .set_inventory("04bb2a7c", "OGK-PR-1G", 250.0, None)?;
    demo.settle().await?;
    demo.show_events("flourish.inventory_summary:OGK-PR-1G", since)
        .await?;
    demo.print_product(5150);

    let since = step(5, "Flourish ships the order");
    let moved = demo.flourish_orders(&number);
    let live = moved
        .iter()
        .find(|o| o["order_status"] == "Created")
        .unwrap_or(order);
    let id = live["id"].as_str().unwrap_or_default().to_owned();
    demo.flourish.set_order_status(&id, "Shipped")?;
    demo.settle().await?;
    demo.show_events(&format!("flourish.order:{id}"), since)
        .await?;
    println!(
        "   LeafLink order {} is now {}",
        short(&number),
        demo.leaflink_order_status(&number)
    );

    let since = step(
        6,
        "A buyer orders Lemon Cherry Gelato 3.5g, a SKU (CF-FL-LCG-35) that does not exist in Flourish",
    );
    let bad = demo
        .leaflink
        .place_order(312, &[57], &[SimOrderLine::units(5191, "4")])?;
    demo.settle().await?;
    demo.show_events(&format!("leaflink.order:{bad}"), since)
        .await?;

    let since = step(
        7,
        "Highland Wellness orders two cases of Girl Scout Cookies Pre-Rolls (on sale at $216 instead of $228) and six Sour Diesel jars; the seller adds a 5 % discount, 7.25 % tax and $35 shipping",
    );
    let priced = demo.leaflink.place_order(
        315,
        &[57],
        &[
            SimOrderLine::cases(5114, 2).with_batch(81),
            SimOrderLine::units(5110, "6").with_batch(80),
        ],
    )?;
    demo.leaflink.set_order_money(
        &priced,
        &json!({
            "lines": [{"product": 5114, "sale_price": "216.00"}],
            "discount": 5, "discount_type": "%",
            "tax_amount": 7.25, "tax_type": "%",
            "shipping_charge": {"amount": "35.00", "currency": "USD"},
        }),
    )?;
    demo.settle().await?;
    demo.show_events(&format!("leaflink.order:{priced}"), since)
        .await?;
    demo.print_money(&priced)
}

fn short(number: &str) -> &str {
    &number[number.len().saturating_sub(8)..]
}

impl Demo {
    /// Waits until every webhook was delivered and every job ran.
    async fn settle(&self) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut quiet = 0;
        while quiet < 3 {
            if Instant::now() > deadline {
                bail!("leafbridge did not finish its work within 30 seconds");
            }
            self.leaflink.outbox().flush().await;
            self.flourish.outbox().flush().await;
            let queue = jobs::stats(&self.db.pool, now_ms()).await?;
            quiet = if queue.pending == 0 && queue.running == 0 {
                quiet + 1
            } else {
                0
            };
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
        Ok(())
    }

    /// Prints what leafbridge recorded for `entity_key` during the current step.
    async fn show_events(&self, entity_key: &str, since: i64) -> anyhow::Result<()> {
        let filter = events::EventFilter {
            entity_key: Some(entity_key.to_owned()),
            ..Default::default()
        };
        let mut list = events::list(&self.db.pool, &self.connection, &filter, 20).await?;
        list.retain(|event| event.received_at >= since);
        list.reverse();
        for event in list {
            let outcome = event.outcome.as_deref().unwrap_or(&event.status);
            let reason = event.reason.as_deref().unwrap_or("");
            println!(
                "   leafbridge: {} {} webhook → {outcome}: {reason}",
                event.source, event.kind
            );
        }
        Ok(())
    }

    fn flourish_orders(&self, number: &str) -> Vec<Value> {
        let state = self.flourish.dump();
        let orders = state["outbound_orders"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        orders
            .into_iter()
            .filter(|o| o["original_order_id"] == number)
            .collect()
    }

    fn print_orders(&self, orders: &[Value]) {
        for order in orders {
            println!(
                "   Flourish order {} in facility {}: {}",
                order["id"].as_str().unwrap_or("?"),
                order["facility_id"].as_str().unwrap_or("?"),
                order["order_status"].as_str().unwrap_or("?")
            );
            for line in order["order_lines"].as_array().into_iter().flatten() {
                let sold = match &line["discount_price"] {
                    Value::Null => String::new(),
                    price => format!(" (sold at {price})"),
                };
                println!(
                    "     {} × {} eaches at {} each{sold}, lot {}",
                    line["sku"].as_str().unwrap_or("?"),
                    line["order_qty"],
                    line["unit_price"],
                    line["lot_number"].as_str().unwrap_or("-")
                );
            }
        }
    }

    fn print_product(&self, id: i64) {
        let state = self.leaflink.dump();
        let products = state["products"].as_array().cloned().unwrap_or_default();
        if let Some(product) = products.iter().find(|p| p["id"] == id) {
            println!(
                "   LeafLink product {id} {}: listing state {}, quantity {}, description {:?}",
                product["sku"].as_str().unwrap_or("?"),
                product["listing_state"].as_str().unwrap_or("?"),
                product["quantity"],
                product["description"].as_str().unwrap_or("")
            );
        }
    }

    /// The order's money on both sides: LeafLink's invoice and the Flourish order's entries,
    /// and whether the totals agree to the cent.
    fn print_money(&self, number: &str) -> anyhow::Result<()> {
        let state = self.leaflink.dump();
        let orders = state["orders"].as_array().cloned().unwrap_or_default();
        let Some(order) = orders.iter().find(|o| o["number"] == number) else {
            bail!("LeafLink order {number} is gone");
        };
        let text = |value: &Value| value.as_str().unwrap_or("0").to_owned();
        let leaflink = text(&order["total"]["amount"]);
        let value = order["discount"].as_f64().unwrap_or_default();
        let discount = match order["discount_type"].as_str() {
            Some("$") => format!("${value:.2}"),
            _ => format!("{value}%"),
        };
        println!(
            "   LeafLink order {}: total ${leaflink} (discount {discount}, tax ${}, shipping ${})",
            short(number),
            text(&order["final_tax"]),
            text(&order["shipping_charge"]["amount"]),
        );
        let flourish = self.flourish_orders(number);
        let Some(created) = flourish.first() else {
            bail!("the priced order did not arrive in Flourish");
        };
        self.print_orders(std::slice::from_ref(created));
        for list in ["pretax_discounts", "charges", "discounts"] {
            for entry in created[list].as_array().into_iter().flatten() {
                println!(
                    "     {list}: {} {}",
                    entry["name"].as_str().unwrap_or("?"),
                    entry["amount"]
                );
            }
        }
        let total = created["order_total"].as_f64().unwrap_or_default();
        let agrees = leaflink
            .parse::<f64>()
            .is_ok_and(|l| (l - total).abs() < 0.005);
        println!(
            "   Flourish order total ${total:.2}: {}",
            if agrees {
                "the money arrived intact"
            } else {
                "the totals differ"
            }
        );
        if !agrees {
            bail!("LeafLink's total ${leaflink} and Flourish's ${total:.2} differ");
        }
        Ok(())
    }

    fn leaflink_order_status(&self, number: &str) -> String {
        let state = self.leaflink.dump();
        let orders = state["orders"].as_array().cloned().unwrap_or_default();
        orders
            .iter()
            .find(|o| o["number"] == number)
            .and_then(|o| o["status"].as_str())
            .unwrap_or("unknown")
            .to_owned()
    }
}

/// The console's address and a one-time sign-in link (valid for 30 minutes, used once).
async fn print_console(address: &str, db: &Db) {
    println!("  console              {address}/console/");
    match crate::console::session::one_time_link(db).await {
        Ok(secret) => println!(
            "  sign in once with    {address}/console/sign-in/link?token={secret}\n  \
             (then see the bad-SKU order waiting under Attention)"
        ),
        Err(error) => println!("  (no sign-in link: {error}; sign in with the admin token)"),
    }
}

fn print_urls(address: &str, demo: &Demo) {
    println!("\nServing:");
    println!("  leafbridge           {address}  (admin token: {ADMIN_TOKEN})");
    println!(
        "  event log            curl -H 'Authorization: Bearer {ADMIN_TOKEN}' {address}/api/v1/events"
    );
    println!("  metrics              {address}/metrics");
    println!(
        "  LeafLink simulator   {}  (API key: {API_KEY}; state: /_sim/state)",
        demo.leaflink.base_url()
    );
    println!(
        "  Flourish simulator   {}  (API key: {API_KEY})",
        demo.flourish.base_url()
    );
}
