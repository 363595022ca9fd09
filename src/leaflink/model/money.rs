//! The money fields of an order received, shaped as LeafLink's OpenAPI document shapes them:
//! `discount` and `tax_amount` as decimal numbers with a `%`/`$` type, `shipping_charge` and
//! `total` as money objects, `final_tax`, `credits` and `payment_balance` as decimal strings.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Decimal, Money};

/// The money of an order received. Every field is optional: an order without them reads as one
/// with no discount, tax, shipping or credits.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderMoneyFields {
    /// Discount value: dollars or percent, after `discount_type`.
    #[serde(
        default,
        deserialize_with = "opt_decimal",
        serialize_with = "opt_decimal_as_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub discount: Option<Decimal>,
    /// `%` or `$` (`percent` / `amount` are read too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_type: Option<String>,
    /// Tax rate (with `tax_type` `%`) or dollars (with `$`).
    #[serde(
        default,
        deserialize_with = "opt_decimal",
        serialize_with = "opt_decimal_as_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub tax_amount: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_type: Option<String>,
    /// The order's tax in dollars, as LeafLink totals it.
    #[serde(
        default,
        deserialize_with = "opt_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub final_tax: Option<Decimal>,
    /// The taxes applied to the order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub order_taxes: Vec<OrderTaxLine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_charge: Option<Money>,
    /// Dollars of credits applied to the order.
    #[serde(
        default,
        deserialize_with = "opt_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub credits: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<Money>,
    /// The payment term's name (`Net 30`); deprecated by LeafLink in favour of
    /// `selected_payment_option`, which is read when this is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_term: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_payment_option: Option<PaymentOption>,
    #[serde(default)]
    pub paid: bool,
    /// The outstanding balance.
    #[serde(
        default,
        deserialize_with = "opt_decimal",
        skip_serializing_if = "Option::is_none"
    )]
    pub payment_balance: Option<Decimal>,
}

impl OrderMoneyFields {
    /// The payment term's name, from either field.
    pub fn payment_term_name(&self) -> Option<&str> {
        let deprecated = self.payment_term.as_deref().map(str::trim);
        let selected = self
            .selected_payment_option
            .as_ref()
            .and_then(|o| o.payment_term.as_ref())
            .map(|t| t.term.trim());
        deprecated
            .filter(|t| !t.is_empty())
            .or(selected.filter(|t| !t.is_empty()))
    }
}

/// One entry of `order_taxes`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderTaxLine {
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(default)]
    pub name: Option<String>,
    /// Percent, as a decimal string.
    #[serde(default, deserialize_with = "opt_decimal")]
    pub rate: Option<Decimal>,
}

/// `selected_payment_option`: only its term is read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaymentOption {
    #[serde(default)]
    pub payment_term: Option<PaymentTerm>,
}

/// A payment term, `{"id": 3, "term": "Net 15", "days": 15, "code": "net15"}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaymentTerm {
    #[serde(default)]
    pub id: Option<i64>,
    pub term: String,
    #[serde(default)]
    pub days: Option<i64>,
}

/// `POST /order-payments/`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewOrderPayment {
    /// The order number.
    pub order: String,
    /// A company-staff id.
    pub recorded_by: i64,
    pub total: Money,
    pub payment_date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_type: Option<String>,
}

/// A payment as LeafLink answers it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderPayment {
    pub id: i64,
    pub order: String,
    #[serde(default)]
    pub recorded_by: Option<i64>,
    pub total: Money,
    #[serde(default)]
    pub payment_date: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub payment_type: Option<String>,
    #[serde(default)]
    pub created_on: Option<String>,
}

fn opt_decimal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Decimal>, D::Error> {
    match Option::<serde_json::Value>::deserialize(deserializer)? {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(text)) if text.trim().is_empty() => Ok(None),
        Some(serde_json::Value::String(text)) => Ok(Some(Decimal(text))),
        Some(serde_json::Value::Number(number)) => Ok(Some(Decimal(number.to_string()))),
        Some(other) => Err(serde::de::Error::custom(format!(
            "expected a decimal, got {other}"
        ))),
    }
}

/// LeafLink's document types `discount` and `tax_amount` as numbers: written as one.
fn opt_decimal_as_number<S: Serializer>(
    value: &Option<Decimal>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value.as_ref().and_then(Decimal::as_f64) {
        Some(number) => serializer.serialize_f64(number),
        None => serializer.serialize_none(),
    }
}
