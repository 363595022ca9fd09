//! The `/api/v2/` surface: auth and trailing-slash rules, pagination, and the order, customer
//! and staff endpoints (the catalogue lives in `api_catalog`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use serde_json::{Value, json};

use super::Shared;
use super::orders::{self, available_transitions};
use super::state::{Db, SimError};
use crate::leaflink::model::{OrderAction, OrderCustomer, OrderPatch, OrderReceived, OrderStatus};

/// Query parameters as sent.
pub type Params = Query<HashMap<String, String>>;

/// The `/api/v2/` routes for orders, customers and staff.
pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/api/v2/orders-received/", get(list_orders))
        .route(
            "/api/v2/orders-received/{number}/",
            get(get_order)
                .patch(patch_order)
                .delete(super::leaving::delete_order),
        )
        .route(
            "/api/v2/orders-received/{number}/transition/{action}/",
            post(transition),
        )
        .route(
            "/api/v2/orders-received/{number}/line-items/",
            get(line_items),
        )
        .route(
            "/api/v2/orders-received/{number}/payments/",
            get(super::money::order_payments),
        )
        .route(
            "/api/v2/order-payments/",
            get(super::money::list_payments).post(super::money::create_payment),
        )
        .route(
            "/api/v2/order-payments/{id}/",
            get(super::money::get_payment),
        )
        .route("/api/v2/customers/", get(list_customers))
        .route("/api/v2/customers/{id}/", get(get_customer))
        .route("/api/v2/company-staff/", get(list_staff))
        .route("/api/v2/company-staff/{id}/", get(get_staff))
}

/// LeafLink's unfriendly rules first: a path without its trailing slash is a 400 (not a
/// redirect), and a missing or wrong `App`/`Token` key is a 401.
pub async fn guard(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if !path.starts_with("/api/v2") {
        return next.run(request).await;
    }
    if !path.ends_with('/') {
        return SimError::bad_request("Paths must end with a trailing slash.").into_response();
    }
    let header = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    let detail = match header.map(|h| h.split_once(' ')) {
        None => "Authentication credentials were not provided.",
        Some(Some(("App" | "Token", key))) if key == shared.api_key => {
            if !shared.bucket.lock().take() {
                let detail = "Request was throttled.";
                return (
                    StatusCode::TOO_MANY_REQUESTS,
                    Json(json!({"detail": detail})),
                )
                    .into_response();
            }
            return next.run(request).await;
        }
        Some(_) => "Invalid token.",
    };
    (StatusCode::UNAUTHORIZED, Json(json!({"detail": detail}))).into_response()
}

/// Answers 404 in LeafLink's error shape for unknown paths.
pub async fn not_found() -> SimError {
    SimError::not_found("path")
}

/// One page of `items`: `limit` defaults to 50 and is capped at 100; `next`/`previous` are
/// absolute URLs carrying the same filters.
pub fn page<T: Serialize>(
    shared: &Shared,
    uri: &Uri,
    params: &HashMap<String, String>,
    items: Vec<T>,
) -> Result<Json<Value>, SimError> {
    let number = |name: &str, default: usize| match params.get(name) {
        None => Ok(default),
        Some(text) => text
            .parse::<usize>()
            .map_err(|_| SimError::bad_request(format!("bad {name}"))),
    };
    let limit = number("limit", 50)?.clamp(1, 100);
    let offset = number("offset", 0)?;
    let count = items.len();
    let link = |offset: usize| {
        let mut query: BTreeMap<&str, String> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        query.insert("limit", limit.to_string());
        query.insert("offset", offset.to_string());
        let mut url = url::Url::parse(&format!("{}{}", shared.origin, uri.path())).expect("url");
        url.query_pairs_mut().extend_pairs(query);
        url.to_string()
    };
    let next = (offset + limit < count).then(|| link(offset + limit));
    let previous = (offset > 0).then(|| link(offset.saturating_sub(limit)));
    let results: Vec<T> = items.into_iter().skip(offset).take(limit).collect();
    Ok(Json(
        json!({"count": count, "next": next, "previous": previous, "results": results}),
    ))
}

/// Refuses a query parameter the endpoint does not take (`accepted`, plus `limit` and
/// `offset`): LeafLink would ignore it and answer the whole unfiltered list, which a client
/// must never mistake for a filtered one.
pub fn only_params(params: &HashMap<String, String>, accepted: &[&str]) -> Result<(), SimError> {
    match params.keys().find(|name| {
        !matches!(name.as_str(), "limit" | "offset") && !accepted.contains(&name.as_str())
    }) {
        Some(name) => Err(SimError::bad_request(format!(
            "{name}: not a filter of this endpoint (filters: {})",
            accepted.join(", ")
        ))),
        None => Ok(()),
    }
}

/// A filter of record ids: one id, or with `list` a comma list of them.
pub fn ids(
    params: &HashMap<String, String>,
    name: &str,
    list: bool,
) -> Result<Option<Vec<i64>>, SimError> {
    let Some(text) = params.get(name) else {
        return Ok(None);
    };
    if !list && text.contains(',') {
        return Err(SimError::bad_request(format!("{name}: enter a number")));
    }
    text.split(',')
        .map(|part| {
            part.trim()
                .parse::<i64>()
                .map_err(|_| SimError::bad_request(format!("{name}: {part:?} is not a number")))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// Parses a `modified__gte` style filter.
pub fn since(
    params: &HashMap<String, String>,
    name: &str,
) -> Result<Option<DateTime<FixedOffset>>, SimError> {
    params
        .get(name)
        .map(|text| {
            DateTime::parse_from_rfc3339(text)
                .map_err(|_| SimError::bad_request(format!("{name}: not an ISO-8601 timestamp")))
        })
        .transpose()
}

/// An order in the REST shape, with the children asked for.
pub fn render_order(db: &Db, order: &OrderReceived, children: Option<&String>) -> Value {
    let wanted = |child: &str| children.is_some_and(|c| c.split(',').any(|x| x.trim() == child));
    let mut order = order.clone();
    order.available_transitions = available_transitions(order.status);
    for rep in &mut order.sales_reps {
        rep.user = db
            .staff(rep.id)
            .and_then(|s| s.display_name.clone())
            .or(rep.user.take());
    }
    let customer = db.customer(order.customer.id);
    let display_name = customer.map(|c| c.nickname.clone().unwrap_or_else(|| c.name.clone()));
    order.customer = OrderCustomer {
        id: order.customer.id,
        display_name: display_name.or(order.customer.display_name),
        ..Default::default()
    };
    if !wanted("line_items") {
        order.line_items = None;
    }
    let mut value = serde_json::to_value(&order).expect("order serialises");
    if let (true, Some(customer)) = (wanted("customer"), customer) {
        let mut full = serde_json::to_value(customer).expect("customer serialises");
        full["display_name"] = json!(order.customer.display_name);
        value["customer"] = full;
    }
    value
}

async fn list_orders(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    Query(params): Params,
) -> Result<Json<Value>, SimError> {
    let modified = since(&params, "modified__gte")?;
    let status = status_param(&params, "status")?;
    let status_not = status_param(&params, "status__not")?;
    let db = shared.db.lock();
    let orders: Vec<Value> = db
        .orders
        .iter()
        .filter(|o| modified.is_none_or(|at| o.modified.is_some_and(|m| m >= at)))
        .filter(|o| status.as_ref().is_none_or(|s| s.contains(&o.status)))
        .filter(|o| status_not.as_ref().is_none_or(|s| !s.contains(&o.status)))
        .map(|o| render_order(&db, o, params.get("include_children")))
        .collect();
    page(&shared, &uri, &params, orders)
}

/// `status` / `status__not`: one status or a comma-separated list, in any case (the published
/// form is lower case). Anything else is refused.
fn status_param(
    params: &HashMap<String, String>,
    name: &str,
) -> Result<Option<Vec<OrderStatus>>, SimError> {
    let Some(text) = params.get(name) else {
        return Ok(None);
    };
    text.split(',')
        .map(|part| {
            let part = part.trim();
            ORDER_STATUSES
                .iter()
                .copied()
                .find(|s| s.as_str().eq_ignore_ascii_case(part))
                .ok_or_else(|| {
                    SimError::bad_request(format!("{name}: {part:?} is not a valid choice."))
                })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// The statuses the `status` filters accept.
const ORDER_STATUSES: [OrderStatus; 10] = [
    OrderStatus::Draft,
    OrderStatus::Submitted,
    OrderStatus::Accepted,
    OrderStatus::Backorder,
    OrderStatus::Fulfilled,
    OrderStatus::Shipped,
    OrderStatus::Complete,
    OrderStatus::Rejected,
    OrderStatus::Combined,
    OrderStatus::Cancelled,
];

async fn get_order(
    State(shared): State<Arc<Shared>>,
    Path(number): Path<String>,
    Query(params): Params,
) -> Result<Json<Value>, SimError> {
    let db = shared.db.lock();
    let order = &db.orders[db.order_index(&number)?];
    Ok(Json(render_order(
        &db,
        order,
        params.get("include_children"),
    )))
}

async fn patch_order(
    State(shared): State<Arc<Shared>>,
    Path(number): Path<String>,
    Json(patch): Json<OrderPatch>,
) -> Result<Json<Value>, SimError> {
    if let Some(ids) = &patch.external_ids
        && ids
            .values()
            .any(|v| v.as_str().is_none_or(|s| s.chars().count() > 36))
    {
        return Err(SimError::bad_request(
            "external_ids values must be strings of at most 36 characters",
        ));
    }
    let mut db = shared.db.lock();
    let index = db.order_index(&number)?;
    let now = db.tick();
    let order = &mut db.orders[index];
    // `external_ids` is one field of the order: a PATCH sets the whole object, as it does on
    // products (so an entry is removed by sending the object without it).
    if let Some(ids) = patch.external_ids {
        order.external_ids = ids;
    }
    if let Some(notes) = patch.notes {
        order.notes = Some(notes);
    }
    order.modified = Some(now);
    orders::emit_order(&db, &shared.outbox, index, "edit");
    Ok(Json(render_order(&db, &db.orders[index], None)))
}

async fn transition(
    State(shared): State<Arc<Shared>>,
    Path((number, action)): Path<(String, String)>,
) -> Result<Json<Value>, SimError> {
    let action = OrderAction::parse(&action)
        .ok_or_else(|| SimError::bad_request(format!("unknown transition {action:?}")))?;
    let mut db = shared.db.lock();
    let index = orders::transition(&mut db, &shared.outbox, &number, action)?;
    Ok(Json(render_order(&db, &db.orders[index], None)))
}

async fn line_items(
    State(shared): State<Arc<Shared>>,
    Path(number): Path<String>,
) -> Result<Json<Value>, SimError> {
    let db = shared.db.lock();
    let order = &db.orders[db.order_index(&number)?];
    Ok(Json(json!(order.line_items.clone().unwrap_or_default())))
}

async fn list_customers(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    Query(params): Params,
) -> Result<Json<Value>, SimError> {
    let modified = since(&params, "modified__gte")?;
    let exact = params.get("license_number");
    let any_of: Option<Vec<&str>> = params
        .get("license_number__in")
        .map(|l| l.split(',').collect());
    let db = shared.db.lock();
    let customers: Vec<_> = db
        .customers
        .iter()
        .filter(|c| exact.is_none_or(|l| c.license_number.as_ref() == Some(l)))
        .filter(|c| {
            any_of
                .as_ref()
                .is_none_or(|ls| c.license_number.as_deref().is_some_and(|l| ls.contains(&l)))
        })
        .filter(|c| modified.is_none_or(|at| c.modified.is_some_and(|m| m >= at)))
        .cloned()
        .collect();
    page(&shared, &uri, &params, customers)
}

async fn get_customer(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<i64>,
) -> Result<Json<Value>, SimError> {
    let db = shared.db.lock();
    let customer = db
        .customer(id)
        .ok_or_else(|| SimError::not_found("customer"))?;
    Ok(Json(json!(customer)))
}

async fn list_staff(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    Query(params): Params,
) -> Result<Json<Value>, SimError> {
    let staff = shared.db.lock().company_staff.clone();
    page(&shared, &uri, &params, staff)
}

async fn get_staff(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<i64>,
) -> Result<Json<Value>, SimError> {
    let db = shared.db.lock();
    let staff = db
        .staff(id)
        .ok_or_else(|| SimError::not_found("company staff"))?;
    Ok(Json(json!(staff)))
}
