//! `/_sim/` endpoints for acting as a LeafLink user and steering the simulator over HTTP:
//! orders (placing, editing, combining), product edits, customers, state dump/seed and webhook
//! target/quirks.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, patch, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::orders::{self, SimOrderLine};
use super::state::{Db, SimError};
use super::{RateLimit, rate};
use super::{Shared, products, webhook_target};
use crate::leaflink::model::{Customer, OrderSalesRep, OrderStatus};
use crate::sim::common::{DeliveryQuirks, RetrySchedule, WebhookOutbox};

/// The `/_sim/` routes of the LeafLink simulator.
pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_sim/orders", post(create_order))
        .route("/_sim/orders/{number}", patch(edit_order))
        .route("/_sim/combine-orders", post(super::leaving::combine_orders))
        .route("/_sim/products/{id}", patch(edit_product))
        .route("/_sim/customers", post(upsert))
        .route("/_sim/state", get(state))
        .route("/_sim/seed", post(seed))
        .route("/_sim/webhooks", put(webhooks))
        .route("/_sim/rate-limit", put(rate_limit))
}

/// Replaces an order's sales reps and emits an order webhook.
pub fn set_sales_reps(
    db: &mut Db,
    outbox: &WebhookOutbox,
    number: &str,
    ids: &[i64],
) -> Result<(), SimError> {
    let index = db.order_index(number)?;
    db.check_staff(ids)?;
    let now = db.tick();
    let order = &mut db.orders[index];
    order.sales_reps = ids
        .iter()
        .map(|id| OrderSalesRep {
            id: *id,
            user: None,
        })
        .collect();
    order.modified = Some(now);
    orders::emit_order(db, outbox, index, "edit");
    Ok(())
}

/// Adds or merges a customer (by `id`, else by `license_number`).
pub fn upsert_customer(db: &mut Db, body: &Value) -> Result<Customer, SimError> {
    let fields = body
        .as_object()
        .ok_or_else(|| SimError::bad_request("expected a JSON object"))?;
    let id = fields.get("id").and_then(Value::as_i64);
    let license = fields.get("license_number").and_then(Value::as_str);
    let existing = db.customers.iter().position(|c| {
        Some(c.id) == id
            || (id.is_none() && license.is_some() && c.license_number.as_deref() == license)
    });
    let mut merged = match existing {
        Some(index) => serde_json::to_value(&db.customers[index]).expect("customer serialises"),
        None => json!({"id": id.unwrap_or_else(|| db.new_id())}),
    };
    for (name, value) in fields {
        if name != "id" {
            merged[name] = value.clone();
        }
    }
    let mut customer: Customer =
        serde_json::from_value(merged).map_err(|e| SimError::bad_request(e.to_string()))?;
    customer.modified = Some(db.tick());
    match existing {
        Some(index) => db.customers[index] = customer.clone(),
        None => db.customers.push(customer.clone()),
    }
    Ok(customer)
}

#[derive(Deserialize)]
struct NewOrder {
    customer: i64,
    #[serde(default)]
    sales_reps: Vec<i64>,
    lines: Vec<SimOrderLine>,
}

async fn create_order(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<NewOrder>,
) -> Result<(StatusCode, Json<Value>), SimError> {
    let mut db = shared.db.lock();
    let number = orders::place_order(
        &mut db,
        &shared.outbox,
        body.customer,
        &body.sales_reps,
        &body.lines,
    )?;
    Ok((StatusCode::CREATED, Json(json!({"number": number}))))
}

#[derive(Deserialize)]
struct OrderEdit {
    #[serde(default)]
    status: Option<OrderStatus>,
    #[serde(default)]
    sales_reps: Option<Vec<i64>>,
}

async fn edit_order(
    State(shared): State<Arc<Shared>>,
    Path(number): Path<String>,
    Json(edit): Json<OrderEdit>,
) -> Result<StatusCode, SimError> {
    let mut db = shared.db.lock();
    let index = db.order_index(&number)?;
    if let Some(ids) = edit.sales_reps {
        set_sales_reps(&mut db, &shared.outbox, &number, &ids)?;
    }
    if let Some(status) = edit.status {
        orders::set_status(&mut db, &shared.outbox, index, status);
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn edit_product(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<i64>,
    Json(patch): Json<Value>,
) -> Result<Json<Value>, SimError> {
    let product = products::update(&mut shared.db.lock(), &shared.outbox, id, &patch)?;
    Ok(Json(json!(product)))
}

async fn upsert(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<Value>,
) -> Result<Json<Customer>, SimError> {
    Ok(Json(upsert_customer(&mut shared.db.lock(), &body)?))
}

async fn state(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(serde_json::to_value(&*shared.db.lock()).expect("state serialises"))
}

async fn seed(
    State(shared): State<Arc<Shared>>,
    Json(section): Json<Value>,
) -> Result<StatusCode, SimError> {
    let db = Db::from_seed(Some(&section)).map_err(|e| SimError::bad_request(e.to_string()))?;
    *shared.db.lock() = db;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /_sim/webhooks`: `{"url": .., "key": ..}` sets the target (`url: null` removes it);
/// `{"quirks": {...}}` sets delivery quirks; `{"retry_delays_ms": [..]}` sets the delays between
/// redeliveries of a webhook the receiver did not take (`[]`: never redelivered).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookSettings {
    #[serde(default, deserialize_with = "present")]
    url: Option<Option<String>>,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    quirks: Option<DeliveryQuirks>,
    #[serde(default)]
    retry_delays_ms: Option<Vec<u64>>,
}

/// Tells an explicit `null` (remove) from an absent field (keep).
fn present<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

async fn webhooks(
    State(shared): State<Arc<Shared>>,
    Json(settings): Json<WebhookSettings>,
) -> StatusCode {
    match settings.url {
        Some(Some(url)) => {
            let key = settings.key.unwrap_or_default();
            shared.outbox.set_target(Some(webhook_target(url, key)));
        }
        Some(None) => shared.outbox.set_target(None),
        None => {}
    }
    if let Some(quirks) = settings.quirks {
        shared.outbox.set_quirks(quirks);
    }
    if let Some(delays) = settings.retry_delays_ms {
        let delays = delays.into_iter().map(Duration::from_millis).collect();
        shared.outbox.set_retry_schedule(RetrySchedule(delays));
    }
    StatusCode::NO_CONTENT
}

/// `PUT /_sim/rate-limit`: `{"per_minute": 300, "burst": 700}` sets the key's limit (a full
/// bucket); `null` lifts it. The simulator starts at LeafLink's published figure.
async fn rate_limit(
    State(shared): State<Arc<Shared>>,
    Json(limit): Json<Option<RateLimit>>,
) -> Result<StatusCode, SimError> {
    if limit.is_some_and(|l| l.per_minute == 0) {
        return Err(SimError::bad_request("per_minute must be at least 1"));
    }
    *shared.bucket.lock() = rate::Bucket::new(limit);
    Ok(StatusCode::NO_CONTENT)
}
