//! The simulated company's records, kept as the platform's own JSON objects (so a seed section
//! round-trips through `dump`), plus the lookups and webhook bodies every handler shares.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::ApiError;

/// The `flourish` section of a seed file; also the simulator's whole state.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct SimState {
    #[serde(default)]
    pub facilities: Vec<Value>,
    #[serde(default)]
    pub sales_reps: Vec<Value>,
    #[serde(default)]
    pub items: Vec<Value>,
    #[serde(default)]
    pub destinations: Vec<Value>,
    #[serde(default)]
    pub brands: Vec<Value>,
    #[serde(default)]
    pub strains: Vec<Value>,
    #[serde(default)]
    pub inventory: Vec<Value>,
    #[serde(default)]
    pub outbound_orders: Vec<Value>,
    /// `{id, name}` (see `GET /order-payment-terms`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payment_terms: Vec<Value>,
    /// Webhook bodies produced by the last change, emitted once the state lock is released.
    #[serde(skip)]
    pub outgoing: Vec<Value>,
    #[serde(skip)]
    next_id: u64,
    /// A delivery quirk seen from Flourish: the outbound-order webhook carries only
    /// `original_order_id` and `order_status`, no order id.
    #[serde(skip)]
    pub sparse_order_webhooks: bool,
}

impl SimState {
    /// Loads a seed section; a whole seed file (`{"flourish": {...}}`) is accepted too.
    pub fn from_seed(seed: Option<&Value>) -> anyhow::Result<Self> {
        let Some(seed) = seed else {
            return Ok(Self::default());
        };
        let section = seed.get("flourish").unwrap_or(seed);
        let mut state: Self = serde_json::from_value(section.clone())?;
        state.next_id = 1000;
        Ok(state)
    }

    /// A fresh id no record of any kind uses yet.
    pub fn new_id(&mut self) -> String {
        loop {
            self.next_id = self.next_id.max(1000) + 1;
            let id = self.next_id.to_string();
            let lists = [
                (&self.items, "id"),
                (&self.destinations, "id"),
                (&self.outbound_orders, "id"),
                (&self.sales_reps, "sales_rep_id"),
            ];
            let taken = lists
                .iter()
                .any(|(list, field)| position(list, field, &id).is_some());
            if !taken {
                return id;
            }
        }
    }

    pub fn facility(&self, id: &str) -> Option<&Value> {
        find(&self.facilities, "id", id)
    }

    /// The item with this id, or else with this SKU.
    pub fn item_index(&self, id_or_sku: &str) -> Option<usize> {
        position(&self.items, "id", id_or_sku).or_else(|| position(&self.items, "sku", id_or_sku))
    }

    pub fn order_index(&self, id: &str) -> Result<usize, ApiError> {
        position(&self.outbound_orders, "id", id)
            .ok_or_else(|| ApiError::not_found(format!("Outbound order {id} not found")))
    }

    /// Queues the `order` webhook for the order at `index`.
    pub fn order_changed(&mut self, index: usize) {
        let order = &mut self.outbound_orders[index];
        order["last_updated_timestamp"] = json!(now_stamp());
        let data = if self.sparse_order_webhooks {
            json!({
                "original_order_id": order.get("original_order_id").cloned().unwrap_or(Value::Null),
                "order_status": order.get("order_status").cloned().unwrap_or(Value::Null),
            })
        } else {
            order.clone()
        };
        let body = json!({"resource_type": "order", "data": data});
        self.outgoing.push(body);
    }

    /// Queues the `item` webhook for the item at `index`.
    pub fn item_changed(&mut self, index: usize) {
        let item = &mut self.items[index];
        item["last_updated_timestamp"] = json!(now_stamp());
        let body = json!({"resource_type": "item", "data": item.clone()});
        self.outgoing.push(body);
    }

    /// Queues the `inventory_summary` webhook: the item's sellable total in one facility.
    pub fn inventory_changed(&mut self, facility_id: &str, item_id: &str) {
        let rows = self.inventory.iter().filter(|row| {
            id_of(row, "facility_id").as_deref() == Some(facility_id)
                && id_of(row, "item_id").as_deref() == Some(item_id)
        });
        let sellable_qty: f64 = rows.map(|row| number_of(row, "sellable_qty")).sum();
        let sku = self
            .item_index(item_id)
            .and_then(|i| id_of(&self.items[i], "sku"));
        let data = json!({
            "item_id": item_id, "sku": sku, "sellable_qty": sellable_qty, "facility_id": facility_id,
        });
        self.outgoing
            .push(json!({"resource_type": "inventory_summary", "data": data}));
    }
}

/// A field that is an id, as a string (numbers accepted, as the platform's examples use them).
pub fn id_of(value: &Value, field: &str) -> Option<String> {
    match value.get(field)? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// A numeric field given as a number or a numeric string; 0 when absent.
pub fn number_of(value: &Value, field: &str) -> f64 {
    match value.get(field) {
        Some(Value::Number(number)) => number.as_f64().unwrap_or(0.0),
        Some(Value::String(text)) => text.trim().parse().unwrap_or(0.0),
        _ => 0.0,
    }
}

pub fn position(list: &[Value], field: &str, id: &str) -> Option<usize> {
    list.iter()
        .position(|v| id_of(v, field).as_deref() == Some(id))
}

pub fn find<'a>(list: &'a [Value], field: &str, id: &str) -> Option<&'a Value> {
    position(list, field, id).map(|i| &list[i])
}

/// Now in the platform's datetime format: ISO-8601 UTC with milliseconds.
pub fn now_stamp() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// True when the record changed at or after `start` (records never stamped are older).
pub fn updated_since(record: &Value, start: &DateTime<Utc>) -> bool {
    record
        .get("last_updated_timestamp")
        .and_then(Value::as_str)
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .is_some_and(|stamp| stamp >= *start)
}

/// Parses a `last_updated_timestamp_start` filter value.
pub fn parse_start(text: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| ApiError::bad_request(format!("Invalid last_updated_timestamp_start: {text}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sparse_quirk_sends_only_the_original_order_id_and_status() {
        let seed = json!({"outbound_orders": [{"id": "o1", "original_order_id": "n-1",
            "order_status": "Shipped", "facility_id": "f1", "order_lines": []}]});
        let mut state = SimState::from_seed(Some(&seed)).unwrap();
        state.order_changed(0);
        assert_eq!(state.outgoing[0]["data"]["id"], json!("o1"));
        state.sparse_order_webhooks = true;
        state.order_changed(0);
        assert_eq!(
            state.outgoing[1],
            json!({"resource_type": "order",
                   "data": {"original_order_id": "n-1", "order_status": "Shipped"}})
        );
    }
}
