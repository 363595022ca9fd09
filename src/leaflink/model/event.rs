//! Webhook bodies: the `{action, type, data}` envelope, the webhook's own order shape (lines under
//! `orderedproduct_set`, customer with `license_number`, reps with `email`). The ingress reads a
//! body's kind and entity key in `crate::envelope`. Webhooks are triggers: the worker re-reads over REST.

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
