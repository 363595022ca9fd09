//! The simulated `/external/api/v1/` routes other than outbound orders: items, destinations,
//! sales reps, facilities, brands, strains and the inventory summary.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::{MethodRouter, get};
use axum::{Json, Router};
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::http::{ApiError, Params, facility_id, page, single};
use super::state::{find, id_of, now_stamp, number_of, parse_start, position, updated_since};
use super::{Shared, orders};

type Answer = Result<Json<Value>, ApiError>;

/// The API base path.
pub const BASE_PATH: &str = "/external/api/v1";

/// Destination types Flourish accepts.
const DESTINATION_TYPES: &[&str] = &[
    "Dispensary",
    "Distributor",
    "Processor",
    "Grower",
    "Manufacturer",
    "Laboratory",
    "Microbusiness",
    "Other",
];

/// Every API route, each with and without a trailing slash.
pub fn router() -> Router<Arc<Shared>> {
    let routes: Vec<(&str, MethodRouter<Arc<Shared>>)> = vec![
        ("/items", get(list_items)),
        ("/items/{id}", get(get_item)),
        ("/outbound-orders", get(orders::list).post(orders::create)),
        (
            "/outbound-orders/{id}",
            get(orders::get).put(orders::update),
        ),
        (
            "/destinations",
            get(list_destinations).post(create_destination),
        ),
        (
            "/destinations/{id}",
            get(get_destination).put(update_destination),
        ),
        ("/sales-reps", get(list_sales_reps)),
        ("/facilities", get(list_facilities)),
        ("/facilities/{id}", get(get_facility)),
        ("/brands", get(list_brands)),
        ("/strains", get(list_strains)),
        ("/strains/{id}", get(get_strain)),
        ("/inventory/summary", get(inventory_summary)),
        ("/order-payment-terms", get(list_payment_terms)),
    ];
    routes
        .into_iter()
        .fold(Router::new(), |router, (path, method)| {
            let path = format!("{BASE_PATH}{path}");
            router
                .route(&format!("{path}/"), method.clone())
                .route(&path, method)
        })
}

/// A request body that must be a JSON object.
pub fn object_body(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ApiError::bad_request(
            "The request body must be a JSON object",
        )),
    }
}

/// Keeps the rows changed at or after `last_updated_timestamp_start`, when given.
pub fn since_filter(params: &Params, rows: &mut Vec<Value>) -> Result<(), ApiError> {
    if let Some(start) = params.get("last_updated_timestamp_start") {
        let start = parse_start(start)?;
        rows.retain(|row| updated_since(row, &start));
    }
    Ok(())
}

fn one(list: &[Value], field: &str, id: &str, what: &str) -> Answer {
    find(list, field, id)
        .map(|v| single(v.clone()))
        .ok_or_else(|| ApiError::not_found(format!("{what} {id} not found")))
}

async fn list_items(State(shared): State<Arc<Shared>>, uri: Uri) -> Answer {
    let params = Params::parse(&uri);
    let mut rows = shared.state.lock().items.clone();
    if let Some(sku) = params.get("sku") {
        rows.retain(|item| id_of(item, "sku").as_deref() == Some(sku));
    }
    let ids = params.all("item_id");
    if !ids.is_empty() {
        rows.retain(|item| id_of(item, "id").is_some_and(|id| ids.contains(&id.as_str())));
    }
    since_filter(&params, &mut rows)?;
    page(&shared, &uri, &params, rows)
}

async fn get_item(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Answer {
    one(&shared.state.lock().items, "id", &id, "Item")
}

async fn list_destinations(State(shared): State<Arc<Shared>>, uri: Uri) -> Answer {
    let params = Params::parse(&uri);
    let mut rows = shared.state.lock().destinations.clone();
    if let Some(license) = params.get("license_number") {
        rows.retain(|d| id_of(d, "license_number").as_deref() == Some(license));
    }
    if let Some(name) = params.get("facility_name") {
        rows.retain(|d| id_of(d, "name").is_some_and(|n| n.eq_ignore_ascii_case(name)));
    }
    if let Some(search) = params.get("search") {
        let needle = search.to_lowercase();
        rows.retain(|d| {
            ["name", "alias", "license_number"]
                .iter()
                .filter_map(|field| id_of(d, field))
                .any(|text| text.to_lowercase().contains(&needle))
        });
    }
    since_filter(&params, &mut rows)?;
    page(&shared, &uri, &params, rows)
}

async fn get_destination(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Answer {
    one(&shared.state.lock().destinations, "id", &id, "Destination")
}

/// Checks a destination's fields; `creating` also requires a name.
pub fn check_destination(fields: &Map<String, Value>, creating: bool) -> Result<(), ApiError> {
    let name = fields
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if creating && name.trim().is_empty() {
        return Err(ApiError::bad_request("name is required"));
    }
    if let Some(kind) = fields.get("type").filter(|v| !v.is_null())
        && !kind
            .as_str()
            .is_some_and(|k| DESTINATION_TYPES.contains(&k))
    {
        let message = format!("type must be one of {DESTINATION_TYPES:?}");
        return Err(ApiError::bad_request(message));
    }
    if let Some(state) = fields.get("state").and_then(Value::as_str)
        && state.len() != 2
    {
        return Err(ApiError::bad_request("state must be a two-letter code"));
    }
    Ok(())
}

async fn create_destination(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut fields = object_body(&body)?;
    fields.remove("id");
    check_destination(&fields, true)?;
    let mut state = shared.state.lock();
    fields.insert("id".into(), json!(state.new_id()));
    fields.insert("last_updated_timestamp".into(), json!(now_stamp()));
    let destination = Value::Object(fields);
    state.destinations.push(destination.clone());
    Ok((StatusCode::CREATED, single(destination)))
}

async fn update_destination(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let mut fields = object_body(&body)?;
    fields.remove("id");
    check_destination(&fields, false)?;
    let mut state = shared.state.lock();
    let index = position(&state.destinations, "id", &id)
        .ok_or_else(|| ApiError::not_found(format!("Destination {id} not found")))?;
    let destination = &mut state.destinations[index];
    for (name, value) in fields {
        destination[name.as_str()] = value;
    }
    destination["last_updated_timestamp"] = json!(now_stamp());
    Ok(single(destination.clone()))
}

async fn list_sales_reps(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
) -> Answer {
    let facility = facility_id(&shared, &headers)?;
    let mut rows = shared.state.lock().sales_reps.clone();
    // A rep without a default facility belongs to none in particular, so every facility's
    // list shows them (otherwise no API read could ever find them).
    rows.retain(|rep| match id_of(rep, "facility_id") {
        Some(id) if !id.trim().is_empty() => id == facility,
        _ => true,
    });
    page(&shared, &uri, &Params::parse(&uri), rows)
}

async fn list_facilities(State(shared): State<Arc<Shared>>, uri: Uri) -> Answer {
    let rows = shared.state.lock().facilities.clone();
    page(&shared, &uri, &Params::parse(&uri), rows)
}

async fn get_facility(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Answer {
    one(&shared.state.lock().facilities, "id", &id, "Facility")
}

async fn list_payment_terms(State(shared): State<Arc<Shared>>, uri: Uri) -> Answer {
    let params = Params::parse(&uri);
    let rows = shared.state.lock().payment_terms.clone();
    page(&shared, &uri, &params, rows)
}

async fn list_brands(State(shared): State<Arc<Shared>>, uri: Uri) -> Answer {
    let params = Params::parse(&uri);
    let mut rows = shared.state.lock().brands.clone();
    if let Some(name) = params.get("brand_name") {
        rows.retain(|b| id_of(b, "brand_name").is_some_and(|n| n.eq_ignore_ascii_case(name)));
    }
    page(&shared, &uri, &params, rows)
}

async fn list_strains(State(shared): State<Arc<Shared>>, uri: Uri) -> Answer {
    let rows = shared.state.lock().strains.clone();
    page(&shared, &uri, &Params::parse(&uri), rows)
}

async fn get_strain(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Answer {
    one(&shared.state.lock().strains, "id", &id, "Strain")
}

/// Rows per item (sellable quantities summed over lots), or per lot with `group_by=lot_number`.
async fn inventory_summary(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
) -> Answer {
    let facility = facility_id(&shared, &headers)?;
    let params = Params::parse(&uri);
    let ids = params.all("item_id");
    if ids.len() > 50 {
        return Err(ApiError::bad_request(
            "At most 50 item_id values are allowed per request",
        ));
    }
    let mut rows = shared.state.lock().inventory.clone();
    rows.retain(|row| {
        id_of(row, "facility_id").as_deref() == Some(facility.as_str())
            && (ids.is_empty()
                || id_of(row, "item_id").is_some_and(|id| ids.contains(&id.as_str())))
            && params
                .get("sku")
                .is_none_or(|sku| id_of(row, "sku").as_deref() == Some(sku))
            && params
                .get("lot_number")
                .is_none_or(|lot| id_of(row, "lot_number").as_deref() == Some(lot))
    });
    let rows = if params.get("group_by") == Some("lot_number") {
        rows.iter()
            .map(|row| summary_row(row, number_of(row, "sellable_qty"), true))
            .collect()
    } else {
        sum_by_item(&rows)
    };
    page(&shared, &uri, &params, rows)
}

fn sum_by_item(rows: &[Value]) -> Vec<Value> {
    let mut totals: Vec<(String, Value, f64)> = Vec::new();
    for row in rows {
        let item_id = id_of(row, "item_id").unwrap_or_default();
        let qty = number_of(row, "sellable_qty");
        match totals.iter_mut().find(|(id, _, _)| *id == item_id) {
            Some(total) => total.2 += qty,
            None => totals.push((item_id, row.clone(), qty)),
        }
    }
    totals
        .into_iter()
        .map(|(_, row, qty)| summary_row(&row, qty, false))
        .collect()
}

fn summary_row(row: &Value, sellable_qty: f64, with_lot: bool) -> Value {
    let mut out = json!({
        "item_id": row.get("item_id").cloned().unwrap_or(Value::Null),
        "sku": row.get("sku").cloned().unwrap_or(Value::Null),
        "sellable_qty": sellable_qty,
    });
    if with_lot {
        out["lot_number"] = row.get("lot_number").cloned().unwrap_or(Value::Null);
    }
    out
}
