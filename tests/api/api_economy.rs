//! What leafbridge spends on the platforms' APIs: the calls it reports (`/metrics`, the stats
//! page) are the calls the simulators saw, and a full resync of data already in sync costs
//! calls per page, not per entity.

use leafbridge::sim::common::LoggedRequest;
use leafbridge::sim::leaflink::SimOrderLine;
use serde_json::{Value, json};

use crate::world::{World, seed_settings, spawn_world, spawn_world_with};

fn writes(requests: &[LoggedRequest]) -> Vec<String> {
    requests
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

async fn resync(world: &World, body: Value) {
    let response = world
        .app
        .http
        .post(format!("{}/api/v1/resync", world.app.address))
        .bearer_auth(crate::helpers::ADMIN_TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    world.settle().await;
}

/// The value of the sample of `/metrics` whose name and labels start as `prefix`.
fn sample(metrics: &str, prefix: &str) -> Option<f64> {
    metrics
        .lines()
        .find(|line| line.starts_with(prefix))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

#[tokio::test]
async fn calls_reported_are_the_calls_the_platforms_saw() {
    let world = spawn_world().await;
    world.leaflink.control().clear_requests();
    world.flourish.control().clear_requests();
    resync(&world, json!({"kind": "items", "ids": ["198", "201"]})).await;
    let leaflink = world.leaflink.control().requests();
    let flourish = world.flourish.control().requests();
    assert!(!leaflink.is_empty() && !flourish.is_empty());

    let stats: Value = world
        .app
        .admin_get("/api/v1/stats")
        .await
        .json()
        .await
        .unwrap();
    let calls = stats["platform_calls"].as_array().unwrap();
    let of = |platform: &str| {
        calls
            .iter()
            .find(|c| c["platform"] == platform)
            .unwrap_or_else(|| panic!("no {platform} in {stats}"))
            .clone()
    };
    for (platform, seen) in [("leaflink", &leaflink), ("flourish", &flourish)] {
        let reported = of(platform);
        assert_eq!(reported["since_start"], seen.len() as u64, "{reported}");
        assert_eq!(reported["last_hour"], seen.len() as u64, "{reported}");
        assert_eq!(reported["last_day"], seen.len() as u64, "{reported}");
        assert!(reported["limiter_wait_ms"].is_u64(), "{reported}");
        let gets = seen.iter().filter(|r| r.method == "GET").count() as u64;
        assert_eq!(reported["by_method"]["GET"], gets, "{reported}");
    }

    let metrics = world
        .app
        .http
        .get(format!("{}/metrics", world.app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let gets = leaflink.iter().filter(|r| r.method == "GET").count() as f64;
    assert_eq!(
        sample(
            &metrics,
            r#"leafbridge_platform_requests_total{platform="leaflink",method="GET",status="2xx"}"#
        ),
        Some(gets),
        "{metrics}"
    );
    assert!(
        sample(
            &metrics,
            r#"leafbridge_platform_limiter_wait_seconds_total{platform="flourish"}"#
        )
        .is_some(),
        "{metrics}"
    );
}

/// `METHOD path` → count, most called first, for a failure message.
fn tally(requests: &[LoggedRequest]) -> Vec<(String, usize)> {
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for request in requests {
        let path: String = request
            .path
            .split('/')
            .map(|s| {
                if s.chars().any(|c| c.is_ascii_digit()) {
                    "{id}"
                } else {
                    s
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        *counts
            .entry(format!("{} {path}", request.method))
            .or_default() += 1;
    }
    let mut counts: Vec<_> = counts.into_iter().collect();
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    counts
}

/// The seed once synced, a full resync reads what it must (lists by page, reference data once,
/// stock once per facility) and writes nothing.
#[tokio::test]
async fn a_full_resync_of_data_in_sync_costs_pages_not_entities() {
    let world = spawn_world().await;
    resync(&world, json!({"kind": "all"})).await;
    // Reference lists are read once for every job of the pass (and again, fresh, only by a job
    // about to write).
    let first: Vec<LoggedRequest> = world
        .leaflink
        .control()
        .requests()
        .into_iter()
        .chain(world.flourish.control().requests())
        .collect();
    for list in [
        "/brands/",
        "/strains/",
        "/product-lines/",
        "/product-categories/",
        "/facilities",
    ] {
        let reads = first.iter().filter(|r| r.path.ends_with(list)).count();
        assert!(
            reads <= 1 + writes(&first).len(),
            "{list} read {reads} times: {:?}",
            tally(&first)
        );
    }
    world.leaflink.control().clear_requests();
    world.flourish.control().clear_requests();

    resync(&world, json!({"kind": "all"})).await;
    let leaflink = world.leaflink.control().requests();
    let flourish = world.flourish.control().requests();
    assert_eq!(
        writes(&leaflink),
        Vec::<String>::new(),
        "in sync: no LeafLink write"
    );
    assert_eq!(
        writes(&flourish),
        Vec::<String>::new(),
        "in sync: no Flourish write"
    );
    assert!(
        leaflink.len() <= LEAFLINK_BOUND,
        "{} LeafLink calls: {:?}",
        leaflink.len(),
        tally(&leaflink)
    );
    assert!(
        flourish.len() <= FLOURISH_BOUND,
        "{} Flourish calls: {:?}",
        flourish.len(),
        tally(&flourish)
    );
}

/// Calls a full resync of the in-sync seed may spend (before caching: 294 and 215).
const LEAFLINK_BOUND: usize = 55;
const FLOURISH_BOUND: usize = 30;

/// A resync shares one stock read per facility; a webhook that comes after it is planned from
/// stock read after the webhook, not from the resync's.
#[tokio::test]
async fn a_stock_webhook_after_a_resync_is_not_answered_from_the_resyncs_snapshot() {
    let world = spawn_world().await;
    resync(&world, json!({"kind": "inventory"})).await;
    let before = world.flourish.control().requests();
    let stock_reads = before
        .iter()
        .filter(|r| r.path.ends_with("/inventory/summary"))
        .count();
    assert_eq!(stock_reads, 2, "one read per facility for the whole resync");

    world
        .flourish
        .set_inventory("04bb2a7c", "OGK-PR-1G", 300.0, Some("CFC-PR-261020-OGK"))
        .unwrap();
    world.settle().await;
    let product = world.leaflink.dump()["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == 5150)
        .unwrap()
        .clone();
    // 300 in cultivation and the 120 manufacturing holds.
    assert_eq!(product["quantity"], "420.0000", "{product}");
}

/// A product read by an earlier job that has since changed on LeafLink never causes a write:
/// a plan from shared reads that would write is planned again from a fresh read.
#[tokio::test]
async fn a_stale_shared_product_never_causes_a_write() {
    let world = spawn_world().await;
    // The first links the product, the second reads it through the shared snapshot.
    resync(&world, json!({"kind": "items", "ids": ["151"]})).await;
    resync(&world, json!({"kind": "items", "ids": ["151"]})).await;

    // Both sides now carry the new name; the shared snapshot still has the old one.
    let name = "OG Kush Pre-Roll 1g Tube";
    world
        .leaflink
        .update_product(5150, &json!({"name": name}))
        .unwrap();
    world
        .flourish
        .update_item("151", &json!({"item_name": name}))
        .unwrap();
    world.leaflink.control().clear_requests();
    resync(&world, json!({"kind": "items", "ids": ["151"]})).await;

    let leaflink = world.leaflink.control().requests();
    assert_eq!(writes(&leaflink), Vec::<String>::new());
    let product_reads = leaflink
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/products/5150/"))
        .count();
    assert!(
        product_reads >= 1,
        "read fresh before writing: {:?}",
        tally(&leaflink)
    );
}

/// The jobs of a resync share one listing of customers and destinations, read after the
/// resync began: a customer changed after an earlier resync is seen by the next one.
#[tokio::test]
async fn a_resync_lists_customers_again_rather_than_trusting_an_earlier_listing() {
    let mut settings = seed_settings();
    settings.overwrite_destinations = true;
    let world = spawn_world_with(settings).await;
    let license = "C10-0000123-LIC";
    resync(&world, json!({"kind": "customers", "ids": [license]})).await;

    world
        .leaflink
        .upsert_customer(&json!({"id": 311, "phone": "510-555-9999"}))
        .unwrap();
    world.flourish.control().clear_requests();
    resync(&world, json!({"kind": "customers", "ids": [license]})).await;

    let flourish = world.flourish.control().requests();
    assert_eq!(writes(&flourish).len(), 1, "{:?}", tally(&flourish));
    let destination = world.flourish.dump()["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["license_number"] == license)
        .unwrap()
        .clone();
    assert_eq!(destination["company_phone_number"], "510-555-9999");
}

/// An order's lines cost one read of their products (a `sku=` comma list of the linked SKUs)
/// and one of their batches (an `id=` comma list), not one read per line.
#[tokio::test]
async fn an_orders_products_and_batches_are_read_in_one_call_each() {
    let world = spawn_world().await;
    // Items first: their jobs link each SKU to its product.
    resync(&world, json!({"kind": "items"})).await;
    world.leaflink.control().clear_requests();
    let number = "ad74a83f-8e39-4d41-b24f-9efe686b21df";
    resync(&world, json!({"kind": "orders", "ids": [number]})).await;
    let leaflink = world.leaflink.control().requests();
    // The order's own reads end with its batches; the stock jobs that placing it in Flourish
    // sets off come after (and read the products they write, as webhooks' jobs do).
    let end = leaflink
        .iter()
        .position(|r| r.path.ends_with("/batches/"))
        .unwrap_or_else(|| panic!("no batch read: {:?}", tally(&leaflink)));
    let order_reads = &leaflink[..=end];
    let reads = |path: &str| {
        order_reads
            .iter()
            .filter(|r| r.method == "GET" && r.path.ends_with(path))
            .collect::<Vec<_>>()
    };
    assert!(
        order_reads
            .iter()
            .all(|r| !r.path.contains("/products/5") && !r.path.contains("/batches/7")),
        "nothing read by id: {:?}",
        tally(order_reads)
    );
    let products = reads("/products/");
    assert_eq!(products.len(), 1, "{:?}", tally(order_reads));
    let query = products[0].query.clone().unwrap_or_default();
    assert!(query.contains("sku="), "{query}");
    let query = leaflink[end].query.clone().unwrap_or_default();
    assert!(query.starts_with("id=77%2C78&"), "{query}");
    // Order (its customer comes with it), staff, products, batches.
    assert_eq!(order_reads.len(), 4, "{:?}", tally(order_reads));
    assert!(
        order_reads.iter().all(|r| !r.path.contains("/customers/")),
        "the customer comes with the order: {:?}",
        tally(order_reads)
    );
    let placed = world.flourish.dump()["outbound_orders"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["original_order_id"] == json!(number))
        .count();
    assert_eq!(placed, 1, "the order still reaches Flourish");
}

/// What LeafLink reserves for orders already in Flourish comes from one listing of the open
/// orders for the whole pass, not one per SKU.
#[tokio::test]
async fn a_stock_resync_lists_the_open_orders_once() {
    let world = spawn_world().await;
    resync(&world, json!({"kind": "all"})).await;
    world.leaflink.control().clear_requests();
    resync(&world, json!({"kind": "inventory"})).await;
    let leaflink = world.leaflink.control().requests();
    let listings: Vec<_> = leaflink
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/orders-received/"))
        .collect();
    assert_eq!(listings.len(), 1, "{:?}", tally(&leaflink));
    let query = listings[0].query.clone().unwrap_or_default();
    assert!(query.contains("status=submitted%2Caccepted"), "{query}");
    assert_eq!(
        writes(&leaflink),
        Vec::<String>::new(),
        "in sync: nothing written"
    );
}

/// A figure held from an earlier pass never causes a write: after a resync, a stock webhook's
/// job reads the open orders and the product it overwrites again (both were read before the
/// webhook came) and writes from those reads.
#[tokio::test]
async fn a_webhook_after_a_resync_reads_open_orders_again_before_writing() {
    let world = spawn_world().await;
    resync(&world, json!({"kind": "inventory"})).await;
    world.leaflink.control().clear_requests();
    world
        .flourish
        .set_inventory("04bb2a7c", "OGK-PR-1G", 250.0, Some("CFC-PR-261020-OGK"))
        .unwrap();
    world.settle().await;
    let leaflink = world.leaflink.control().requests();
    assert!(
        leaflink
            .iter()
            .any(|r| r.method == "GET" && r.path.ends_with("/products/5150/")),
        "the product it overwrites is read again: {:?}",
        tally(&leaflink)
    );
    assert!(
        leaflink
            .iter()
            .any(|r| r.method == "GET" && r.path.ends_with("/orders-received/")),
        "the open orders are read again: {:?}",
        tally(&leaflink)
    );
    let product = world.leaflink.dump()["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == 5150)
        .unwrap()
        .clone();
    assert_eq!(product["quantity"], "370.0000", "{product}");
}

async fn dry_run(world: &World, body: Value) -> Value {
    let response = world
        .app
        .http
        .post(format!("{}/api/v1/resync", world.app.address))
        .bearer_auth(crate::helpers::ADMIN_TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// A new order of ten lines costs LeafLink at most four reads besides its writes: the order
/// (its customer and lines come with it), the company staff (reference data), its products in
/// one `sku=` read and its batches in one `id=` read; Flourish's items come in one read of the
/// items linked to its products.
#[tokio::test]
async fn a_ten_line_order_is_read_from_leaflink_in_four_calls_at_most() {
    let world = spawn_world().await;
    // Items first: their jobs link each SKU to its product and item.
    resync(&world, json!({"kind": "items"})).await;
    let products = [5101, 5103, 5104, 5105, 5107, 5108, 5109, 5110, 5111, 5112];
    let lines: Vec<SimOrderLine> = products
        .iter()
        .map(|p| SimOrderLine::cases(*p, 1))
        .collect();
    let number = world.leaflink.place_order(311, &[42], &lines).unwrap();
    world.leaflink.control().clear_requests();
    world.flourish.control().clear_requests();

    // The dry run of its job reads what the job reads, and writes nothing.
    let report = dry_run(
        &world,
        json!({"kind": "orders", "ids": [number], "dry_run": true}),
    )
    .await;
    let plan = report["plans"][0]["plan"].to_string();
    assert!(plan.contains("create_order"), "{plan}");
    let leaflink = world.leaflink.control().requests();
    assert!(leaflink.len() <= 4, "{:?}", tally(&leaflink));
    assert!(
        leaflink.iter().all(|r| !r.path.contains("/customers/")),
        "the customer comes with the order: {:?}",
        tally(&leaflink)
    );
    let flourish = world.flourish.control().requests();
    let item_reads: Vec<_> = flourish
        .iter()
        .filter(|r| r.path.ends_with("/items"))
        .collect();
    assert_eq!(
        item_reads.len(),
        1,
        "{:?}",
        item_reads.iter().map(|r| &r.query).collect::<Vec<_>>()
    );
    let query = item_reads[0].query.clone().unwrap_or_default();
    assert!(query.contains("item_id="), "{query}");
    assert_eq!(writes(&leaflink).len() + writes(&flourish).len(), 0);

    // The job itself places it, with every line.
    world.settle().await;
    let placed: Vec<Value> = world.flourish.dump()["outbound_orders"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["original_order_id"] == json!(number))
        .cloned()
        .collect();
    assert_eq!(placed.len(), 1, "the order reaches Flourish");
    assert_eq!(
        placed[0]["order_lines"].as_array().map(Vec::len),
        Some(10),
        "{}",
        placed[0]
    );
}

/// The second full resync of the seed reads no order, customer, Flourish order or item on its
/// own: order and customer jobs take theirs from the listings the resync made to find them,
/// and the pass's listings of every item, product, destination and Flourish order.
#[tokio::test]
async fn a_resyncs_jobs_read_no_entity_on_its_own() {
    let world = spawn_world().await;
    resync(&world, json!({"kind": "all"})).await;
    world.leaflink.control().clear_requests();
    world.flourish.control().clear_requests();
    resync(&world, json!({"kind": "all"})).await;
    let leaflink = world.leaflink.control().requests();
    let flourish = world.flourish.control().requests();
    let by_id = |r: &&LoggedRequest| {
        r.path
            .split('/')
            .any(|s| s.chars().any(|c| c.is_ascii_digit()) && s != "v1" && s != "v2")
    };
    let single_reads: Vec<String> = leaflink
        .iter()
        .chain(&flourish)
        .filter(|r| r.method == "GET")
        .filter(|r| {
            by_id(r)
                || r.query
                    .as_deref()
                    .is_some_and(|q| q.contains("sku=") || q.contains("license_number="))
        })
        .map(|r| format!("{} {}", r.path, r.query.clone().unwrap_or_default()))
        .collect();
    assert!(
        single_reads.is_empty(),
        "{single_reads:?} in {:?} {:?}",
        tally(&leaflink),
        tally(&flourish)
    );
    assert_eq!(writes(&leaflink), Vec::<String>::new());
    assert_eq!(writes(&flourish), Vec::<String>::new());
}

/// The first full sync finds each item's product in the pass's listing of every product, not
/// by one `sku=` read per item: only a job about to create a product searches its SKU again,
/// fresh (twice: when planning again and right before the create).
#[tokio::test]
async fn the_initial_sync_finds_products_in_the_listing_not_one_read_per_sku() {
    let world = spawn_world().await;
    resync(&world, json!({"kind": "all"})).await;
    let leaflink = world.leaflink.control().requests();
    // One SKU each; the orders' lines are read in one comma list each.
    let by_sku: Vec<_> = leaflink
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/products/"))
        .filter_map(|r| r.query.clone())
        .filter(|q| q.contains("sku=") && !q.contains("%2C"))
        .collect();
    let creates = writes(&leaflink)
        .iter()
        .filter(|w| w.starts_with("POST") && w.ends_with("/products/"))
        .count();
    assert!(
        by_sku.len() <= 2 * creates,
        "{} SKU reads for {creates} creates: {by_sku:?}",
        by_sku.len()
    );
}

/// A dry run says what the resync would cost on each platform: pages, reads and the writes its
/// plans make, which add up to the total.
#[tokio::test]
async fn a_dry_run_estimates_the_calls_of_the_resync() {
    let world = spawn_world().await;
    let number = "ad74a83f-8e39-4d41-b24f-9efe686b21df";
    let report = dry_run(
        &world,
        json!({"kind": "orders", "ids": [number], "dry_run": true}),
    )
    .await;
    let estimate = &report["estimated_calls"];
    for platform in ["leaflink", "flourish"] {
        let calls = &estimate[platform];
        let parts: u64 = ["list_pages", "reads", "writes"]
            .iter()
            .map(|part| calls[part].as_u64().unwrap())
            .sum();
        assert_eq!(calls["total"].as_u64(), Some(parts), "{estimate}");
    }
    // The plan creates the Flourish order (and its destination, when new).
    let plan = report["plans"][0]["plan"]["plan"]["steps"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let flourish_steps = plan
        .iter()
        .filter(|s| {
            matches!(
                s["step"].as_str(),
                Some("create_order" | "create_destination" | "update_lines" | "cancel_order")
            )
        })
        .count() as u64;
    assert!(flourish_steps >= 1, "{report}");
    assert_eq!(
        estimate["flourish"]["writes"].as_u64(),
        Some(flourish_steps)
    );
    assert!(
        estimate["leaflink"]["reads"].as_u64().unwrap() >= 3,
        "{estimate}"
    );

    // The same from the command line, against the running instance.
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_leafbridge"))
        .args(["resync", "orders", number, "--dry-run"])
        .args([
            "--url",
            &world.app.address,
            "--token",
            crate::helpers::ADMIN_TOKEN,
        ])
        .env_clear()
        .env("RUST_LOG", "error")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("estimated cost: LeafLink ~") && stdout.contains("Flourish ~"),
        "{stdout}"
    );
}
