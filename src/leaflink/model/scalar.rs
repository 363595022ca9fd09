//! Scalars LeafLink spells loosely: decimals that arrive as strings or numbers, money objects,
//! and ids that the published schema types as strings.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

/// A decimal kept as LeafLink's string form (`"24.0000"`); numbers are accepted and kept as text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decimal(pub String);

impl Decimal {
    /// A decimal written with four places, the way LeafLink writes quantities.
    pub fn from_f64(value: f64) -> Self {
        Self(format!("{value:.4}"))
    }

    /// The value as a float; `None` when the text is not a number.
    pub fn as_f64(&self) -> Option<f64> {
        self.0.trim().parse().ok()
    }
}

impl From<&str> for Decimal {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl std::fmt::Display for Decimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(text) => Ok(Self(text)),
            serde_json::Value::Number(number) => Ok(Self(number.to_string())),
            other => Err(de::Error::custom(format!(
                "expected a decimal, got {other}"
            ))),
        }
    }
}

/// `{"amount": "90.00", "currency": "USD"}`; the amount may arrive as a number.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Money {
    pub amount: Decimal,
    #[serde(default = "usd")]
    pub currency: String,
}

impl Money {
    /// US dollars from a decimal string such as `"90.00"`.
    pub fn usd(amount: &str) -> Self {
        Self {
            amount: Decimal::from(amount),
            currency: usd(),
        }
    }
}

fn usd() -> String {
    "USD".to_owned()
}

/// Deserialises an integer id that may arrive as a string (line items type `product` as string).
pub fn id_from_string_or_number<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<i64, D::Error> {
    match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Number(number) => number
            .as_i64()
            .ok_or_else(|| de::Error::custom("id is not an integer")),
        serde_json::Value::String(text) => text
            .trim()
            .parse()
            .map_err(|_| de::Error::custom(format!("id {text:?} is not an integer"))),
        other => Err(de::Error::custom(format!("expected an id, got {other}"))),
    }
}

/// Serialises an id as a string, the type LeafLink's schema gives line-item products.
pub fn id_as_string<S: Serializer>(id: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_amount_parses_from_string_and_number() {
        let text: Money =
            serde_json::from_str(r#"{"amount": "90.50", "currency": "USD"}"#).unwrap();
        let number: Money = serde_json::from_str(r#"{"amount": 90.5, "currency": "USD"}"#).unwrap();
        assert_eq!(text.amount.as_f64(), Some(90.5));
        assert_eq!(number.amount.as_f64(), Some(90.5));
        assert_eq!(serde_json::to_value(&number).unwrap()["amount"], "90.5");
    }

    #[test]
    fn decimal_refuses_booleans_and_formats_four_places() {
        assert!(serde_json::from_str::<Decimal>("true").is_err());
        assert_eq!(Decimal::from_f64(24.0).0, "24.0000");
    }
}
