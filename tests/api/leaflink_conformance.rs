//! Conformance with LeafLink's published OpenAPI 3.0 document: every simulator response is
//! validated against the endpoint's response schema, and the bodies the client sends against the
//! request schemas. OpenAPI's `nullable` is translated to JSON Schema; `$ref`s resolve into
//! `#/components/schemas/...` of the same document.

use std::path::PathBuf;

use reqwest::Method;
use serde_json::{Map, Value, json};

use leafbridge::leaflink::model::{
    Decimal, NewProductLine, NewStrain, OrderPatch, ProductPatch, StrainClassification,
};

use super::helpers::missing_prerequisite;
use super::leaflink_client::new_product;
use super::leaflink_support::*;

fn openapi_path() -> PathBuf {
    match std::env::var_os("LEAFBRIDGE_LEAFLINK_OPENAPI") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/contracts/leaflink-v2-openapi.json"),
    }
}

/// OpenAPI 3.0 `nullable: true` becomes a JSON Schema union with `null`.
fn convert(schema: &Value) -> Value {
    match schema {
        Value::Array(items) => Value::Array(items.iter().map(convert).collect()),
        Value::Object(fields) => {
            let mut out: Map<String, Value> = fields
                .iter()
                .map(|(k, v)| (k.clone(), convert(v)))
                .collect();
            if out.remove("nullable") == Some(Value::Bool(true)) {
                return nullable(out);
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

fn nullable(mut schema: Map<String, Value>) -> Value {
    if let Some(Value::Array(values)) = schema.get_mut("enum") {
        values.push(Value::Null);
    }
    match schema.get("type").cloned() {
        Some(Value::String(kind)) => {
            schema.insert("type".into(), json!([kind, "null"]));
            Value::Object(schema)
        }
        _ => json!({"anyOf": [Value::Object(schema), {"type": "null"}]}),
    }
}

/// The schemas of the document, ready for validation.
struct Contract {
    doc: Value,
    components: Value,
}

impl Contract {
    fn load() -> Option<Self> {
        let path = openapi_path();
        let Ok(text) = std::fs::read_to_string(&path) else {
            missing_prerequisite(&format!(
                "LeafLink OpenAPI document not found at {} (set LEAFBRIDGE_LEAFLINK_OPENAPI)",
                path.display()
            ));
            return None;
        };
        let doc: Value = serde_json::from_str(&text).expect("OpenAPI document is JSON");
        let mut components = convert(&doc["components"]);
        // The schema types `available_transitions` as a string while its own example (and the
        // API) answer a list of the states the order can move to: held to that example, each
        // entry is one of the order statuses, in lower case.
        let states: Vec<Value> =
            doc["components"]["schemas"]["OrderResponse"]["properties"]["status"]["enum"]
                .as_array()
                .expect("OrderResponse.status lists the order statuses")
                .iter()
                .filter_map(Value::as_str)
                .map(|s| json!(s.to_lowercase()))
                .collect();
        components["schemas"]["OrderResponse"]["properties"]["available_transitions"] =
            json!({"type": "array", "items": {"enum": states}});
        // `is_combination` too is typed as a string (the way a computed field is documented)
        // while every example answers `false`: held to the examples, a boolean.
        components["schemas"]["OrderResponse"]["properties"]["is_combination"] =
            json!({"type": "boolean"});
        Some(Self { doc, components })
    }

    fn operation(&self, path: &str, method: &str) -> &Value {
        let operation = &self.doc["paths"][path][method];
        assert!(
            operation.is_object(),
            "no {method} {path} in the OpenAPI document"
        );
        operation
    }

    fn check(&self, schema: &Value, instance: &Value, what: &str) {
        let mut root = convert(schema);
        root["components"] = self.components.clone();
        let validator = jsonschema::draft202012::new(&root).expect("schema compiles");
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(
            errors.is_empty(),
            "{what} does not match LeafLink's schema:\n{}",
            errors.join("\n")
        );
    }

    fn check_response(&self, path: &str, method: &str, status: &str, body: &Value) {
        let schema = &self.operation(path, method)["responses"][status]["content"]["application/json"]
            ["schema"];
        assert!(schema.is_object(), "no {status} schema for {method} {path}");
        self.check(
            schema,
            body,
            &format!("{} {path} response", method.to_uppercase()),
        );
    }

    fn check_request(&self, path: &str, method: &str, body: &Value) {
        let schema =
            &self.operation(path, method)["requestBody"]["content"]["application/json"]["schema"];
        self.check(
            schema,
            body,
            &format!("{} {path} request", method.to_uppercase()),
        );
    }
}

/// (method, simulator path, OpenAPI path, status) for every endpoint the simulator implements.
const ENDPOINTS: &[(&str, &str, &str, &str)] = &[
    (
        "get",
        "/api/v2/orders-received/?include_children=line_items,customer,sales_reps",
        "/orders-received/",
        "200",
    ),
    (
        "get",
        "/api/v2/orders-received/?limit=1",
        "/orders-received/",
        "200",
    ),
    (
        "get",
        "/api/v2/orders-received/{order}/?include_children=line_items,customer,sales_reps",
        "/orders-received/{number}/",
        "200",
    ),
    (
        "get",
        "/api/v2/orders-received/{order}/line-items/",
        "/orders-received/{number}/line-items/",
        "200",
    ),
    ("get", "/api/v2/customers/", "/customers/", "200"),
    ("get", "/api/v2/customers/311/", "/customers/{id}/", "200"),
    ("get", "/api/v2/products/?limit=2", "/products/", "200"),
    ("get", "/api/v2/products/5150/", "/products/{id}/", "200"),
    ("get", "/api/v2/strains/", "/strains/", "200"),
    ("get", "/api/v2/strains/21/", "/strains/{id}/", "200"),
    ("get", "/api/v2/brands/", "/brands/", "200"),
    ("get", "/api/v2/product-lines/", "/product-lines/", "200"),
    (
        "get",
        "/api/v2/product-lines/31/",
        "/product-lines/{id}/",
        "200",
    ),
    (
        "get",
        "/api/v2/product-categories/",
        "/product-categories/",
        "200",
    ),
    ("get", "/api/v2/batches/", "/batches/", "200"),
    ("get", "/api/v2/batches/77/", "/batches/{id}/", "200"),
    ("get", "/api/v2/licenses/", "/licenses/", "200"),
    (
        "get",
        "/api/v2/product-subcategories/",
        "/product-subcategories/",
        "200",
    ),
    ("get", "/api/v2/company-staff/", "/company-staff/", "200"),
    (
        "get",
        "/api/v2/company-staff/42/",
        "/company-staff/{id}/",
        "200",
    ),
];

#[tokio::test]
async fn simulator_reads_match_leaflink_response_schemas() {
    let Some(contract) = Contract::load() else {
        return;
    };
    let sim = start_sim(3, None).await;
    for (method, path, spec_path, status) in ENDPOINTS {
        let path = path.replace("{order}", SEEDED_ORDER);
        let response = raw(&sim, Method::GET, &path).send().await.unwrap();
        assert_eq!(response.status().as_str(), *status, "{path}");
        let body: Value = response.json().await.unwrap();
        contract.check_response(spec_path, method, status, &body);
    }
}

#[tokio::test]
async fn client_writes_and_simulator_answers_match_leaflink_schemas() {
    let Some(contract) = Contract::load() else {
        return;
    };
    let sim = start_sim(0, None).await;
    let client = client(&sim);
    let product = client
        .create_product(&new_product("CONF-1", FLOWER, vec![21]))
        .await
        .unwrap();
    let patch = ProductPatch {
        quantity: Some(Decimal::from("8")),
        ..Default::default()
    };
    client.patch_product(product.id, &patch).await.unwrap();
    let mut ids = Map::new();
    ids.insert("flourish".into(), json!("OB-7"));
    client
        .patch_order_received(
            SEEDED_ORDER,
            &OrderPatch {
                external_ids: Some(ids),
                notes: Some("n".into()),
            },
        )
        .await
        .unwrap();
    client
        .transition_order(
            SEEDED_ORDER,
            leafbridge::leaflink::model::OrderAction::Accept,
        )
        .await
        .unwrap();
    client
        .create_strain(&NewStrain {
            name: "Zkittlez".into(),
            strain_classification: StrainClassification::Indica,
        })
        .await
        .unwrap();
    let line = client
        .create_product_line(&NewProductLine {
            name: "Carts".into(),
            brand: 1,
        })
        .await
        .unwrap();
    let rename = leafbridge::leaflink::model::ProductLinePatch {
        name: Some("Vapes".into()),
        brand: None,
    };
    client.patch_product_line(line.id, &rename).await.unwrap();
    let order_path = format!("/api/v2/orders-received/{SEEDED_ORDER}/");
    let expected = [
        ("post", "/api/v2/products/".to_owned(), "/products/"),
        (
            "patch",
            format!("/api/v2/products/{}/", product.id),
            "/products/{id}/",
        ),
        ("patch", order_path, "/orders-received/{number}/"),
        ("post", "/api/v2/strains/".to_owned(), "/strains/"),
        (
            "post",
            "/api/v2/product-lines/".to_owned(),
            "/product-lines/",
        ),
        (
            "patch",
            format!("/api/v2/product-lines/{}/", line.id),
            "/product-lines/{id}/",
        ),
    ];
    let logged = sim.control().requests();
    for (method, path, spec_path) in expected {
        let request = logged
            .iter()
            .find(|r| r.method.eq_ignore_ascii_case(method) && r.path == path)
            .expect("request was sent");
        contract.check_request(spec_path, method, &request.body);
    }
    check_write_answers(&contract, &sim, product.id, line.id).await;
}

/// Replays the writes' answers through raw HTTP so their bodies can be validated too.
async fn check_write_answers(
    contract: &Contract,
    sim: &leafbridge::sim::leaflink::LeafLinkSim,
    product: i64,
    line: i64,
) {
    let product_patch: Value = raw(sim, Method::PATCH, &format!("/api/v2/products/{product}/"))
        .json(&json!({"quantity": "9"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    contract.check_response("/products/{id}/", "patch", "200", &product_patch);
    let body = serde_json::to_value(new_product("CONF-2", PRE_ROLLS, vec![])).unwrap();
    let created: Value = raw(sim, Method::POST, "/api/v2/products/")
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    contract.check_response("/products/", "post", "201", &created);
    let order: Value = raw(
        sim,
        Method::PATCH,
        &format!("/api/v2/orders-received/{SEEDED_ORDER}/"),
    )
    .json(&json!({"notes": "x"}))
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    contract.check_response("/orders-received/{number}/", "patch", "200", &order);
    let moved: Value = raw(
        sim,
        Method::POST,
        &format!("/api/v2/orders-received/{SEEDED_ORDER}/transition/fulfill/"),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    contract.check_response(
        "/orders-received/{number}/transition/{action}/",
        "post",
        "200",
        &moved,
    );
    let strain: Value = raw(sim, Method::POST, "/api/v2/strains/")
        .json(&json!({"name": "Gelato", "strain_classification": "hybrid"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    contract.check_response("/strains/", "post", "201", &strain);
    let new_line: Value = raw(sim, Method::POST, "/api/v2/product-lines/")
        .json(&json!({"name": "Edibles", "brand": 2}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    contract.check_response("/product-lines/", "post", "201", &new_line);
    let patched_line: Value = raw(
        sim,
        Method::PATCH,
        &format!("/api/v2/product-lines/{line}/"),
    )
    .json(&json!({"name": "Gummies"}))
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    contract.check_response("/product-lines/{id}/", "patch", "200", &patched_line);
}

#[test]
fn nullable_is_translated_for_types_enums_and_refs() {
    let converted = convert(&json!({"properties": {
        "a": {"type": "string", "nullable": true},
        "b": {"type": "string", "enum": ["X"], "nullable": true},
        "c": {"$ref": "#/components/schemas/C", "nullable": true}}}));
    assert_eq!(
        converted["properties"]["a"]["type"],
        json!(["string", "null"])
    );
    assert_eq!(converted["properties"]["b"]["enum"], json!(["X", null]));
    assert_eq!(
        converted["properties"]["c"]["anyOf"][1],
        json!({"type": "null"})
    );
}

#[test]
fn schemas_refuse_shapes_leaflink_would_not_send() {
    let Some(contract) = Contract::load() else {
        return;
    };
    let product = &contract.doc["paths"]["/products/{id}/"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"];
    let bad_state = json!({"id": 1, "listing_state": "Hidden"});
    let result = std::panic::catch_unwind(|| contract.check(product, &bad_state, "product"));
    assert!(
        result.is_err(),
        "an unknown listing state must fail validation"
    );
    let order = &contract.doc["paths"]["/orders-received/{number}/"]["get"]["responses"]["200"]["content"]
        ["application/json"]["schema"];
    let no_delinquent = json!({"number": "n", "customer": {"id": 1}});
    assert!(std::panic::catch_unwind(|| contract.check(order, &no_delinquent, "order")).is_err());
}
