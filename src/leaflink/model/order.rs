//! Orders received (the seller's side of an order) and their line items.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Deserializer, Serialize};

use super::{
    Decimal, ExternalIds, Money, OrderMoneyFields, id_as_string, id_from_string_or_number,
};

/// An order's status, as LeafLink spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrderStatus {
    Draft,
    Submitted,
    Accepted,
    Backorder,
    Fulfilled,
    Shipped,
    Complete,
    Rejected,
    Combined,
    Cancelled,
    /// A value this version does not know: read, never written.
    #[serde(other)]
    Other,
}

impl OrderStatus {
    /// The name used in JSON and query strings.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::Submitted => "Submitted",
            Self::Accepted => "Accepted",
            Self::Backorder => "Backorder",
            Self::Fulfilled => "Fulfilled",
            Self::Shipped => "Shipped",
            Self::Complete => "Complete",
            Self::Rejected => "Rejected",
            Self::Combined => "Combined",
            Self::Cancelled => "Cancelled",
            Self::Other => "Other",
        }
    }
}

/// The actions of `POST /orders-received/{number}/transition/{action}/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderAction {
    Submit,
    Accept,
    Fulfill,
    Cancel,
    Reject,
    Ship,
    Complete,
}

impl OrderAction {
    /// Every action, in the order LeafLink lists them.
    pub const ALL: [Self; 7] = [
        Self::Submit,
        Self::Accept,
        Self::Fulfill,
        Self::Cancel,
        Self::Reject,
        Self::Ship,
        Self::Complete,
    ];

    /// The path segment.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::Accept => "accept",
            Self::Fulfill => "fulfill",
            Self::Cancel => "cancel",
            Self::Reject => "reject",
            Self::Ship => "ship",
            Self::Complete => "complete",
        }
    }

    /// Parses a path segment.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.as_str() == text)
    }
}

/// The customer on an order: `{id, display_name}` plainly, the whole customer record with
/// `include_children=customer` (only then is `license_number` present).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderCustomer {
    pub id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managers: Option<Vec<i64>>,
    /// The rest of the whole record (`include_children=customer`), which an order job plans
    /// from instead of reading the customer again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zipcode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Required by LeafLink's schema for the short customer form.
    #[serde(default)]
    pub delinquent: bool,
}

/// A sales rep on an order: a company-staff id and a display name (no email over REST).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderSalesRep {
    pub id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

/// `GET /orders-received/{number}/`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderReceived {
    /// UUID: the primary key.
    pub number: String,
    #[serde(default)]
    pub short_id: String,
    pub status: OrderStatus,
    pub customer: OrderCustomer,
    #[serde(default)]
    pub sales_reps: Vec<OrderSalesRep>,
    pub created_on: DateTime<FixedOffset>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub ship_date: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub external_ids: ExternalIds,
    /// The lower-case *states* the order can move to (an Accepted order: `["fulfilled",
    /// "rejected"]`), not action names. LeafLink's schema types this as a string while its own
    /// example (and the API) answers a list; both are accepted.
    #[serde(
        default,
        deserialize_with = "transitions",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub available_transitions: Vec<String>,
    /// Present only with `include_children=line_items`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_items: Option<Vec<LineItem>>,
    /// Whether the order was made by combining others (which are then `Combined`). LeafLink's
    /// schema types it as a string while its examples answer `false`; both are read.
    #[serde(default, deserialize_with = "flag")]
    pub is_combination: bool,
    /// Discount, tax, shipping, credits, total, payment term and balance.
    #[serde(flatten)]
    pub money: OrderMoneyFields,
}

/// One line of an order. `quantity` counts individual units; `bulk_units` counts cases.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LineItem {
    pub id: i64,
    #[serde(default)]
    pub order: Option<String>,
    /// The product id. LeafLink's schema types it as a string, so it is written as one and read
    /// from either form.
    #[serde(
        deserialize_with = "id_from_string_or_number",
        serialize_with = "id_as_string"
    )]
    pub product: i64,
    pub quantity: Decimal,
    #[serde(default = "one")]
    pub unit_multiplier: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulk_units: Option<i64>,
    pub ordered_unit_price: Money,
    pub sale_price: Money,
    /// Whether the buyer was charged `sale_price` rather than `ordered_unit_price`.
    #[serde(default)]
    pub on_sale: bool,
    #[serde(default)]
    pub batch: Option<i64>,
    #[serde(default)]
    pub is_sample: bool,
}

fn one() -> i64 {
    1
}

/// `PATCH /orders-received/{number}/`: only the fields set are sent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_ids: Option<ExternalIds>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// A boolean LeafLink may write as `true`/`false` or as a string (`"true"`, `"True"`, `"1"`).
fn flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    Ok(
        match Option::<serde_json::Value>::deserialize(deserializer)? {
            Some(serde_json::Value::Bool(value)) => value,
            Some(serde_json::Value::String(text)) => {
                matches!(text.trim().to_lowercase().as_str(), "true" | "1" | "yes")
            }
            _ => false,
        },
    )
}

fn transitions<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Ok(
        match Option::<serde_json::Value>::deserialize(deserializer)? {
            Some(serde_json::Value::Array(items)) => items
                .into_iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            Some(serde_json::Value::String(text)) => text
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        },
    )
}
