//! Flourish External API v1 objects with the contract's exact JSON names. Decoding is tolerant
//! (ids and amounts as strings or numbers, unknown fields ignored, optional fields optional);
//! request bodies carry only what leafbridge means to send.

use serde::{Deserialize, Serialize};

use super::de;

/// A list answer: `{"data": [...], "meta": {...}}`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Page<T> {
    #[serde(
        deserialize_with = "de::list",
        bound(deserialize = "T: Deserialize<'de>")
    )]
    pub data: Vec<T>,
    #[serde(default)]
    pub meta: Meta,
}

/// Pagination metadata; `next` is the absolute URL of the next page or `null` on the last one,
/// and some lists leave it out altogether.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Meta {
    #[serde(default, deserialize_with = "de::opt_count")]
    pub total: Option<u64>,
    #[serde(default, deserialize_with = "de::opt_count")]
    pub offset: Option<u64>,
    #[serde(default, deserialize_with = "de::opt_count")]
    pub limit: Option<u64>,
    /// `None` when the list does not say; `Some(None)` when it says there is no next page.
    #[serde(
        default,
        deserialize_with = "de::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub next: Option<Option<String>>,
}

/// A single-object answer: `{"data": {...}}`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct Single<T> {
    pub data: T,
}

/// An item (read-only through the API).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Item {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(default, deserialize_with = "de::text")]
    pub item_name: String,
    #[serde(default)]
    pub item_description: Option<String>,
    #[serde(default, deserialize_with = "de::text")]
    pub sku: String,
    /// The brand's name, not its id.
    #[serde(default)]
    pub brand: Option<String>,
    /// The "E-commerce Active" toggle: only these items are pushed to LeafLink.
    #[serde(default, deserialize_with = "de::flag")]
    pub ecommerce_active: bool,
    #[serde(default)]
    pub uom: Option<String>,
    #[serde(default, deserialize_with = "de::opt_number")]
    pub price: Option<f64>,
    #[serde(default)]
    pub item_category: Option<String>,
    #[serde(default)]
    pub strain_name: Option<String>,
    /// The compliance "Requires Strain" flag.
    #[serde(default, deserialize_with = "de::flag")]
    pub strain_required: bool,
    #[serde(default)]
    pub product_line: Option<String>,
    #[serde(default)]
    pub custom_category: Option<String>,
    #[serde(default)]
    pub last_updated_timestamp: Option<String>,
}

/// A string enum that keeps values it does not know, so one new status never breaks a list.
macro_rules! open_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
        #[serde(from = "String", into = "String")]
        pub enum $name {
            $($variant,)+
            /// A value this version does not know, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// The platform's spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)+
                    Self::Unknown(text) => text,
                }
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> Self {
                $(if text.eq_ignore_ascii_case($text) { return Self::$variant; })+
                Self::Unknown(text)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.as_str().to_owned()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

open_enum!(
    /// The status of an outbound order. Only `Created` orders may be changed through the API.
    OrderStatus {
        Created => "Created",
        PartiallyAllocated => "Partially Allocated",
        Allocated => "Allocated",
        Shipped => "Shipped",
        Completed => "Completed",
        Cancelled => "Cancelled",
    }
);

open_enum!(
    /// The kind of business a destination is.
    DestinationType {
        Dispensary => "Dispensary",
        Distributor => "Distributor",
        Processor => "Processor",
        Grower => "Grower",
        Manufacturer => "Manufacturer",
        Laboratory => "Laboratory",
        Microbusiness => "Microbusiness",
        Other => "Other",
    }
);

/// A reference by id only. Orders name their destination and sales rep this way: any other field
/// would make Flourish search (and silently create) a record, which leafbridge never wants.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct IdRef {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
}

impl IdRef {
    pub fn new(id: impl Into<String>) -> Self {
        Self { id: id.into() }
    }
}

/// One order line; `order_qty` is in eaches and `unit_price` is per each.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct OrderLine {
    #[serde(deserialize_with = "de::text")]
    pub sku: String,
    #[serde(deserialize_with = "de::number")]
    pub order_qty: f64,
    #[serde(default, deserialize_with = "de::opt_number")]
    pub unit_price: Option<f64>,
    /// Left out when there is none: Flourish takes a number or nothing.
    #[serde(
        default,
        deserialize_with = "de::opt_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub discount_price: Option<f64>,
    /// The only lot that may be allocated to this line (LeafLink's batch number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot_number: Option<String>,
}

/// One entry of an order's `pretax_discounts`, `charges` or `discounts`.
///
/// **Decision:** Flourish names the three lists but not their entries; leafbridge writes
/// `{"name", "amount"}` with `amount` in dollars, never negative (see
/// `crate::matcher::order::money` for the names and how the total follows from them).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct MoneyEntry {
    #[serde(default, deserialize_with = "de::text")]
    pub name: String,
    #[serde(deserialize_with = "de::number")]
    pub amount: f64,
}

/// An order's money beyond its lines; all three lists are always written, so an update can clear
/// them.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct OrderAdjustments {
    #[serde(default, deserialize_with = "de::list")]
    pub pretax_discounts: Vec<MoneyEntry>,
    #[serde(default, deserialize_with = "de::list")]
    pub charges: Vec<MoneyEntry>,
    #[serde(default, deserialize_with = "de::list")]
    pub discounts: Vec<MoneyEntry>,
}

/// A note on an order.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct Note {
    #[serde(default, deserialize_with = "de::text")]
    pub subject: String,
    #[serde(default, deserialize_with = "de::text")]
    pub note: String,
    #[serde(default, deserialize_with = "de::flag")]
    pub internal_only: bool,
}

/// The body of `POST /outbound-orders`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct NewOutboundOrder {
    /// Our external reference: the LeafLink order number.
    pub original_order_id: String,
    /// ISO-8601 UTC with milliseconds.
    pub order_timestamp: String,
    pub destination: IdRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sales_rep: Option<IdRef>,
    pub order_lines: Vec<OrderLine>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    /// Discounts and charges.
    #[serde(flatten)]
    pub adjustments: OrderAdjustments,
    /// **Decision:** the payment term, by id, from `GET /order-payment-terms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_term: Option<IdRef>,
}

/// The body of `PUT /outbound-orders/{id}`. It has no destination or sales rep on purpose:
/// Flourish refuses to change them once an order exists.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct OutboundOrderUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_order_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_timestamp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_lines: Option<Vec<OrderLine>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<Vec<Note>>,
    /// Discounts and charges; all three lists are replaced when set.
    #[serde(flatten)]
    pub adjustments: Option<OrderAdjustments>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_term: Option<IdRef>,
}

/// An outbound (B2B) order as Flourish returns it.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct OutboundOrder {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(default, deserialize_with = "de::opt_id")]
    pub original_order_id: Option<String>,
    pub order_status: OrderStatus,
    #[serde(default)]
    pub order_timestamp: Option<String>,
    /// The facility fulfilling the order, when the platform says.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub facility_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_ref")]
    pub destination: Option<IdRef>,
    #[serde(default, deserialize_with = "de::opt_ref")]
    pub sales_rep: Option<IdRef>,
    #[serde(default, deserialize_with = "de::list")]
    pub order_lines: Vec<OrderLine>,
    #[serde(default, deserialize_with = "de::list")]
    pub notes: Vec<Note>,
    #[serde(flatten)]
    pub adjustments: OrderAdjustments,
    /// **Decision:** the total Flourish computes (see [`MoneyEntry`]).
    #[serde(default, deserialize_with = "de::opt_number")]
    pub order_total: Option<f64>,
    /// `Awaiting Payment`, `Paid`, `Partially Paid`, `Partially Refunded` or `Refunded`.
    #[serde(default)]
    pub order_payment_status: Option<String>,
    /// **Decision:** dollars received on the order so far.
    #[serde(default, deserialize_with = "de::opt_number")]
    pub amount_paid: Option<f64>,
    #[serde(default, deserialize_with = "de::opt_ref")]
    pub payment_term: Option<IdRef>,
    #[serde(default)]
    pub last_updated_timestamp: Option<String>,
}

/// A payment term (`GET /order-payment-terms`). **Decision:** `{id, name}`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct PaymentTerm {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(default, deserialize_with = "de::text")]
    pub name: String,
}

/// A destination (a LeafLink customer, matched by license number).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Destination {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(flatten)]
    pub fields: DestinationFields,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated_timestamp: Option<String>,
}

/// A destination's editable fields: the body of `POST /destinations` and `PUT /destinations/{id}`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct DestinationFields {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<DestinationType>,
    #[serde(default, deserialize_with = "de::text")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    #[serde(default, deserialize_with = "de::text")]
    pub license_number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_phone_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line_1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line_2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Two letters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip_code: Option<String>,
    /// The full name, e.g. `United States`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// A sales rep of one facility (the same person selling for two facilities is two reps).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct SalesRep {
    #[serde(deserialize_with = "de::id")]
    pub sales_rep_id: String,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// The rep's default facility: orders credited to the rep are routed there.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub facility_id: Option<String>,
}

/// A facility (orders and inventory are scoped to one).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Facility {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(default, deserialize_with = "de::text")]
    pub facility_name: String,
    #[serde(default)]
    pub facility_type: Option<String>,
    #[serde(default, deserialize_with = "de::flag")]
    pub sales_rep_required_for_outbound: bool,
}

/// A brand.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct Brand {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(default, deserialize_with = "de::text")]
    pub brand_name: String,
}

/// A strain.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct Strain {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(default, deserialize_with = "de::text")]
    pub strain_name: String,
}

/// One row of `GET /inventory/summary` (per item, or per lot with `group_by=lot_number`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct InventoryRow {
    #[serde(deserialize_with = "de::id")]
    pub item_id: String,
    #[serde(default, deserialize_with = "de::text")]
    pub sku: String,
    #[serde(default, deserialize_with = "de::number")]
    pub sellable_qty: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot_number: Option<String>,
}
