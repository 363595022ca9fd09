//! Simulated order money, as leafbridge's Decision shapes it: `pretax_discounts`, `charges` and
//! `discounts` as lists of `{name, amount}` (amount a number ≥ 0 in cents, nothing else), the
//! order's `order_total` computed from lines and those lists, payment terms by id, and the
//! order's `order_payment_status` as a Flourish user records payments.

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Map, Value, json};

use super::http::ApiError;
use super::state::{SimState, find, id_of};

/// The three lists of an order's money.
pub const LISTS: [&str; 3] = ["pretax_discounts", "charges", "discounts"];

/// The payment statuses a Flourish user can record.
pub const PAYMENT_STATUSES: &[&str] = &[
    "Awaiting Payment",
    "Paid",
    "Partially Paid",
    "Partially Refunded",
    "Refunded",
];

/// Checks the lists present in `fields`: each a list of `{name, amount}`.
pub fn check_lists(fields: &Map<String, Value>) -> Result<Vec<(&'static str, Value)>, ApiError> {
    let mut found = Vec::new();
    for list in LISTS {
        let Some(value) = fields.get(list) else {
            continue;
        };
        let entries = value
            .as_array()
            .ok_or_else(|| ApiError::bad_request(format!("{list} must be a list")))?;
        for entry in entries {
            check_entry(list, entry)?;
        }
        found.push((list, value.clone()));
    }
    Ok(found)
}

fn check_entry(list: &str, entry: &Value) -> Result<(), ApiError> {
    let shape = || ApiError::bad_request(format!("each entry of {list} must be {{name, amount}}"));
    let object = entry.as_object().ok_or_else(shape)?;
    if object.keys().any(|key| key != "name" && key != "amount") {
        return Err(shape());
    }
    let name = object.get("name").and_then(Value::as_str).unwrap_or("");
    if name.trim().is_empty() {
        return Err(ApiError::bad_request(format!("{list}: name is required")));
    }
    let amount = object
        .get("amount")
        .filter(|a| a.is_number())
        .and_then(decimal)
        .ok_or_else(|| ApiError::bad_request(format!("{list} {name}: amount must be a number")))?;
    if amount.is_sign_negative() || amount.round_dp(2) != amount {
        return Err(ApiError::bad_request(format!(
            "{list} {name}: amount must be zero or more, in cents"
        )));
    }
    Ok(())
}

/// Sets `order_total`: each line is `order_qty × (discount_price, else unit_price)` rounded half
/// away from zero to the cent; then less pre-tax discounts, plus charges, less discounts.
pub fn set_total(order: &mut Value) {
    let round = |v: Decimal| v.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    let lines: Decimal = order["order_lines"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|line| {
            let qty = line.get("order_qty").and_then(decimal).unwrap_or_default();
            let price = line
                .get("discount_price")
                .and_then(decimal)
                .or_else(|| line.get("unit_price").and_then(decimal))
                .unwrap_or_default();
            round(qty * price)
        })
        .sum();
    let sum = |list: &str| -> Decimal {
        order[list]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|entry| entry.get("amount").and_then(decimal))
            .sum()
    };
    let total = lines - sum("pretax_discounts") + sum("charges") - sum("discounts");
    let number: f64 = total.normalize().to_string().parse().unwrap_or(0.0);
    order["order_total"] = json!(number);
}

fn decimal(value: &Value) -> Option<Decimal> {
    match value {
        Value::Number(number) => number.to_string().parse().ok(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// `payment_term` by id only, and one the company has.
pub fn check_payment_term(
    state: &SimState,
    fields: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let Some(term) = fields.get("payment_term").filter(|t| !t.is_null()) else {
        return Ok(Value::Null);
    };
    let id = term
        .as_object()
        .filter(|o| o.len() == 1)
        .and_then(|_| id_of(term, "id"))
        .ok_or_else(|| ApiError::bad_request("payment_term must be {\"id\": ...}"))?;
    if find(&state.payment_terms, "id", &id).is_none() {
        return Err(ApiError::bad_request(format!(
            "Payment term {id} not found"
        )));
    }
    Ok(json!({"id": id}))
}

/// A Flourish user records the order's payment status and the dollars received so far.
pub fn set_payment(
    state: &mut SimState,
    id: &str,
    status: &str,
    amount_paid: Option<f64>,
) -> Result<Value, ApiError> {
    if !PAYMENT_STATUSES.contains(&status) {
        return Err(ApiError::bad_request(format!(
            "order_payment_status must be one of {PAYMENT_STATUSES:?}"
        )));
    }
    let index = state.order_index(id)?;
    let order = &mut state.outbound_orders[index];
    order["order_payment_status"] = json!(status);
    // A paid order has received its total; one awaiting payment nothing.
    let amount = match status {
        "Paid" => amount_paid.or_else(|| order["order_total"].as_f64()),
        "Awaiting Payment" => Some(amount_paid.unwrap_or(0.0)),
        _ => amount_paid,
    };
    if let Some(amount) = amount {
        order["amount_paid"] = json!(amount);
    }
    state.order_changed(index);
    Ok(state.outbound_orders[index].clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_total_follows_lines_discounts_and_charges() {
        let mut order = json!({
            "order_lines": [
                {"order_qty": 20, "unit_price": 9, "discount_price": 8.1},
                {"order_qty": 3, "unit_price": 3.3333},
            ],
            "pretax_discounts": [{"name": "Discount", "amount": 16.2}],
            "charges": [{"name": "Shipping", "amount": 15}, {"name": "Tax", "amount": 10.5}],
            "discounts": [{"name": "Credits", "amount": 5}],
        });
        set_total(&mut order);
        // 162 + 10.00 − 16.20 + 25.50 − 5 = 176.30
        assert_eq!(order["order_total"], json!(176.3));
    }

    #[test]
    fn entries_are_name_and_amount_in_cents_only() {
        let ok = json!({"charges": [{"name": "Shipping", "amount": 15.5}]});
        assert!(check_lists(ok.as_object().unwrap()).is_ok());
        for bad in [
            json!({"charges": {"name": "Shipping", "amount": 1}}),
            json!({"charges": [{"name": "Shipping", "amount": "1"}]}),
            json!({"charges": [{"name": "Shipping", "amount": -1}]}),
            json!({"charges": [{"name": "Shipping", "amount": 1.005}]}),
            json!({"charges": [{"name": "", "amount": 1}]}),
            json!({"discounts": [{"name": "Credits", "amount": 1, "type": "percent"}]}),
        ] {
            assert!(check_lists(bad.as_object().unwrap()).is_err(), "{bad}");
        }
    }
}
