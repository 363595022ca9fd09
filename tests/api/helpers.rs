//! Shared test setup: a leafbridge on port 0 with a fresh database per test (SQLite by default,
//! PostgreSQL when `LEAFBRIDGE_TEST_BACKEND=postgres`), signing helpers and test processors.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use leafbridge::app::Application;
use leafbridge::config::Config;
use leafbridge::jobs::worker::Worker;
use leafbridge::jobs::{JobContext, JobError, Processed, Processor, Processors};
use leafbridge::store::Db;
use parking_lot::Mutex;
use serde_json::Value;
use sqlx::Connection;
use tokio_util::sync::CancellationToken;

pub const ADMIN_TOKEN: &str = "test-admin-token";
pub const LEAFLINK_KEY: &str = "leaflink-webhook-key";
pub const FLOURISH_KEY: &str = "flourish-webhook-key";

/// The PostgreSQL server URL for tests, when one is configured.
pub fn postgres_url() -> Option<String> {
    std::env::var("LEAFBRIDGE_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// A test's prerequisite (a browser, a document, a server) is missing: the test fails when
/// `LEAFBRIDGE_REQUIRE_PREREQUISITES=1` (CI sets it: nothing passes there without running), and
/// otherwise this says SKIPPED loudly and the caller returns early.
#[track_caller]
pub fn missing_prerequisite(missing: &str) {
    assert!(
        std::env::var("LEAFBRIDGE_REQUIRE_PREREQUISITES").as_deref() != Ok("1"),
        "a required prerequisite is missing: {missing}"
    );
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    eprintln!("\n*** SKIPPED {test}: {missing} ***\n");
}

/// True when the suite runs on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("LEAFBRIDGE_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// A fresh database: a SQLite file in a temp dir, or a new PostgreSQL database.
pub struct TestDatabase {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    /// A handle on a database another instance already uses.
    pub fn existing(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            _dir: None,
        }
    }
}

pub async fn fresh_database() -> TestDatabase {
    if on_postgres() {
        let server = postgres_url()
            .expect("LEAFBRIDGE_TEST_BACKEND=postgres needs LEAFBRIDGE_TEST_POSTGRES_URL");
        fresh_postgres(&server).await
    } else {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("leafbridge.db").display());
        TestDatabase {
            url,
            _dir: Some(dir),
        }
    }
}

/// A new, empty PostgreSQL database on the server at `server`.
pub async fn fresh_postgres(server: &str) -> TestDatabase {
    sqlx::any::install_default_drivers();
    let name = format!("lb_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::AnyConnection::connect(server)
        .await
        .expect("connecting to PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create database");
    let mut url = url::Url::parse(server).expect("postgres url");
    url.set_path(&name);
    TestDatabase {
        url: url.to_string(),
        _dir: None,
    }
}

/// Configuration for a test instance on `database_url`, listening on a free port.
pub fn test_config(database_url: &str) -> Config {
    let env: HashMap<String, String> = [
        ("LEAFBRIDGE_DATABASE_URL", database_url),
        ("LEAFBRIDGE_LISTEN", "127.0.0.1:0"),
        ("LEAFBRIDGE_LEAFLINK_WEBHOOK_KEY", LEAFLINK_KEY),
        ("LEAFBRIDGE_FLOURISH_WEBHOOK_KEY", FLOURISH_KEY),
        ("LEAFBRIDGE_ADMIN_TOKEN", ADMIN_TOKEN),
        ("LEAFBRIDGE_RETRY_SCHEDULE_SECONDS", "1,2,3"),
        ("LEAFBRIDGE_SHUTDOWN_GRACE_SECONDS", "5"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    Config::from_sources(None, &env).expect("test config")
}

/// A running leafbridge. Its worker does not run on its own: tests drive it.
pub struct TestApp {
    pub address: String,
    pub db: Db,
    pub worker: Arc<Worker>,
    /// The running app's shared state (ingest handle, sync context), for driving pollers.
    pub state: leafbridge::http::AppState,
    pub http: reqwest::Client,
    pub shutdown: CancellationToken,
    /// Every (method, path) the router serves.
    pub routes: Vec<(String, String)>,
    pub server: tokio::task::JoinHandle<anyhow::Result<()>>,
    /// Keeps a temporary SQLite directory alive as long as the app.
    pub _database: TestDatabase,
}

pub async fn spawn_app(processors: Processors) -> TestApp {
    let database = fresh_database().await;
    spawn_app_on(database, test_config, processors, false).await
}

/// Like [`spawn_app`], with `names` declared as connections of the configuration file (with
/// the environment's webhook keys and no API keys: their events are stored and wait).
pub async fn spawn_app_declaring(processors: Processors, names: &[&str]) -> TestApp {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let config = move |url: &str| {
        let mut config = test_config(url);
        for name in names {
            let mut declared = config.connection.clone();
            declared.name = name;
            config.connections.push(declared);
        }
        config
    };
    spawn_app_on(fresh_database().await, config, processors, false).await
}

/// Starts an instance on an existing database; `run_worker` starts the background worker too.
pub async fn spawn_app_on(
    database: TestDatabase,
    config: impl FnOnce(&str) -> Config,
    processors: Processors,
    run_worker: bool,
) -> TestApp {
    let wiring = |_: &Config, _: &Db| {
        Ok(leafbridge::app::Wiring {
            processors,
            sync: None,
        })
    };
    spawn_app_with(database, config, wiring, run_worker).await
}

/// Like [`spawn_app_on`], with processors made from the config and the connected database.
pub async fn spawn_app_with(
    database: TestDatabase,
    config: impl FnOnce(&str) -> Config,
    wiring: impl FnOnce(&Config, &Db) -> anyhow::Result<leafbridge::app::Wiring>,
    run_worker: bool,
) -> TestApp {
    let config = config(&database.url);
    let app = Application::build_with(config.clone(), |db| wiring(&config, db))
        .await
        .expect("building the app");
    let address = format!("http://{}", app.local_addr());
    let db = app.state().db.clone();
    let worker = app.worker();
    let state = app.state().clone();
    let routes = leafbridge::http::route_list(app.state());
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(app.run(shutdown.clone(), run_worker));
    TestApp {
        address,
        db,
        worker,
        state,
        http: reqwest::Client::new(),
        shutdown,
        routes,
        server,
        _database: database,
    }
}

/// `body` as the bytes of a LeafLink webhook and the `LL-Signature` sent with them (under the
/// test instance's [`LEAFLINK_KEY`]).
pub fn signed_leaflink(body: &Value) -> (Vec<u8>, String) {
    let bytes = serde_json::to_vec(body).unwrap();
    let signature = leafbridge::leaflink::webhook::sign(LEAFLINK_KEY.as_bytes(), &bytes);
    (bytes, signature)
}

impl TestApp {
    /// Posts a body to the LeafLink webhook, signed with the configured key.
    pub async fn post_leaflink(&self, body: &Value) -> reqwest::Response {
        let (bytes, signature) = signed_leaflink(body);
        self.post_raw(
            "/webhooks/leaflink",
            "LL-Signature",
            Some(&signature),
            bytes,
        )
        .await
    }

    /// Posts a body to the Flourish webhook, signed with the configured key.
    pub async fn post_flourish(&self, body: &Value) -> reqwest::Response {
        let bytes = serde_json::to_vec(body).unwrap();
        let signature = leafbridge::flourish::webhook::sign(FLOURISH_KEY.as_bytes(), &bytes);
        self.post_raw(
            "/webhooks/flourish",
            "Auth-Signature",
            Some(&signature),
            bytes,
        )
        .await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        header: &str,
        signature: Option<&str>,
        body: Vec<u8>,
    ) -> reqwest::Response {
        let mut request = self.http.post(format!("{}{path}", self.address)).body(body);
        if let Some(signature) = signature {
            request = request.header(header, signature);
        }
        request.send().await.expect("request")
    }

    /// GET with the admin token.
    pub async fn admin_get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.address))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .expect("request")
    }

    /// Runs every runnable job until none is left, as of `ahead` from now (to pass backoff).
    pub async fn drain(&self, ahead: Duration) -> usize {
        let now = leafbridge::store::now_ms() + ahead.as_millis() as i64;
        self.worker.run_pending(now).await.expect("running jobs")
    }

    pub async fn queue(&self) -> leafbridge::store::jobs::QueueStats {
        leafbridge::store::jobs::stats(&self.db.pool, leafbridge::store::now_ms())
            .await
            .unwrap()
    }

    pub async fn stop(self) {
        self.shutdown.cancel();
        self.server
            .await
            .expect("server task")
            .expect("server result");
    }
}

/// A processor that records what it saw and can fail, panic or dawdle on purpose.
#[derive(Default)]
pub struct TestProcessor {
    /// Fail (retryably) this many times before succeeding.
    pub fail_times: usize,
    pub permanent: bool,
    pub panic: bool,
    pub delay: Duration,
    pub calls: AtomicUsize,
    pub seen: Mutex<Vec<(String, String)>>,
    /// Entities being processed right now, to detect overlap.
    pub active: Mutex<Vec<String>>,
    pub overlaps: AtomicUsize,
    /// Notified each time a run starts.
    pub started: tokio::sync::Notify,
}

#[async_trait::async_trait]
impl Processor for TestProcessor {
    async fn process(&self, job: &JobContext) -> Result<Processed, JobError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        self.started.notify_one();
        {
            let mut active = self.active.lock();
            if active.contains(&job.entity_key) {
                self.overlaps.fetch_add(1, Ordering::SeqCst);
            }
            active.push(job.entity_key.clone());
        }
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        self.active.lock().retain(|k| k != &job.entity_key);
        if self.panic {
            panic!("test processor panics on purpose");
        }
        if self.permanent {
            return Err(JobError::Permanent("the data is wrong on purpose".into()));
        }
        if call < self.fail_times {
            return Err(JobError::retryable(format!(
                "transient failure {}",
                call + 1
            )));
        }
        let sequence = job
            .body
            .pointer("/data/seq")
            .map(|v| v.to_string())
            .unwrap_or_default();
        self.seen.lock().push((job.entity_key.clone(), sequence));
        Ok(Processed {
            outcome: "synced".into(),
            reason: Some("processed by the test processor".into()),
            detail: None,
        })
    }
}

/// Processors for every job kind the ingress creates, all backed by `processor`.
pub fn all_kinds(processor: Arc<dyn Processor>) -> Processors {
    let mut processors = Processors::new();
    for kind in [
        "leaflink.order",
        "leaflink.product",
        "leaflink.customer",
        "flourish.item",
        "flourish.order",
        "flourish.inventory_summary",
    ] {
        processors.register(kind, Arc::clone(&processor));
    }
    processors
}

/// A LeafLink order number (a UUID, as LeafLink issues) derived from a readable label: the same
/// label always gives the same number, so tests can name orders `"n-1"`, `"n-2"`, ...
pub fn order_number(label: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(label.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// The entity key of the LeafLink order labelled `label` (see [`order_number`]).
pub fn order_key(label: &str) -> String {
    format!("leaflink.order:{}", order_number(label))
}

/// A LeafLink order envelope for the order labelled `label` (its number is
/// [`order_number`]`(label)`); `seq` makes bodies distinct.
pub fn order_webhook(label: &str, seq: usize) -> Value {
    let number = order_number(label);
    serde_json::json!({"action": "edit", "type": "order", "data": {"number": number, "status": "Submitted", "seq": seq}})
}
