//! Kill the real binary with SIGKILL while webhooks arrive: after a restart on the same database,
//! every acknowledged event is still there with its job.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use parking_lot::Mutex;
use serde_json::Value;

use crate::helpers::{ADMIN_TOKEN, FLOURISH_KEY, LEAFLINK_KEY, order_webhook, signed_leaflink};

/// Starts `leafbridge serve` on `database_url` and returns it with its address.
fn start(database_url: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leafbridge"))
        .arg("serve")
        .env("LEAFBRIDGE_DATABASE_URL", database_url)
        .env("LEAFBRIDGE_LISTEN", "127.0.0.1:0")
        .env("LEAFBRIDGE_LEAFLINK_WEBHOOK_KEY", LEAFLINK_KEY)
        .env("LEAFBRIDGE_FLOURISH_WEBHOOK_KEY", FLOURISH_KEY)
        .env("LEAFBRIDGE_ADMIN_TOKEN", ADMIN_TOKEN)
        .env("LEAFBRIDGE_LOG_JSON", "1")
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("starting leafbridge");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("leafbridge exited before serving")
            .unwrap();
        let Ok(log) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if let Some(listen) = log.pointer("/fields/listen").and_then(Value::as_str) {
            break format!("http://{listen}");
        }
    };
    // Keep draining the log so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, address)
}

#[tokio::test]
async fn every_acknowledged_event_survives_a_kill_at_any_instant() {
    let database = crate::helpers::fresh_database().await;
    let (mut child, address) = start(&database.url);
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let http = reqwest::Client::new();
    let mut senders = Vec::new();
    for sender in 0..8 {
        let (acked, http, address) = (acked.clone(), http.clone(), address.clone());
        senders.push(tokio::spawn(async move {
            for i in 0..10_000 {
                let (body, signature) =
                    signed_leaflink(&order_webhook(&format!("kill-{sender}-{i}"), i));
                let response = http
                    .post(format!("{address}/webhooks/leaflink"))
                    .header("LL-Signature", signature)
                    .body(body)
                    .send()
                    .await;
                let Ok(response) = response else { return };
                if response.status() != 202 {
                    return;
                }
                let Ok(ack) = response.json::<Value>().await else {
                    return;
                };
                acked
                    .lock()
                    .push(ack["event_id"].as_str().unwrap().to_owned());
            }
        }));
    }
    // Kill once a good number of events were acknowledged, while requests are in flight.
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        if acked.lock().len() >= 300 {
            break;
        }
    }
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    for sender in senders {
        sender.await.unwrap();
    }
    let acked = acked.lock().clone();
    let (mut child, address) = start(&database.url);
    let mut stored = std::collections::HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{address}/api/v1/events?limit=200");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page: Value = http
            .get(url)
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for item in page["items"].as_array().unwrap() {
            stored.insert(item["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let lost: Vec<&String> = acked.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged events were lost: {lost:?}",
        lost.len()
    );
    let metrics = http
        .get(format!("{address}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let pending: usize = metrics
        .lines()
        .find_map(|l| l.strip_prefix("leafbridge_jobs{state=\"pending\"} "))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(pending, stored.len(), "every stored event has its job");
    child.kill().unwrap();
    child.wait().unwrap();
}
