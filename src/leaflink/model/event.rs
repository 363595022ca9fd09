//! Webhook bodies: the `{action, type, data}` envelope, the webhook's own order shape (lines under
//! `orderedproduct_set`, customer with `license_number`, reps with `email`) and the entity key a
//! receiver needs to dedupe and queue work. Webhooks are triggers: the worker re-reads over REST.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Decimal, Money, OrderStatus};

/// The webhook envelope. `data` carries the whole object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookEnvelope {
    /// `create`, `edit` or `delete`.
    pub action: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: Value,
}

/// The order as webhooks carry it (not the REST shape).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookOrder {
    pub number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_id: Option<String>,
    pub status: OrderStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<WebhookCustomer>,
    #[serde(default)]
    pub sales_reps: Vec<WebhookSalesRep>,
    #[serde(default)]
    pub orderedproduct_set: Vec<WebhookOrderLine>,
}

/// The customer inside a webhook order: it carries the license number.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookCustomer {
    pub id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_number: Option<String>,
}

/// A sales rep inside a webhook order: it carries the email.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookSalesRep {
    pub id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A line inside a webhook order, with the product nested.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookOrderLine {
    pub id: i64,
    pub quantity: Decimal,
    #[serde(default = "one")]
    pub unit_multiplier: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale_price: Option<Money>,
    #[serde(default)]
    pub batch: Option<i64>,
    pub product: WebhookProductRef,
}

fn one() -> i64 {
    1
}

/// The product nested in a webhook order line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookProductRef {
    pub id: i64,
    #[serde(default)]
    pub sku: String,
    #[serde(default)]
    pub name: String,
}

/// What a webhook is about, by the key leafbridge dedupes and queues on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntityKey {
    Order {
        number: String,
    },
    Product {
        id: i64,
    },
    /// A product webhook without an id; the worker looks the SKU up.
    ProductSku {
        sku: String,
    },
    Customer {
        license_number: String,
    },
}

/// A webhook reduced to what the receiver needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookEvent {
    /// `create`, `edit`, `delete`; `None` for a bare object.
    pub action: Option<String>,
    pub key: EntityKey,
}

/// Why a webhook body yields no entity key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WebhookBodyError {
    #[error("webhook body is not a JSON object: {0}")]
    NotAnObject(String),
    #[error("webhook type {0:?} is not order, product or customer")]
    UnknownType(String),
    #[error("cannot tell what the webhook body describes (no type and no telling fields)")]
    Undetermined,
    #[error("{entity} webhook lacks `{field}`")]
    Missing {
        entity: &'static str,
        field: &'static str,
    },
}

/// Reads the entity key from a raw webhook body: an envelope, or a bare object whose kind is
/// told by its fields (`number` with `orderedproduct_set`/`status` → order, `license_number` →
/// customer, `id`/`sku` → product).
pub fn webhook_event(body: &[u8]) -> Result<WebhookEvent, WebhookBodyError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| WebhookBodyError::NotAnObject(e.to_string()))?;
    let Value::Object(object) = value else {
        return Err(WebhookBodyError::NotAnObject("not an object".to_owned()));
    };
    let action = object
        .get("action")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let (kind, data) = match (object.get("type"), object.get("data")) {
        (Some(Value::String(kind)), Some(data)) => (kind.clone(), data),
        (_, Some(data)) => (guess_kind(data)?.to_owned(), data),
        _ => (
            guess_kind(&Value::Object(object.clone()))?.to_owned(),
            &Value::Null,
        ),
    };
    let data = if data.is_null() {
        &Value::Object(object.clone())
    } else {
        data
    };
    let key = entity_key(&kind, data)?;
    Ok(WebhookEvent { action, key })
}

fn guess_kind(data: &Value) -> Result<&'static str, WebhookBodyError> {
    let has = |field: &str| data.get(field).is_some_and(|v| !v.is_null());
    if has("number") && (has("orderedproduct_set") || has("status") || has("line_items")) {
        Ok("order")
    } else if has("license_number") {
        Ok("customer")
    } else if has("sku") || (has("id") && has("listing_state")) {
        Ok("product")
    } else {
        Err(WebhookBodyError::Undetermined)
    }
}

fn entity_key(kind: &str, data: &Value) -> Result<EntityKey, WebhookBodyError> {
    let text = |field: &str| {
        data.get(field)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    match kind {
        "order" => text("number")
            .map(|n| EntityKey::Order {
                number: n.to_owned(),
            })
            .ok_or(WebhookBodyError::Missing {
                entity: "order",
                field: "number",
            }),
        "product" => match (data.get("id").and_then(Value::as_i64), text("sku")) {
            (Some(id), _) => Ok(EntityKey::Product { id }),
            (None, Some(sku)) => Ok(EntityKey::ProductSku {
                sku: sku.to_owned(),
            }),
            (None, None) => Err(WebhookBodyError::Missing {
                entity: "product",
                field: "id or sku",
            }),
        },
        "customer" => text("license_number")
            .map(|l| EntityKey::Customer {
                license_number: l.to_owned(),
            })
            .ok_or(WebhookBodyError::Missing {
                entity: "customer",
                field: "license_number",
            }),
        other => Err(WebhookBodyError::UnknownType(other.to_owned())),
    }
}
