//! Simulated order money: the total LeafLink computes from an order's lines (the sale price on
//! lines `on_sale`), its `discount` (`%` or `$`), its tax (`tax_amount` with `tax_type` `%` or
//! `$`, totalled as `final_tax`), `shipping_charge` and `credits`; and order payments
//! (`/order-payments/`), which lower `payment_balance` and set `paid`. LeafLink's API offers no
//! refund: a payment is a positive amount and cannot be deleted.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use chrono::DateTime;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Value, json};

use super::Shared;
use super::api::{Params, page};
use super::orders::emit_order;
use super::state::{Db, SimError};
use crate::leaflink::model::{
    Decimal as Text, Money, NewOrderPayment, OrderMoneyFields, OrderPayment, OrderReceived,
};
use crate::sim::common::WebhookOutbox;

/// The payment types LeafLink's document lists.
const PAYMENT_TYPES: &[&str] = &[
    "other", "cash", "check", "credit", "trade", "ach", "wire", "cashier",
];

fn dec(text: &Text) -> Decimal {
    text.0.trim().parse().unwrap_or_default()
}

fn cents(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

fn text(value: Decimal) -> Text {
    Text(format!("{:.2}", cents(value)))
}

/// Sets `final_tax`, `total`, `payment_balance` and `paid` from the order's lines and fields.
pub fn recompute(order: &mut OrderReceived, payments: &[OrderPayment]) {
    let lines: Decimal = order
        .line_items
        .iter()
        .flatten()
        .map(|line| {
            let price = if line.on_sale {
                &line.sale_price
            } else {
                &line.ordered_unit_price
            };
            let units = dec(&line.quantity) / Decimal::from(line.unit_multiplier.max(1));
            cents(units * dec(&price.amount))
        })
        .sum();
    let money = &mut order.money;
    let percent = |kind: &Option<String>| kind.as_deref().is_none_or(|k| k.trim() != "$");
    let value = |field: &Option<Text>| field.as_ref().map(dec).unwrap_or_default();
    let discount = if percent(&money.discount_type) {
        cents(lines * value(&money.discount) / Decimal::ONE_HUNDRED)
    } else {
        cents(value(&money.discount))
    };
    let rates: Decimal = money
        .order_taxes
        .iter()
        .filter_map(|t| t.rate.as_ref())
        .map(dec)
        .sum();
    let tax = match &money.tax_amount {
        Some(amount) if !percent(&money.tax_type) => cents(dec(amount)),
        Some(rate) => {
            cents((lines - discount).max(Decimal::ZERO) * dec(rate) / Decimal::ONE_HUNDRED)
        }
        None => cents((lines - discount).max(Decimal::ZERO) * rates / Decimal::ONE_HUNDRED),
    };
    let shipping = money
        .shipping_charge
        .as_ref()
        .map(|m| dec(&m.amount))
        .unwrap_or_default();
    let total = lines - discount + tax + cents(shipping) - cents(value(&money.credits));
    let paid: Decimal = payments
        .iter()
        .filter(|p| p.order == order.number)
        .map(|p| dec(&p.total.amount))
        .sum();
    money.final_tax = Some(text(tax));
    money.total = Some(Money {
        amount: text(total),
        currency: "USD".to_owned(),
    });
    money.payment_balance = Some(text((total - paid).max(Decimal::ZERO)));
    money.paid = total > Decimal::ZERO && paid >= total;
}

/// A user edits an order's money (partial JSON in REST names: `discount`, `discount_type`,
/// `tax_amount`, `tax_type`, `shipping_charge`, `credits`, `payment_term`, or `lines`: a list of
/// `{product, sale_price}` putting those lines on sale, `sale_price` null taking it off); the
/// total is recomputed unless the patch sets `total` itself, and the order webhook goes out.
pub fn set_money(
    db: &mut Db,
    outbox: &WebhookOutbox,
    number: &str,
    patch: &Value,
) -> Result<(), SimError> {
    let index = db.order_index(number)?;
    let mut order = db.orders[index].clone();
    let mut fields =
        serde_json::to_value(&order.money).map_err(|e| SimError::bad_request(e.to_string()))?;
    let patch = patch
        .as_object()
        .ok_or_else(|| SimError::bad_request("a money patch is an object"))?;
    for (name, value) in patch.iter().filter(|(name, _)| *name != "lines") {
        fields[name] = value.clone();
    }
    order.money = serde_json::from_value::<OrderMoneyFields>(fields)
        .map_err(|e| SimError::bad_request(format!("bad money field: {e}")))?;
    for change in patch
        .get("lines")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let product = change["product"].as_i64().unwrap_or_default();
        let line = order
            .line_items
            .iter_mut()
            .flatten()
            .find(|l| l.product == product)
            .ok_or_else(|| SimError::bad_request(format!("no line for product {product}")))?;
        match change["sale_price"].as_str() {
            Some(price) => {
                line.sale_price = Money::usd(price);
                line.on_sale = true;
            }
            None => {
                line.sale_price = line.ordered_unit_price.clone();
                line.on_sale = false;
            }
        }
    }
    recompute(&mut order, &db.order_payments);
    if let Some(total) = patch.get("total") {
        order.money.total = Some(
            serde_json::from_value(total.clone())
                .map_err(|e| SimError::bad_request(format!("bad total: {e}")))?,
        );
    }
    order.modified = Some(db.tick());
    db.orders[index] = order;
    emit_order(db, outbox, index, "edit");
    Ok(())
}

/// `POST /order-payments/`: the order must exist, the recorder be company staff, the amount a
/// positive decimal in the order's currency, the date ISO-8601 and the type one LeafLink lists.
pub async fn create_payment(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<Value>,
) -> Result<(StatusCode, Json<Value>), SimError> {
    let new: NewOrderPayment = serde_json::from_value(body)
        .map_err(|e| SimError::bad_request(format!("invalid payment: {e}")))?;
    let amount: Decimal = new
        .total
        .amount
        .0
        .trim()
        .parse()
        .map_err(|_| SimError::field("total", "amount must be a decimal"))?;
    if amount <= Decimal::ZERO || amount.round_dp(2) != amount {
        return Err(SimError::field(
            "total",
            "amount must be positive, in cents",
        ));
    }
    if DateTime::parse_from_rfc3339(&new.payment_date).is_err() {
        return Err(SimError::field("payment_date", "not an ISO-8601 date-time"));
    }
    if let Some(kind) = &new.payment_type
        && !PAYMENT_TYPES.contains(&kind.as_str())
    {
        return Err(SimError::field(
            "payment_type",
            format!("{kind:?} is not a valid choice"),
        ));
    }
    let mut db = shared.db.lock();
    let index = db
        .order_index(&new.order)
        .map_err(|_| SimError::field("order", "no such order"))?;
    if db.staff(new.recorded_by).is_none() {
        return Err(SimError::field("recorded_by", "no such company staff"));
    }
    let now = db.tick();
    let payment = OrderPayment {
        id: db.new_id(),
        order: new.order.clone(),
        recorded_by: Some(new.recorded_by),
        total: Money {
            amount: text(amount),
            currency: new.total.currency.clone(),
        },
        payment_date: Some(new.payment_date.clone()),
        reason: new.reason.clone(),
        payment_type: new.payment_type.clone(),
        created_on: Some(now.to_rfc3339()),
    };
    db.order_payments.push(payment.clone());
    let payments = db.order_payments.clone();
    recompute(&mut db.orders[index], &payments);
    db.orders[index].modified = Some(now);
    emit_order(&db, &shared.outbox, index, "edit");
    let body = serde_json::to_value(payment).map_err(|e| SimError::bad_request(e.to_string()))?;
    Ok((StatusCode::CREATED, Json(body)))
}

/// `GET /order-payments/`.
pub async fn list_payments(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    params: Params,
) -> Result<Json<Value>, SimError> {
    let rows = shared.db.lock().order_payments.clone();
    page(&shared, &uri, &params, rows)
}

/// `GET /order-payments/{id}/`.
pub async fn get_payment(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<i64>,
) -> Result<Json<Value>, SimError> {
    let db = shared.db.lock();
    let payment = db
        .order_payments
        .iter()
        .find(|p| p.id == id)
        .ok_or_else(|| SimError::not_found("payment"))?;
    Ok(Json(json!(payment)))
}

/// `GET /orders-received/{number}/payments/`.
pub async fn order_payments(
    State(shared): State<Arc<Shared>>,
    Path(number): Path<String>,
    uri: Uri,
    params: Params,
) -> Result<Json<Value>, SimError> {
    let rows: Vec<OrderPayment> = {
        let db = shared.db.lock();
        db.order_index(&number)?;
        db.order_payments
            .iter()
            .filter(|p| p.order == number)
            .cloned()
            .collect()
    };
    page(&shared, &uri, &params, rows)
}
