//! The operator console in a real headless Chromium driven over WebDriver (chromedriver):
//! sign in, see the seed scenario's attention item, fix the data in the Flourish simulator,
//! Retry until synced, open and replay an event, dry-run then confirm a resync, sign out and be
//! refused. A screenshot of every page is saved under `target/console-screenshots/`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use leafbridge::sim::leaflink::SimOrderLine;
use serde_json::json;

use crate::helpers::{ADMIN_TOKEN, missing_prerequisite};
use crate::preflight_html::has_several_colours;
use crate::world::{World, spawn_world};

/// Chromium and chromedriver are both needed; CI demands them.
fn browser_installed() -> bool {
    let runs = |program: &str| {
        Command::new(program)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let found = runs("chromium") && runs("chromedriver");
    if !found {
        missing_prerequisite(
            "chromium or chromedriver not installed (apt-get install -y chromium chromium-driver)",
        );
    }
    found
}

/// chromedriver on a free port, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_driver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver { child, port };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("chromedriver did not listen on port {port}");
}

async fn browser(driver: &Driver, profile: &std::path::Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-sync",
                "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session")
}

fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("console-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Saves a screenshot of the current page and checks it is a real picture.
async fn shoot(client: &Client, name: &str) {
    let png = client.screenshot().await.expect("a screenshot");
    assert!(
        png.len() > 5_000,
        "{name}: screenshot of {} bytes",
        png.len()
    );
    assert!(has_several_colours(&png), "{name}: the screenshot is blank");
    std::fs::write(screenshot_dir().join(format!("{name}.png")), &png).unwrap();
}

async fn source(client: &Client) -> String {
    client.source().await.expect("the page source")
}

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
}

/// Clicks `css` and waits for the page that follows to contain `expected`; answers its source.
async fn click_until(client: &Client, css: &str, expected: &str) -> String {
    click(client, css).await;
    let mut page = String::new();
    for _ in 0..100 {
        page = source(client).await;
        if page.contains(expected) {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("after clicking {css}, no page with {expected:?}: {page}");
}

async fn open(client: &Client, world: &World, path: &str) -> String {
    client
        .goto(&format!("{}{path}", world.app.address))
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    source(client).await
}

#[tokio::test]
async fn an_operator_fixes_retries_replays_resyncs_and_signs_out_in_a_real_browser() {
    if !browser_installed() {
        return;
    }
    let world = spawn_world().await;
    // Product 5191 `CF-FL-LCG-35` has no Flourish item: the order needs attention.
    let number = world
        .leaflink
        .place_order(311, &[42], &[SimOrderLine::units(5191, "2")])
        .unwrap();
    world.settle().await;
    let driver = start_driver().await;
    let profile = tempfile::tempdir().unwrap();
    let client = browser(&driver, profile.path()).await;

    // Signed out, the console sends the operator to the sign-in form.
    let page = open(&client, &world, "/console/attention").await;
    assert!(page.contains("Sign in to the leafbridge console"), "{page}");
    shoot(&client, "sign-in").await;
    client
        .find(Locator::Id("token"))
        .await
        .unwrap()
        .send_keys(ADMIN_TOKEN)
        .await
        .unwrap();
    let page = click_until(
        &client,
        "form button[type=submit]",
        "<h1>Needs attention</h1>",
    )
    .await;
    assert!(
        page.contains("<h1>Needs attention</h1>"),
        "back where they were: {page}"
    );
    assert!(
        page.contains("CF-FL-LCG-35"),
        "the bad SKU is named: {page}"
    );
    assert!(page.contains(&number));
    shoot(&client, "attention").await;
    let session = client.get_named_cookie("lb_console").await.unwrap();

    // The item is created in Flourish; Retry runs the order again and it syncs.
    world
        .flourish
        .upsert_item(&json!({
            "id": "951", "item_name": "Lemon Cherry Gelato 3.5g", "item_description": "A jar.",
            "sku": "CF-FL-LCG-35", "brand": "Canyon Farms", "ecommerce_active": true,
            "uom": "Each", "price": 30.0, "item_category": "Flower",
            "strain_name": "Lemon Cherry Gelato", "strain_required": true,
            "product_line": "House Flower", "custom_category": "Flower",
        }))
        .unwrap();
    world.settle().await;
    let page = click_until(
        &client,
        "button[aria-label^='Retry leaflink.order']",
        "Retry queued as event",
    )
    .await;
    assert!(page.contains("Retry queued as event"), "{page}");
    world.settle().await;
    let key = format!("leaflink.order:{number}");
    let page = open(
        &client,
        &world,
        &format!("/console/events?entity_key={}", urlencode(&key)),
    )
    .await;
    let newest = page.split("<tbody>").nth(1).unwrap_or_default();
    let first_row = newest.split("</tr>").next().unwrap_or_default();
    assert!(
        first_row.contains(">synced<"),
        "the retried order synced: {first_row}"
    );
    shoot(&client, "events").await;

    // Its page tells the journey; Replay queues it again.
    let page = click_until(&client, "tbody tr td a", "Journey").await;
    assert!(
        page.contains("Journey") && page.contains("Outcome"),
        "{page}"
    );
    shoot(&client, "event").await;
    let page = click_until(
        &client,
        "button[aria-label='Replay this event']",
        "Replay of event",
    )
    .await;
    assert!(page.contains("Replay of event"), "{page}");
    world.settle().await;

    // A dry run first, then the resync itself, with its progress.
    open(&client, &world, "/console/resync").await;
    shoot(&client, "resync").await;
    client
        .find(Locator::Id("ids"))
        .await
        .unwrap()
        .send_keys(&number)
        .await
        .unwrap();
    let page = click_until(
        &client,
        "form.stack button[type=submit]",
        "Nothing has been written yet",
    )
    .await;
    assert!(page.contains("Nothing has been written yet"), "{page}");
    assert!(page.contains(&number));
    shoot(&client, "resync-dry-run").await;
    let page = click_until(&client, "form.stack button[type=submit]", "Resync progress").await;
    assert!(page.contains("Resync progress"), "{page}");
    world.settle().await;
    client.refresh().await.unwrap();
    let page = source(&client).await;
    assert!(page.contains("Finished."), "{page}");
    shoot(&client, "resync-progress").await;

    // Every other page renders.
    for (path, name, expected) in [
        ("/console/".to_owned(), "overview", "Queue depth"),
        (
            "/console/orders?q=".to_owned() + &number,
            "orders",
            "Events that touched it",
        ),
        (
            "/console/products?q=CF-FL-LCG-35".to_owned(),
            "products",
            "Products",
        ),
        ("/console/jobs?state=done".to_owned(), "jobs", "Jobs"),
        ("/console/links".to_owned(), "links", "Pin a pair by hand"),
        ("/console/preflight".to_owned(), "preflight", "Preflight"),
        (
            "/console/connections".to_owned(),
            "connections",
            "/webhooks/leaflink",
        ),
    ] {
        let page = open(&client, &world, &path).await;
        assert!(page.contains(expected), "{path}: {page}");
        assert!(!page.contains(ADMIN_TOKEN), "{path} shows no secret");
        shoot(&client, name).await;
    }

    // Sign out: the browser is sent to sign in, and the old session cookie is refused.
    let page = click_until(
        &client,
        "header form button[type=submit]",
        "You are signed out.",
    )
    .await;
    assert!(page.contains("You are signed out."), "{page}");
    let page = open(&client, &world, "/console/").await;
    assert!(page.contains("Sign in to the leafbridge console"), "{page}");
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = plain
        .get(format!("{}/console/", world.app.address))
        .header("cookie", format!("lb_console={}", session.value()))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 303, "the signed-out session is refused");
    client.close().await.unwrap();
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
