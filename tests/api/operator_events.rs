//! Replays (one event, or a filter), the event list's new filters, the job list and dead-job
//! retries, and the admin token on every operator route.

use crate::helpers::{order_key, order_number};
use std::sync::Arc;
use std::time::Duration;

use leafbridge::jobs::JobError;
use serde_json::json;

use crate::operator_support::{Scripted, attention, call, get, order_event, post, spawn_scripted};

#[tokio::test]
async fn a_replayed_event_runs_its_job_again_as_an_operator_event() {
    let processor = Arc::new(Scripted::default());
    let app = spawn_scripted(processor.clone()).await;
    let original = order_event(&app, "n-1", 1).await;
    app.drain(Duration::ZERO).await;
    let (status, answer) = post(
        &app,
        &format!("/api/v1/events/{original}/replay"),
        json!(null),
    )
    .await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["replay_of"], original.as_str());
    let replay = answer["event_id"].as_str().unwrap();
    let event = get(&app, &format!("/api/v1/events/{replay}")).await;
    assert_eq!(event["source"], "operator");
    assert_eq!(event["action"], "replay");
    assert_eq!(event["entity_key"], order_key("n-1"));
    assert_eq!(
        event["envelope"]["data"]["number"],
        order_number("n-1"),
        "the original body is kept"
    );
    app.drain(Duration::ZERO).await;
    assert_eq!(processor.entities(), [order_key("n-1"), order_key("n-1")]);
    // A second replay of the same event is a new event, not a duplicate.
    let (status, again) = post(
        &app,
        &format!("/api/v1/events/{original}/replay"),
        json!(null),
    )
    .await;
    assert_eq!(status, 202);
    assert_ne!(again["event_id"], answer["event_id"]);
}

#[tokio::test]
async fn unknown_and_ignored_events_cannot_be_replayed() {
    let app = spawn_scripted(Arc::new(Scripted::default())).await;
    let (status, error) = call(&app, "POST", "/api/v1/events/nope/replay", None).await;
    assert_eq!((status, error["code"].as_str()), (404, Some("not_found")));
    let retail = app
        .post_flourish(&json!({"resource_type": "retail_order", "data": {"id": "r1"}}))
        .await;
    let ignored: serde_json::Value = retail.json().await.unwrap();
    let id = ignored["event_id"].as_str().unwrap();
    let (status, error) = call(&app, "POST", &format!("/api/v1/events/{id}/replay"), None).await;
    assert_eq!(status, 409, "{error}");
}

#[tokio::test]
async fn a_filtered_replay_stores_every_matching_event_again_and_counts_them() {
    let processor = Arc::new(Scripted::default());
    processor.then(attention("a", "LeafLink", "fix a"));
    processor.then(Ok(leafbridge::jobs::Processed {
        outcome: "unchanged".into(),
        reason: None,
        detail: None,
    }));
    processor.then(attention("c", "Flourish", "fix c"));
    let app = spawn_scripted(processor.clone()).await;
    for (i, number) in ["n-1", "n-2", "n-3"].into_iter().enumerate() {
        order_event(&app, number, i).await;
    }
    app.drain(Duration::ZERO).await;
    let filter = json!({"outcome": "needs_attention", "source": "leaflink"});
    let (status, report) = post(&app, "/api/v1/events/replay", filter.clone()).await;
    assert_eq!(status, 202, "{report}");
    assert_eq!(report, json!({"replayed": 2, "skipped": 0}));
    app.drain(Duration::ZERO).await;
    let mut replayed: Vec<String> = processor.entities()[3..].to_vec();
    replayed.sort();
    assert_eq!(replayed, [order_key("n-1"), order_key("n-3")]);
    let (status, error) = post(&app, "/api/v1/events/replay", json!({})).await;
    assert_eq!(
        status, 422,
        "an empty filter would replay everything: {error}"
    );
    let (status, error) = post(&app, "/api/v1/events/replay", json!({"outcome": "meh"})).await;
    assert_eq!(status, 422);
    assert!(error["message"].as_str().unwrap().contains("outcome"));
}

#[tokio::test]
async fn replays_of_one_entity_keep_the_original_order() {
    let processor = Arc::new(Scripted::default());
    let app = spawn_scripted(processor.clone()).await;
    for seq in 1..=3 {
        order_event(&app, "n-1", seq).await;
        order_event(&app, &format!("other-{seq}"), seq).await;
    }
    app.drain(Duration::ZERO).await;
    let (status, report) = post(&app, "/api/v1/events/replay", json!({"source": "leaflink"})).await;
    assert_eq!((status, report["replayed"].as_i64()), (202, Some(6)));
    app.drain(Duration::ZERO).await;
    let seen = processor.seen.lock().clone();
    let replayed: Vec<_> = seen[6..]
        .iter()
        .filter(|(key, _)| *key == order_key("n-1"))
        .map(|(_, body)| body["data"]["seq"].clone())
        .collect();
    assert_eq!(replayed, [json!(1), json!(2), json!(3)]);
}

#[tokio::test]
async fn events_are_filtered_by_outcome_and_time_range() {
    let processor = Arc::new(Scripted::default());
    processor.then(attention("a", "LeafLink", "fix a"));
    let app = spawn_scripted(processor).await;
    order_event(&app, "n-1", 1).await;
    order_event(&app, "n-2", 2).await;
    app.drain(Duration::ZERO).await;
    let needs = get(&app, "/api/v1/events?outcome=needs_attention").await;
    assert_eq!(needs["items"].as_array().unwrap().len(), 1);
    assert_eq!(needs["items"][0]["entity_key"], order_key("n-1"));
    let all = get(
        &app,
        "/api/v1/events?since=2000-01-01T00:00:00Z&until=2999-01-01T00:00:00Z",
    )
    .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let future = get(&app, "/api/v1/events?since=2999-01-01T00:00:00Z").await;
    assert!(future["items"].as_array().unwrap().is_empty());
    let (status, error) = call(&app, "GET", "/api/v1/events?since=yesterday", None).await;
    assert_eq!(status, 400);
    assert!(error["message"].as_str().unwrap().contains("since"));
}

#[tokio::test]
async fn a_dead_job_is_listed_and_retried_once_more() {
    let processor = Arc::new(Scripted::default());
    processor.then(Err(JobError::Permanent("the data is wrong".into())));
    let app = spawn_scripted(processor.clone()).await;
    order_event(&app, "n-1", 1).await;
    app.drain(Duration::ZERO).await;
    let dead = get(&app, "/api/v1/jobs?state=dead").await;
    let job = &dead["items"][0];
    assert_eq!(job["entity_key"], order_key("n-1"));
    assert_eq!(job["last_error"], "the data is wrong");
    let id = job["id"].as_str().unwrap();
    let (status, retried) = post(&app, &format!("/api/v1/jobs/{id}/retry"), json!(null)).await;
    assert_eq!((status, retried["state"].as_str()), (200, Some("pending")));
    let (status, error) = post(&app, &format!("/api/v1/jobs/{id}/retry"), json!(null)).await;
    assert_eq!(status, 409, "only dead jobs: {error}");
    app.drain(Duration::ZERO).await;
    let event_id = job["event_id"].as_str().unwrap();
    let event = get(&app, &format!("/api/v1/events/{event_id}")).await;
    assert_eq!(
        (event["status"].as_str(), event["outcome"].as_str()),
        (Some("done"), Some("synced"))
    );
    assert!(
        get(&app, "/api/v1/jobs?state=dead").await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let (status, _) = call(&app, "POST", "/api/v1/jobs/nope/retry", None).await;
    assert_eq!(status, 404);
    let (status, _) = call(&app, "GET", "/api/v1/jobs?state=sleeping", None).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn job_pages_follow_the_cursor_without_gaps_or_repeats() {
    let app = spawn_scripted(Arc::new(Scripted::default())).await;
    for i in 0..5 {
        order_event(&app, &format!("n-{i}"), i).await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/jobs?state=pending&limit=2".to_owned();
    loop {
        let page = get(&app, &path).await;
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|j| j["entity_key"].clone()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/jobs?state=pending&limit=2&cursor={cursor}"),
            None => break,
        }
    }
    let expected: Vec<_> = (0..5)
        .map(|i| json!(order_key(&format!("n-{i}"))))
        .collect();
    assert_eq!(seen, expected);
    let (status, _) = call(&app, "GET", "/api/v1/jobs?limit=201", None).await;
    assert_eq!(status, 400, "limit is capped");
}

#[tokio::test]
async fn every_operator_route_refuses_a_missing_or_wrong_token() {
    let app = spawn_scripted(Arc::new(Scripted::default())).await;
    for (method, path) in app.routes.iter().filter(|(_, p)| p.starts_with("/api/v1")) {
        let url = format!("{}{}", app.address, path.replace("{id}", "x"));
        for token in [None, Some("wrong-token")] {
            let mut request = app.http.request(method.parse().unwrap(), &url);
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status().as_u16(), 401, "{method} {path}");
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["code"], "unauthorized", "{method} {path}");
        }
    }
}
