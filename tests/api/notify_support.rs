//! For the notification tests: a real SMTP server (Python's aiosmtpd in a venv under the target
//! directory, installed on first use), a webhook receiver, and rows that make problems.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use parking_lot::Mutex;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::helpers::{TestApp, missing_prerequisite};
use leafbridge::envelope::Envelope;
use leafbridge::store::events::{NewEvent, Stored};

static VENV: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The venv's Python with aiosmtpd, or `None` (SKIPPED) when it cannot be installed and CI did
/// not ask for every prerequisite.
pub async fn smtp_python() -> Option<PathBuf> {
    let _one_at_a_time = VENV.lock().await;
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("smtp-venv");
    let python = venv.join("bin").join("python");
    let ready = |python: &PathBuf| {
        std::process::Command::new(python)
            .args(["-c", "import aiosmtpd"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if ready(&python) {
        return Some(python);
    }
    let made = std::process::Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .is_ok_and(|s| s.success())
        && std::process::Command::new(venv.join("bin").join("pip"))
            .args(["install", "--quiet", "aiosmtpd>=1.4,<2"])
            .status()
            .is_ok_and(|s| s.success());
    if made && ready(&python) {
        return Some(python);
    }
    missing_prerequisite(&format!(
        "aiosmtpd could not be installed into {} (python3 -m venv, pip)",
        venv.display()
    ));
    None
}

/// A running SMTP server that accepts one user and writes what it receives to a file.
pub struct SmtpServer {
    pub port: u16,
    pub user: String,
    pub password: String,
    file: tempfile::NamedTempFile,
    child: Child,
}

impl SmtpServer {
    pub async fn start(python: &PathBuf) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let file = tempfile::NamedTempFile::new().unwrap();
        let (user, password) = ("owner".to_owned(), "smtp-pass-7Qx2".to_owned());
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/smtp_sink.py");
        let mut child = Command::new(python)
            .arg(script)
            .arg(port.to_string())
            .arg(file.path())
            .args([&user, &password])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("starting the SMTP server");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("the SMTP server starts")
            .unwrap();
        assert_eq!(first.as_deref(), Some("ready"));
        Self {
            port,
            user,
            password,
            file,
            child,
        }
    }

    /// Every message received so far: `{from, to, login, data}`.
    pub fn messages(&self) -> Vec<Value> {
        std::fs::read_to_string(self.file.path())
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    pub async fn stop(mut self) {
        drop(self.child.stdin.take());
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
        let _ = self.child.kill().await;
    }
}

/// One request a receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// A webhook receiver on a free port that answers `status` and keeps every request.
pub struct Receiver {
    pub url: String,
    pub got: Arc<Mutex<Vec<Received>>>,
}

pub async fn receiver() -> Receiver {
    let got: Arc<Mutex<Vec<Received>>> = Arc::default();
    async fn take(
        State(got): State<Arc<Mutex<Vec<Received>>>>,
        uri: axum::http::Uri,
        headers: HeaderMap,
        body: axum::body::Bytes,
    ) -> &'static str {
        got.lock().push(Received {
            path: uri.path().to_owned(),
            headers,
            body: body.to_vec(),
        });
        "ok"
    }
    let router = axum::Router::new()
        .fallback(axum::routing::post(take))
        .with_state(Arc::clone(&got));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    Receiver { url, got }
}

/// Stores an event of `connection` for `entity` and finishes it with `outcome` (its job
/// done, or dead when `dead`). Returns the event id.
pub async fn finished_event(
    app: &TestApp,
    connection: &str,
    entity: &str,
    outcome: &str,
    dead: bool,
) -> String {
    let body = json!({"entity": entity, "n": uuid::Uuid::new_v4().to_string()}).to_string();
    let stored = app
        .state
        .ingest
        .store(NewEvent::new(
            connection,
            "leaflink",
            Envelope {
                kind: "order".into(),
                action: None,
                entity_key: entity.into(),
                job_kind: Some("leaflink.order".into()),
            },
            body,
        ))
        .await
        .unwrap();
    let Stored::Accepted { event_id } = stored else {
        panic!("stored")
    };
    let (status, job_state) = if dead {
        ("dead", "dead")
    } else {
        ("done", "done")
    };
    sqlx::query(
        "UPDATE events SET status = $2, outcome = $3, reason = $4, detail = $5 WHERE id = $1",
    )
    .bind(&event_id)
    .bind(status)
    .bind(outcome)
    .bind((outcome == "needs_attention").then_some("SKU unknown to Flourish"))
    .bind(
        json!({"fix": {"system": "Flourish", "action": "create item SKU-9 in Flourish"}})
            .to_string(),
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE jobs SET state = $2, last_error = $3 WHERE event_id = $1")
        .bind(&event_id)
        .bind(job_state)
        .bind(dead.then_some("Flourish answered 503 (gave up)"))
        .execute(&app.db.pool)
        .await
        .unwrap();
    event_id
}
