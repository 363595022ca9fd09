//! Orders leaving LeafLink, as its published document shows it: `DELETE
//! /orders-received/{number}/` works only on drafts (204, then an order webhook with action
//! `delete`; the order answers 404 from then on), and combining orders (a seller's action in
//! LeafLink's UI; the document has no endpoint for it) makes a new order with `is_combination`
//! true carrying every line, while each original stays with status `Combined`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Shared;
use super::orders::{SimOrderLine, emit_order, place_order, set_status};
use super::state::{Db, SimError};
use crate::leaflink::model::OrderStatus;
use crate::sim::common::WebhookOutbox;

/// `DELETE /orders-received/{number}/`.
pub(super) async fn delete_order(
    State(shared): State<Arc<Shared>>,
    Path(number): Path<String>,
) -> Result<StatusCode, SimError> {
    let mut db = shared.db.lock();
    delete(&mut db, &shared.outbox, &number)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /_sim/combine-orders` `{"numbers": [...]}`: the seller combines orders (see
/// [`combine`]); answers the new order's number.
pub(super) async fn combine_orders(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<CombineOrders>,
) -> Result<(StatusCode, Json<Value>), SimError> {
    let numbers: Vec<&str> = body.numbers.iter().map(String::as_str).collect();
    let mut db = shared.db.lock();
    let number = combine(&mut db, &shared.outbox, &numbers)?;
    Ok((StatusCode::CREATED, Json(json!({"number": number}))))
}

#[derive(Deserialize)]
pub(super) struct CombineOrders {
    numbers: Vec<String>,
}

/// Deletes a draft order and sends the `delete` webhook; any other status is refused (400).
pub fn delete(db: &mut Db, outbox: &WebhookOutbox, number: &str) -> Result<(), SimError> {
    let index = db.order_index(number)?;
    let status = db.orders[index].status;
    if status != OrderStatus::Draft {
        return Err(SimError::bad_request(format!(
            "only draft orders can be deleted; this order is {}",
            status.as_str()
        )));
    }
    emit_order(db, outbox, index, "delete");
    db.orders.remove(index);
    Ok(())
}

/// Combines orders of one customer that the seller has not fulfilled yet (Submitted, Accepted
/// or Backorder): a new Submitted order with `is_combination` true and every line (same
/// products, quantities and batches, at the products' prices), under the first order's sales
/// reps; each
/// original becomes `Combined` (its reservation moves to the new order). Returns the new
/// order's number.
pub fn combine(db: &mut Db, outbox: &WebhookOutbox, numbers: &[&str]) -> Result<String, SimError> {
    let indexes = numbers
        .iter()
        .map(|number| db.order_index(number))
        .collect::<Result<Vec<_>, _>>()?;
    let Some(&first) = indexes.first().filter(|_| indexes.len() >= 2) else {
        return Err(SimError::bad_request("combining takes two orders or more"));
    };
    let customer = db.orders[first].customer.id;
    for &index in &indexes {
        let order = &db.orders[index];
        if order.customer.id != customer {
            return Err(SimError::bad_request("only one customer's orders combine"));
        }
        if !matches!(
            order.status,
            OrderStatus::Submitted | OrderStatus::Accepted | OrderStatus::Backorder
        ) {
            return Err(SimError::bad_request(format!(
                "a {} order cannot be combined",
                order.status.as_str()
            )));
        }
    }
    let reps: Vec<i64> = db.orders[first].sales_reps.iter().map(|r| r.id).collect();
    let lines: Vec<SimOrderLine> = indexes
        .iter()
        .flat_map(|&index| db.orders[index].line_items.clone().unwrap_or_default())
        .map(|line| SimOrderLine {
            product: line.product,
            bulk_units: None,
            quantity: Some(line.quantity),
            batch: line.batch,
        })
        .collect();
    // The originals release what they reserve before the combination reserves it again.
    for &index in &indexes {
        set_status(db, outbox, index, OrderStatus::Combined);
    }
    let number = place_order(db, outbox, customer, &reps, &lines)?;
    let index = db.order_index(&number)?;
    db.orders[index].is_combination = true;
    emit_order(db, outbox, index, "edit");
    Ok(number)
}
