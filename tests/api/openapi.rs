//! `openapi.yaml` and the router describe the same endpoints, and the documented examples
//! deserialise into the types the handlers use.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::Value;

use leafbridge::http::admin;
use leafbridge::operator::{replay, resync};
use serde::de::DeserializeOwned;

use crate::helpers::{TestProcessor, all_kinds, spawn_app};

fn parse<T: DeserializeOwned>(example: &Value) -> Result<(), serde_json::Error> {
    serde_json::from_value::<T>(example.clone()).map(drop)
}

fn spec() -> Value {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml")).unwrap();
    serde_yaml::from_str(&text).expect("openapi.yaml is valid YAML")
}

fn documented(spec: &Value) -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            routes.insert((method.to_uppercase(), path.clone()));
        }
    }
    routes
}

#[tokio::test]
async fn every_route_is_documented_and_every_documented_route_exists() {
    let app = spawn_app(all_kinds(Arc::new(TestProcessor::default()))).await;
    let served: BTreeSet<(String, String)> = app.routes.iter().cloned().collect();
    let documented = documented(&spec());
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let missing: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "routes without an openapi.yaml entry: {undocumented:?}"
    );
    assert!(missing.is_empty(), "documented but not routed: {missing:?}");
    // And the router really answers each one (not the JSON 404/405 fallbacks).
    for (method, path) in &served {
        let url = format!(
            "{}{}",
            app.address,
            path.replace("{id}", "00000000-0000-7000-8000-000000000000")
        );
        let request = app
            .http
            .request(method.parse().unwrap(), url)
            .bearer_auth(crate::helpers::ADMIN_TOKEN);
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let fallback = status == 405
            || (status == 404
                && body["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("no route")));
        assert!(!fallback, "{method} {path} is not routed ({status})");
    }
}

/// Every response example under `content.application/json.example` whose schema is a named
/// component, deserialised into the Rust type serving it.
#[test]
fn documented_examples_deserialise_into_the_handler_types() {
    let spec = spec();
    let check = |schema: &str, example: &Value| -> Result<(), String> {
        let result = match schema {
            "Ack" => parse::<leafbridge::http::ingress::Ack>(example),
            "EventPage" => parse::<leafbridge::http::admin::EventPage>(example),
            "EventView" => parse::<leafbridge::http::admin::EventView>(example),
            "Error" => parse::<leafbridge::http::error::ErrorBody>(example),
            "Replayed" => parse::<replay::Replayed>(example),
            "ReplayFilter" => parse::<replay::ReplayFilter>(example),
            "ReplayReport" => parse::<replay::ReplayReport>(example),
            "ResyncRequest" => parse::<resync::ResyncRequest>(example),
            "ResyncAccepted" => parse::<resync::ResyncAccepted>(example),
            "DryRunReport" => parse::<resync::DryRunReport>(example),
            "Resync" => parse::<leafbridge::store::resyncs::ResyncView>(example),
            "JobPage" => parse::<admin::jobs::JobPage>(example),
            "Job" => parse::<leafbridge::store::job_admin::JobRow>(example),
            "AttentionPage" => parse::<leafbridge::operator::attention::AttentionPage>(example),
            "LinkPage" => parse::<admin::links::LinkPage>(example),
            "Link" => parse::<leafbridge::store::links::Link>(example),
            "PinLink" => parse::<admin::links::PinLink>(example),
            "Stats" => parse::<admin::stats::Stats>(example),
            "PreflightReport" => parse::<leafbridge::preflight::Report>(example),
            "NewToken" => parse::<admin::tokens::NewToken>(example),
            "CreatedToken" => parse::<admin::tokens::CreatedToken>(example),
            "TokenList" => parse::<admin::tokens::TokenList>(example),
            "NewChannel" => parse::<leafbridge::notify::channel::NewChannel>(example),
            "Channel" => parse::<leafbridge::notify::channel::ChannelView>(example),
            "ChannelList" => parse::<admin::notifications::ChannelList>(example),
            "Connection" => parse::<leafbridge::connections::manage::ConnectionView>(example),
            "ConnectionList" => parse::<admin::connections::ConnectionList>(example),
            "NewConnection" => parse::<leafbridge::connections::manage::NewConnection>(example),
            "ConnectionPatch" => parse::<leafbridge::connections::manage::ConnectionPatch>(example),
            "Mode" => parse::<admin::mode::ModeView>(example),
            "ModeRequest" => parse::<admin::mode::ModeRequest>(example),
            "CutoverRequest" => parse::<admin::mode::CutoverRequest>(example),
            "CutoverReport" => parse::<leafbridge::operator::cutover::CutoverReport>(example),
            "ShadowReport" => parse::<leafbridge::operator::shadow_report::ShadowReport>(example),
            "Status" | "LeafLinkEnvelope" | "FlourishEnvelope" => Ok(()),
            other => return Err(format!("no Rust type is registered for schema {other}")),
        };
        result.map_err(|e| format!("{schema}: {e}"))
    };
    let mut checked = 0;
    let mut visit = |content: &Value| {
        let Some(json) = content.get("application/json") else {
            return;
        };
        let Some(reference) = json["schema"]["$ref"].as_str() else {
            return;
        };
        let schema = reference.rsplit('/').next().unwrap();
        let named = json["examples"].as_object().into_iter().flatten();
        let examples = json
            .get("example")
            .into_iter()
            .chain(named.map(|(_, e)| &e["value"]));
        let before = checked;
        for example in examples {
            check(schema, example).unwrap();
            checked += 1;
        }
        assert!(
            checked > before,
            "a {schema} body is documented without an example"
        );
    };
    for item in spec["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            if let Some(content) = operation.pointer("/requestBody/content") {
                visit(content);
            }
            for response in operation["responses"].as_object().unwrap().values() {
                if let Some(content) = response.get("content") {
                    visit(content);
                }
            }
        }
    }
    for response in spec["components"]["responses"]
        .as_object()
        .unwrap()
        .values()
    {
        visit(&response["content"]);
    }
    assert!(checked >= 27, "only {checked} examples were checked");
}
