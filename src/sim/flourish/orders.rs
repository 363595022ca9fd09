//! Simulated outbound orders, with the platform's rules: references by id only (or else a search
//! that silently creates the record — the trap leafbridge must never fall into), a rep required
//! by some facilities, and changes refused once anything is allocated. Orders move sellable
//! stock (see `stock`).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::api::{object_body, since_filter};
use super::http::{ApiError, Params, facility_id, page, single};
use super::money;
use super::state::{SimState, find, id_of, now_stamp, number_of};
use super::stock;
use super::{ApiQuirks, Shared};

/// The statuses an order may have.
pub const STATUSES: &[&str] = &[
    "Created",
    "Partially Allocated",
    "Allocated",
    "Shipped",
    "Completed",
    "Cancelled",
];

/// How an order names its destination or sales rep.
enum Reference {
    Absent,
    Id(String),
    /// No id: the platform searches by a field and creates the record when nothing matches.
    Search(Map<String, Value>),
}

pub async fn list(State(shared): State<Arc<Shared>>, uri: Uri) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(&uri);
    let mut rows = shared.state.lock().outbound_orders.clone();
    if let Some(status) = params.get("order_status") {
        rows.retain(|order| id_of(order, "order_status").as_deref() == Some(status));
    }
    since_filter(&params, &mut rows)?;
    page(&shared, &uri, &params, rows)
}

pub async fn get(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let state = shared.state.lock();
    let index = state.order_index(&id)?;
    Ok(single(state.outbound_orders[index].clone()))
}

pub async fn create(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let facility = facility_id(&shared, &headers)?;
    let fields = object_body(&body)?;
    let quirks = *shared.quirks.lock();
    let order = shared.change(|state| create_order(state, &facility, fields, quirks))?;
    Ok((StatusCode::CREATED, single(order)))
}

fn create_order(
    state: &mut SimState,
    facility: &str,
    fields: Map<String, Value>,
    quirks: ApiQuirks,
) -> Result<Value, ApiError> {
    let lines = quirks.stored_lines(check_lines(state, fields.get("order_lines"))?);
    let notes = check_notes(fields.get("notes"))?;
    let lists = money::check_lists(&fields)?;
    let payment_term = money::check_payment_term(state, &fields)?;
    let destination = reference(&fields, "destination", "facility_name")?;
    let rep = reference(&fields, "sales_rep", "email")?;
    check_references(state, facility, &destination, &rep)?;
    let destination_id = resolve_destination(state, destination)
        .ok_or_else(|| ApiError::bad_request("destination is required"))?;
    let rep_id = resolve_rep(state, facility, rep);
    let now = now_stamp();
    let mut order = json!({
        "id": state.new_id(),
        "original_order_id": fields.get("original_order_id").cloned().unwrap_or(Value::Null),
        "order_timestamp": fields.get("order_timestamp").cloned().unwrap_or(json!(now)),
        "order_status": "Created",
        "facility_id": facility,
        "destination": {"id": destination_id},
        "sales_rep": rep_id.map(|id| json!({"id": id})),
        "order_lines": lines,
        "notes": notes,
        "created_timestamp": now,
        "pretax_discounts": [],
        "charges": [],
        "discounts": [],
        "payment_term": payment_term,
        "order_payment_status": "Awaiting Payment",
    });
    for (list, value) in lists {
        order[list] = value;
    }
    money::set_total(&mut order);
    state.outbound_orders.push(order);
    let index = state.outbound_orders.len() - 1;
    state.order_changed(index);
    stock::order_moved(state, index, None);
    Ok(state.outbound_orders[index].clone())
}

pub async fn update(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let facility = facility_id(&shared, &headers)?;
    let fields = object_body(&body)?;
    let quirks = *shared.quirks.lock();
    let order = shared.change(|state| update_order(state, &facility, &id, fields, quirks))?;
    Ok(single(order))
}

fn update_order(
    state: &mut SimState,
    facility: &str,
    id: &str,
    fields: Map<String, Value>,
    quirks: ApiQuirks,
) -> Result<Value, ApiError> {
    let index = state.order_index(id)?;
    let mut changed = state.outbound_orders[index].clone();
    check_update_allowed(&changed, facility, &fields)?;
    let from = id_of(&changed, "order_status").unwrap_or_default();
    let old_lines = changed["order_lines"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut new_lines = None;
    if fields.contains_key("order_lines") {
        let lines = check_lines(state, fields.get("order_lines"))?;
        changed["order_lines"] = Value::Array(quirks.stored_lines(lines.clone()));
        new_lines = Some(lines);
    }
    if fields.contains_key("notes") {
        changed["notes"] = Value::Array(check_notes(fields.get("notes"))?);
    }
    for (list, value) in money::check_lists(&fields)? {
        changed[list] = value;
    }
    if fields.contains_key("payment_term") {
        changed["payment_term"] = money::check_payment_term(state, &fields)?;
    }
    money::set_total(&mut changed);
    for name in ["original_order_id", "order_timestamp", "order_status"] {
        if let Some(value) = fields.get(name) {
            changed[name] = value.clone();
        }
    }
    state.outbound_orders[index] = changed;
    state.order_changed(index);
    if let Some(lines) = new_lines {
        stock::lines_replaced(state, facility, &old_lines, &lines);
    }
    stock::order_moved(state, index, Some(&from));
    Ok(state.outbound_orders[index].clone())
}

/// The platform's rules for `PUT`: the order's own facility, status `Created`, the same
/// destination and rep, and no status change but cancelling.
fn check_update_allowed(
    order: &Value,
    facility: &str,
    fields: &Map<String, Value>,
) -> Result<(), ApiError> {
    if id_of(order, "facility_id").as_deref() != Some(facility) {
        let id = id_of(order, "id").unwrap_or_default();
        let message = format!("Outbound order {id} not found in facility {facility}");
        return Err(ApiError::not_found(message));
    }
    if let Some(message) = locked_message(id_of(order, "order_status").as_deref()) {
        return Err(ApiError::bad_request(message));
    }
    for (name, search_by) in [("destination", "facility_name"), ("sales_rep", "email")] {
        let current = order.get(name).and_then(|r| id_of(r, "id"));
        match reference(fields, name, search_by)? {
            Reference::Absent => {}
            Reference::Id(id) if current.as_deref() == Some(id.as_str()) => {}
            _ => {
                let message = format!("{name} cannot be changed on an existing order");
                return Err(ApiError::bad_request(message));
            }
        }
    }
    match fields.get("order_status") {
        Some(status) if status != "Cancelled" => Err(ApiError::bad_request(
            "order_status can only be set to Cancelled",
        )),
        _ => Ok(()),
    }
}

/// A Flourish user moves an order along (allocate, ship, complete, cancel).
pub fn set_status(state: &mut SimState, id: &str, status: &str) -> Result<Value, ApiError> {
    if !STATUSES.contains(&status) {
        return Err(ApiError::bad_request(format!(
            "order_status must be one of {STATUSES:?}"
        )));
    }
    let index = state.order_index(id)?;
    let from = id_of(&state.outbound_orders[index], "order_status").unwrap_or_default();
    state.outbound_orders[index]["order_status"] = json!(status);
    state.order_changed(index);
    stock::order_moved(state, index, Some(&from));
    Ok(state.outbound_orders[index].clone())
}

/// The platform's refusal for a change to an order that is no longer `Created`.
fn locked_message(status: Option<&str>) -> Option<&'static str> {
    match status {
        Some("Shipped") => Some("Order has already been shipped"),
        Some("Completed") => Some("Order has already been completed"),
        Some("Cancelled") => Some("Order has already been cancelled"),
        Some("Allocated" | "Partially Allocated") => {
            Some("Order has allocated inventory and can no longer be changed")
        }
        _ => None,
    }
}

fn check_lines(state: &SimState, lines: Option<&Value>) -> Result<Vec<Value>, ApiError> {
    let lines = lines.and_then(Value::as_array).filter(|l| !l.is_empty());
    let lines =
        lines.ok_or_else(|| ApiError::bad_request("order_lines must be a non-empty list"))?;
    lines.iter().map(|line| check_line(state, line)).collect()
}

fn check_line(state: &SimState, line: &Value) -> Result<Value, ApiError> {
    let sku =
        id_of(line, "sku").ok_or_else(|| ApiError::bad_request("order line sku is required"))?;
    let item = find(&state.items, "sku", &sku)
        .ok_or_else(|| ApiError::bad_request(format!("Item with sku {sku} not found")))?;
    let qty = number_of(line, "order_qty");
    if qty <= 0.0 {
        return Err(ApiError::bad_request(format!(
            "order_qty of {sku} must be positive"
        )));
    }
    // Public integrations send a number or nothing; `null` or `""` is refused, to be sure
    // leafbridge never relies on a leniency Flourish does not promise.
    if let Some(price) = line.get("discount_price")
        && !price.is_number()
    {
        return Err(ApiError::bad_request(format!(
            "discount_price of {sku} must be a number when given"
        )));
    }
    let mut line = line.clone();
    line["item_id"] = item.get("id").cloned().unwrap_or(Value::Null);
    Ok(line)
}

fn check_notes(notes: Option<&Value>) -> Result<Vec<Value>, ApiError> {
    match notes {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(notes)) if notes.iter().all(Value::is_object) => Ok(notes.clone()),
        Some(_) => Err(ApiError::bad_request(
            "notes must be a list of {subject, note, internal_only}",
        )),
    }
}

/// Reads `destination` or `sales_rep`: an `id` alone, or search fields (an id plus anything
/// else is refused, as on the platform).
fn reference(
    fields: &Map<String, Value>,
    name: &str,
    search_by: &str,
) -> Result<Reference, ApiError> {
    let Some(value) = fields.get(name).filter(|v| !v.is_null()) else {
        return Ok(Reference::Absent);
    };
    let object = value
        .as_object()
        .ok_or_else(|| ApiError::bad_request(format!("{name} must be an object")))?;
    match id_of(value, "id") {
        Some(_) if object.len() > 1 => Err(ApiError::bad_request(format!(
            "{name}: when an id is given no other field is allowed"
        ))),
        Some(id) => Ok(Reference::Id(id)),
        None if id_of(value, search_by).is_none() => Err(ApiError::bad_request(format!(
            "{name} needs an id or a {search_by}"
        ))),
        None => Ok(Reference::Search(object.clone())),
    }
}

fn check_references(
    state: &SimState,
    facility: &str,
    destination: &Reference,
    rep: &Reference,
) -> Result<(), ApiError> {
    if let Reference::Id(id) = destination
        && find(&state.destinations, "id", id).is_none()
    {
        return Err(ApiError::bad_request(format!("Destination {id} not found")));
    }
    match rep {
        Reference::Id(id) if find(&state.sales_reps, "sales_rep_id", id).is_none() => {
            Err(ApiError::bad_request(format!("Sales rep {id} not found")))
        }
        Reference::Absent if rep_required(state, facility) => Err(ApiError::bad_request(
            "sales_rep is required for outbound orders of this facility",
        )),
        _ => Ok(()),
    }
}

fn rep_required(state: &SimState, facility: &str) -> bool {
    state
        .facility(facility)
        .and_then(|f| f.get("sales_rep_required_for_outbound"))
        .is_some_and(|flag| flag == true || flag == "true")
}

/// The destination's id; a search by `facility_name` creates the destination when none matches.
fn resolve_destination(state: &mut SimState, reference: Reference) -> Option<String> {
    match reference {
        Reference::Absent => None,
        Reference::Id(id) => Some(id),
        Reference::Search(mut fields) => {
            let name = id_of(&Value::Object(fields.clone()), "facility_name").unwrap_or_default();
            let found = state
                .destinations
                .iter()
                .find(|d| id_of(d, "name").is_some_and(|n| n.eq_ignore_ascii_case(&name)));
            if let Some(found) = found {
                return id_of(found, "id");
            }
            let id = state.new_id();
            fields.remove("facility_name");
            fields.insert("id".into(), json!(id));
            fields.insert("name".into(), json!(name));
            fields.insert("last_updated_timestamp".into(), json!(now_stamp()));
            state.destinations.push(Value::Object(fields));
            Some(id)
        }
    }
}

/// The rep's id; a search by `email` creates a rep in `facility` when none matches.
fn resolve_rep(state: &mut SimState, facility: &str, reference: Reference) -> Option<String> {
    match reference {
        Reference::Absent => None,
        Reference::Id(id) => Some(id),
        Reference::Search(fields) => {
            let email = id_of(&Value::Object(fields.clone()), "email").unwrap_or_default();
            let found = state
                .sales_reps
                .iter()
                .find(|rep| id_of(rep, "email").is_some_and(|e| e.eq_ignore_ascii_case(&email)));
            if let Some(found) = found {
                return id_of(found, "sales_rep_id");
            }
            let id = state.new_id();
            let text = |name: &str| fields.get(name).cloned().unwrap_or(Value::Null);
            state.sales_reps.push(json!({
                "sales_rep_id": id, "first_name": text("first_name"), "last_name": text("last_name"),
                "email": email, "facility_id": facility,
            }));
            Some(id)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_after_allocation_are_refused_with_the_platform_wording() {
        assert_eq!(
            locked_message(Some("Shipped")),
            Some("Order has already been shipped")
        );
        assert_eq!(
            locked_message(Some("Cancelled")),
            Some("Order has already been cancelled")
        );
        assert!(locked_message(Some("Partially Allocated")).is_some());
        assert_eq!(locked_message(Some("Created")), None);
    }

    #[test]
    fn a_reference_with_an_id_and_other_fields_is_refused() {
        let fields = json!({"destination": {"id": "1", "name": "x"}});
        let fields = fields.as_object().expect("object");
        assert!(reference(fields, "destination", "facility_name").is_err());
        let fields = json!({"destination": {"id": 7}});
        let parsed = reference(
            fields.as_object().expect("object"),
            "destination",
            "facility_name",
        );
        assert!(matches!(parsed, Ok(Reference::Id(id)) if id == "7"));
    }
}
