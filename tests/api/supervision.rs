//! Supervision: a group-commit writer or a worker slot that panics is restarted, readiness says
//! so while it is down, a metric counts the restarts, and ingest and processing carry on.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use leafbridge::jobs::{JobContext, JobError, Processed, Processor, Processors};
use serde_json::Value;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};

use crate::helpers::{
    TestApp, fresh_database, order_number, order_webhook, spawn_app_on, test_config,
};

/// Answers `explode` for the order labelled `explode`, `synced` for the rest.
struct OutcomeFromNumber;

#[async_trait::async_trait]
impl Processor for OutcomeFromNumber {
    async fn process(&self, job: &JobContext) -> Result<Processed, JobError> {
        let number = job.body.pointer("/data/number").and_then(Value::as_str);
        Ok(Processed {
            outcome: if number == Some(order_number("explode").as_str()) {
                "explode".into()
            } else {
                "synced".into()
            },
            reason: None,
            detail: None,
        })
    }
}

/// A logging layer that panics once, on the first event whose `outcome` field is `explode`:
/// the fault that used to kill worker slots for good. Only this test's processor answers
/// `explode`, so the layer is harmless to the other tests of the binary.
struct PanicsOnExplode {
    armed: AtomicBool,
}

/// Installs [`PanicsOnExplode`] as the process's subscriber (once). A thread-scoped one would
/// miss events: tracing caches per call site whether anyone listens, across threads.
fn panic_on_explode() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let layer = PanicsOnExplode {
            armed: AtomicBool::new(true),
        };
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
            .expect("no other test installs a subscriber");
    });
}

struct Outcome(Option<String>);

impl Visit for Outcome {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "outcome" {
            self.0 = Some(format!("{value:?}"));
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for PanicsOnExplode {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut outcome = Outcome(None);
        event.record(&mut outcome);
        if outcome.0.as_deref() == Some("explode") && self.armed.swap(false, Ordering::SeqCst) {
            panic!("the log layer panics on purpose");
        }
    }
}

async fn running_app(workers: usize) -> TestApp {
    let mut processors = Processors::new();
    processors.register("leaflink.order", Arc::new(OutcomeFromNumber));
    let config = move |url: &str| {
        let mut config = test_config(url);
        config.workers = workers;
        config
    };
    spawn_app_on(fresh_database().await, config, processors, true).await
}

async fn post(app: &TestApp, number: &str, seq: usize) -> String {
    let response = app.post_leaflink(&order_webhook(number, seq)).await;
    assert_eq!(response.status(), 202, "webhook {number} not acknowledged");
    let ack: Value = response.json().await.unwrap();
    ack["event_id"].as_str().unwrap().to_owned()
}

/// Waits (the worker runs on its own here) until the event is done; panics after 10 s.
async fn until_done(app: &TestApp, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let event: Value = app
            .admin_get(&format!("/api/v1/events/{id}"))
            .await
            .json()
            .await
            .unwrap();
        if event["status"] == "done" {
            return event;
        }
        assert!(
            Instant::now() < deadline,
            "event {id} never finished: {event}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn readyz(app: &TestApp) -> u16 {
    let url = format!("{}/readyz", app.address);
    app.http.get(url).send().await.unwrap().status().as_u16()
}

/// Polls readiness until it answers `status`; panics after 5 s.
async fn until_ready_is(app: &TestApp, status: u16) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while readyz(app).await != status {
        assert!(Instant::now() < deadline, "/readyz never answered {status}");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

async fn restarts(app: &TestApp, task: &str) -> String {
    let text = app
        .http
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let prefix = format!("leafbridge_task_restarts_total{{task=\"{task}\"}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .unwrap_or("0")
        .to_owned()
}

#[tokio::test]
async fn a_panicking_writer_is_restarted_and_ingest_carries_on() {
    let app = running_app(2).await;
    let first = post(&app, "before", 1).await;
    until_ready_is(&app, 200).await;
    app.state.ingest.inject_writer_panic().await;
    // Down while it waits to start again, then up.
    until_ready_is(&app, 503).await;
    let during = tokio::spawn({
        let (http, address) = (app.http.clone(), app.address.clone());
        async move {
            let (body, signature) = crate::helpers::signed_leaflink(&order_webhook("during", 2));
            http.post(format!("{address}/webhooks/leaflink"))
                .header("LL-Signature", signature)
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    until_ready_is(&app, 200).await;
    // A webhook sent while the writer was down waited for it instead of failing.
    assert_eq!(during.await.unwrap(), 202);
    let after = post(&app, "after", 3).await;
    until_done(&app, &first).await;
    until_done(&app, &after).await;
    assert_eq!(restarts(&app, "writer").await, "1");
    app.stop().await;
}

#[tokio::test]
async fn a_worker_slot_killed_by_a_panic_in_logging_is_restarted() {
    panic_on_explode();
    // One slot: if it were not restarted, nothing after the panic would run.
    let app = running_app(1).await;
    until_ready_is(&app, 200).await;
    post(&app, "explode", 1).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while restarts(&app, "worker").await != "1" {
        assert!(
            Instant::now() < deadline,
            "the worker slot was not restarted"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let later = post(&app, "later", 2).await;
    let event = until_done(&app, &later).await;
    assert_eq!(event["outcome"], "synced");
    until_ready_is(&app, 200).await;
    app.stop().await;
}
