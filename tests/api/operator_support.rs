//! Shared pieces of the operator API tests: a processor that answers what each test scripts,
//! and admin calls that return the status with the JSON body.

use std::collections::VecDeque;
use std::sync::Arc;

use leafbridge::jobs::{JobContext, JobError, Processed, Processor};
use parking_lot::Mutex;
use serde_json::{Value, json};

use crate::helpers::{ADMIN_TOKEN, TestApp, spawn_app};

/// Answers the scripted results in order, then `synced`; records every entity it ran for.
#[derive(Default)]
pub struct Scripted {
    pub script: Mutex<VecDeque<Result<Processed, JobError>>>,
    pub seen: Mutex<Vec<(String, Value)>>,
}

impl Scripted {
    pub fn then(&self, result: Result<Processed, JobError>) {
        self.script.lock().push_back(result);
    }

    /// Entity keys processed, in order.
    pub fn entities(&self) -> Vec<String> {
        self.seen.lock().iter().map(|(k, _)| k.clone()).collect()
    }
}

#[async_trait::async_trait]
impl Processor for Scripted {
    async fn process(&self, job: &JobContext) -> Result<Processed, JobError> {
        self.seen
            .lock()
            .push((job.entity_key.clone(), job.body.clone()));
        let next = self.script.lock().pop_front();
        next.unwrap_or_else(|| {
            Ok(Processed {
                outcome: "synced".into(),
                reason: Some("written".into()),
                detail: None,
            })
        })
    }

    async fn dry_run(&self, job: &JobContext) -> Result<Value, JobError> {
        Ok(json!({"would_sync": job.entity_key, "event_kind": job.event_kind}))
    }
}

/// A `needs_attention` result with a fix, as the flows record it.
pub fn attention(reason: &str, system: &str, action: &str) -> Result<Processed, JobError> {
    Ok(Processed {
        outcome: "needs_attention".into(),
        reason: Some(reason.into()),
        detail: Some(
            json!({"plan": null, "writes": [], "fix": {"system": system, "action": action}}),
        ),
    })
}

/// An app whose every job kind runs `processor`.
pub async fn spawn_scripted(processor: Arc<Scripted>) -> TestApp {
    spawn_app(crate::helpers::all_kinds(processor)).await
}

/// Sends an admin request; answers the status and the JSON body (`Null` when empty).
pub async fn call(app: &TestApp, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = app
        .http
        .request(method.parse().unwrap(), format!("{}{path}", app.address))
        .bearer_auth(ADMIN_TOKEN);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let value = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, value)
}

pub async fn get(app: &TestApp, path: &str) -> Value {
    let (status, body) = call(app, "GET", path, None).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

pub async fn post(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    call(app, "POST", path, Some(body)).await
}

/// Posts a LeafLink order webhook and returns its event id.
pub async fn order_event(app: &TestApp, number: &str, seq: usize) -> String {
    let response = app
        .post_leaflink(&crate::helpers::order_webhook(number, seq))
        .await;
    let ack: Value = response.json().await.unwrap();
    ack["event_id"].as_str().unwrap().to_owned()
}
