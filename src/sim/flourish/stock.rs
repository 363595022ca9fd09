//! Sellable stock as Flourish defines it: what is "not already on order, allocated, locked or
//! otherwise reserved". An outbound order takes its quantities out of sellable when it is created
//! (allocation moves them from "on order" to "allocated", still not sellable), shipping takes them
//! out of the building for good, and cancelling an order that has not shipped gives them back.

use serde_json::{Value, json};

use super::state::{SimState, id_of, number_of};

/// Whether an order in `status` holds its quantities out of sellable stock without having
/// shipped them.
fn holds(status: &str) -> bool {
    matches!(status, "Created" | "Partially Allocated" | "Allocated")
}

/// Moves sellable stock for the order at `index` going from `from` (`None`: just created) to
/// its current status, and queues one `inventory_summary` webhook per item touched.
pub fn order_moved(state: &mut SimState, index: usize, from: Option<&str>) {
    let order = &state.outbound_orders[index];
    let to = id_of(order, "order_status").unwrap_or_default();
    let sign = match (from, to.as_str()) {
        (None, to) if holds(to) => -1.0,
        (Some(from), "Cancelled") if holds(from) => 1.0,
        _ => return,
    };
    let facility = id_of(order, "facility_id").unwrap_or_default();
    let lines = order["order_lines"].as_array().cloned().unwrap_or_default();
    adjust(state, &facility, &lines, sign);
}

/// A `Created` order's lines were replaced: the old ones come back, the new ones go out.
pub fn lines_replaced(state: &mut SimState, facility: &str, old: &[Value], new: &[Value]) {
    adjust(state, facility, old, 1.0);
    adjust(state, facility, new, -1.0);
}

fn adjust(state: &mut SimState, facility: &str, lines: &[Value], sign: f64) {
    let mut touched: Vec<String> = Vec::new();
    for line in lines {
        let Some(item) = id_of(line, "item_id") else {
            continue;
        };
        let lot = id_of(line, "lot_number");
        take(
            state,
            facility,
            &item,
            lot.as_deref(),
            sign * number_of(line, "order_qty"),
        );
        if !touched.contains(&item) {
            touched.push(item);
        }
    }
    for item in touched {
        state.inventory_changed(facility, &item);
    }
}

/// Adds `delta` to the sellable quantity of one row of `item` in `facility`: the line's lot when
/// it names one, else the first row; a row is opened (at zero) when there is none, so an
/// oversold item shows negative sellable stock as Flourish does.
fn take(state: &mut SimState, facility: &str, item: &str, lot: Option<&str>, delta: f64) {
    let in_place = |row: &Value| {
        id_of(row, "facility_id").as_deref() == Some(facility)
            && id_of(row, "item_id").as_deref() == Some(item)
    };
    let row = state
        .inventory
        .iter()
        .position(|row| {
            in_place(row) && lot.is_some_and(|l| id_of(row, "lot_number").as_deref() == Some(l))
        })
        .or_else(|| state.inventory.iter().position(in_place));
    let index = match row {
        Some(index) => index,
        None => {
            let sku = state
                .item_index(item)
                .and_then(|i| id_of(&state.items[i], "sku"));
            state.inventory.push(json!({
                "facility_id": facility, "item_id": item, "sku": sku, "sellable_qty": 0.0,
                "lot_number": lot,
            }));
            state.inventory.len() - 1
        }
    };
    let row = &mut state.inventory[index];
    row["sellable_qty"] = json!(number_of(row, "sellable_qty") + delta);
    row["last_updated_timestamp"] = json!(super::state::now_stamp());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> SimState {
        let seed = json!({
            "items": [{"id": "i1", "sku": "A"}],
            "inventory": [{"facility_id": "f1", "item_id": "i1", "sku": "A", "sellable_qty": 100}],
            "outbound_orders": [{"id": "o1", "facility_id": "f1", "order_status": "Created",
                "order_lines": [{"sku": "A", "item_id": "i1", "order_qty": 10}]}],
        });
        SimState::from_seed(Some(&seed)).unwrap()
    }

    fn sellable(state: &SimState) -> f64 {
        number_of(&state.inventory[0], "sellable_qty")
    }

    #[test]
    fn an_order_holds_stock_until_cancelled_and_shipping_keeps_it_out() {
        let mut state = state();
        order_moved(&mut state, 0, None);
        assert_eq!(sellable(&state), 90.0);
        state.outbound_orders[0]["order_status"] = json!("Allocated");
        order_moved(&mut state, 0, Some("Created"));
        assert_eq!(sellable(&state), 90.0);
        state.outbound_orders[0]["order_status"] = json!("Cancelled");
        order_moved(&mut state, 0, Some("Allocated"));
        assert_eq!(sellable(&state), 100.0);

        let mut shipped = self::state();
        order_moved(&mut shipped, 0, None);
        shipped.outbound_orders[0]["order_status"] = json!("Shipped");
        order_moved(&mut shipped, 0, Some("Allocated"));
        shipped.outbound_orders[0]["order_status"] = json!("Cancelled");
        order_moved(&mut shipped, 0, Some("Shipped"));
        assert_eq!(sellable(&shipped), 90.0);
        assert_eq!(
            shipped.outgoing.len(),
            1,
            "one summary webhook, at creation"
        );
    }
}
