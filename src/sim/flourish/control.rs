//! What a Flourish user does in the UI (edit an item, count stock, allocate or ship an order),
//! as state changes that emit webhooks, and the `/_sim/` endpoints exposing them over HTTP.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, patch, post, put};
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::api::object_body;
use super::http::ApiError;
use super::state::{SimState, id_of, now_stamp, position};
use super::{Shared, flourish_webhook_target, orders};
use crate::sim::common::DeliveryQuirks;

/// Merges `patch` into the item (its id stays) and emits the `item` webhook.
pub fn update_item(
    state: &mut SimState,
    id: &str,
    patch: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let index = position(&state.items, "id", id)
        .ok_or_else(|| ApiError::not_found(format!("Item {id} not found")))?;
    for (name, value) in patch.iter().filter(|(name, _)| name.as_str() != "id") {
        state.items[index][name.as_str()] = value.clone();
    }
    state.item_changed(index);
    Ok(state.items[index].clone())
}

/// Adds an item (or replaces the one with the same id) and emits the `item` webhook.
pub fn upsert_item(state: &mut SimState, mut item: Map<String, Value>) -> Result<Value, ApiError> {
    let id = match id_of(&Value::Object(item.clone()), "id") {
        Some(id) => id,
        None => state.new_id(),
    };
    item.entry("id").or_insert(json!(id));
    let index = match position(&state.items, "id", &id) {
        Some(index) => {
            state.items[index] = Value::Object(item);
            index
        }
        None => {
            state.items.push(Value::Object(item));
            state.items.len() - 1
        }
    };
    state.item_changed(index);
    Ok(state.items[index].clone())
}

/// A stock count: the sellable quantity of one item (by id or SKU) and lot in one facility.
#[derive(Clone, Debug, Deserialize)]
pub struct StockCount {
    pub facility_id: String,
    /// The item's id or SKU.
    #[serde(alias = "item_id", alias = "sku")]
    pub item: String,
    pub sellable_qty: f64,
    #[serde(default)]
    pub lot_number: Option<String>,
}

/// Sets one inventory row and emits the `inventory_summary` webhook for that item and facility.
pub fn set_inventory(state: &mut SimState, count: &StockCount) -> Result<(), ApiError> {
    if state.facility(&count.facility_id).is_none() {
        return Err(ApiError::not_found(format!(
            "Facility {} not found",
            count.facility_id
        )));
    }
    let index = state
        .item_index(&count.item)
        .ok_or_else(|| ApiError::not_found(format!("Item {} not found", count.item)))?;
    let item_id = id_of(&state.items[index], "id").unwrap_or_default();
    let sku = id_of(&state.items[index], "sku");
    let same_row = |row: &Value| {
        id_of(row, "facility_id").as_deref() == Some(count.facility_id.as_str())
            && id_of(row, "item_id").as_deref() == Some(item_id.as_str())
            && id_of(row, "lot_number") == count.lot_number
    };
    let row = json!({
        "facility_id": count.facility_id, "item_id": item_id, "sku": sku,
        "sellable_qty": count.sellable_qty, "lot_number": count.lot_number,
        "last_updated_timestamp": now_stamp(),
    });
    match state.inventory.iter().position(same_row) {
        Some(existing) => state.inventory[existing] = row,
        None => state.inventory.push(row),
    }
    state.inventory_changed(&count.facility_id, &item_id);
    Ok(())
}

/// `/_sim/` routes for the Flourish simulator (the shared faults and request log are separate).
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/_sim/items", post(post_item))
        .route("/_sim/items/{id}", patch(patch_item))
        .route("/_sim/inventory", put(put_inventory))
        .route("/_sim/outbound-orders/{id}", patch(patch_order))
        .route("/_sim/state", get(get_state))
        .route("/_sim/seed", post(post_seed))
        .route(
            "/_sim/webhooks",
            put(put_webhooks)
                .get(get_deliveries)
                .delete(delete_webhooks),
        )
        .with_state(shared)
}

type Answer = Result<Json<Value>, ApiError>;

async fn post_item(State(shared): State<Arc<Shared>>, body: Bytes) -> Answer {
    let item = object_body(&body)?;
    shared.change(|state| upsert_item(state, item)).map(Json)
}

async fn patch_item(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let patch = object_body(&body)?;
    shared
        .change(|state| update_item(state, &id, &patch))
        .map(Json)
}

async fn put_inventory(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let count: StockCount = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!(
            "expected {{facility_id, item_id|sku, sellable_qty, lot_number?}}: {e}"
        ))
    })?;
    shared.change(|state| set_inventory(state, &count))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn patch_order(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let fields = object_body(&body)?;
    let status = fields
        .get("order_status")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request("order_status is required"))?;
    shared
        .change(|state| orders::set_status(state, &id, status))
        .map(Json)
}

async fn get_state(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(shared.dump())
}

async fn post_seed(
    State(shared): State<Arc<Shared>>,
    Json(seed): Json<Value>,
) -> Result<StatusCode, ApiError> {
    let state = SimState::from_seed(Some(&seed))
        .map_err(|e| ApiError::bad_request(format!("invalid seed: {e}")))?;
    *shared.state.lock() = state;
    Ok(StatusCode::NO_CONTENT)
}

/// Body of `PUT /_sim/webhooks`: where to deliver (with the signing key) and delivery quirks.
#[derive(Deserialize)]
struct WebhookSettings {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    quirks: Option<DeliveryQuirks>,
}

async fn put_webhooks(
    State(shared): State<Arc<Shared>>,
    Json(settings): Json<WebhookSettings>,
) -> Result<StatusCode, ApiError> {
    match (settings.url, settings.key) {
        (Some(url), Some(key)) => shared
            .outbox
            .set_target(Some(flourish_webhook_target(url, key))),
        (None, None) => {}
        _ => return Err(ApiError::bad_request("url and key go together")),
    }
    if let Some(quirks) = settings.quirks {
        shared.outbox.set_quirks(quirks);
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn get_deliveries(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(json!(shared.outbox.deliveries()))
}

async fn delete_webhooks(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.outbox.set_target(None);
    StatusCode::NO_CONTENT
}
