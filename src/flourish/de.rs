//! Tolerant field decoders for Flourish JSON: the platform (and its documentation examples) sends
//! ids and amounts sometimes as numbers and sometimes as strings, and optional fields as `null`.

use serde::Deserialize;
use serde::de::{Deserializer, Error};
use serde_json::Value;

use super::model::IdRef;

/// An id given as a string or a number, normalised to a string.
pub fn id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    opt_id(deserializer)?.ok_or_else(|| D::Error::custom("id is null"))
}

/// An optional id given as a string, a number or `null`.
pub fn opt_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::String(text) => Ok(Some(text)),
        Value::Number(number) => Ok(Some(number.to_string())),
        other => Err(D::Error::custom(format!("expected an id, got {other}"))),
    }
}

/// A reference in an answer (`destination`, `sales_rep`): `{"id": ..}` (or `sales_rep_id`), a
/// bare id, or `null`. Anything without an id reads as absent rather than failing the record.
pub fn opt_ref<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<IdRef>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    let id = match &value {
        Value::Object(object) => ["id", "sales_rep_id", "destination_id"]
            .iter()
            .find_map(|name| object.get(*name).and_then(id_text)),
        other => id_text(other),
    };
    Ok(id.map(IdRef::new))
}

fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// A string field that may be `null` or missing (then empty).
pub fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(opt_id(deserializer)?.unwrap_or_default())
}

/// A number given as a number or a numeric string.
pub fn number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    opt_number(deserializer)?.ok_or_else(|| D::Error::custom("number is null"))
}

/// An optional number given as a number, a numeric string, an empty string or `null`.
pub fn opt_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::Number(number) => Ok(number.as_f64()),
        Value::String(text) if text.trim().is_empty() => Ok(None),
        Value::String(text) => text
            .trim()
            .parse::<f64>()
            .map(Some)
            .map_err(|_| D::Error::custom(format!("expected a number, got {text:?}"))),
        other => Err(D::Error::custom(format!("expected a number, got {other}"))),
    }
}

/// An optional count (non-negative integer) given as a number, a numeric string or `null`.
pub fn opt_count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    match opt_number(deserializer)? {
        None => Ok(None),
        Some(n) if n >= 0.0 && n.fract() == 0.0 => Ok(Some(n as u64)),
        Some(n) => Err(D::Error::custom(format!("expected a count, got {n}"))),
    }
}

/// A flag given as a bool, `"true"`/`"false"`, `0`/`1` or `null` (false).
pub fn flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(false),
        Value::Bool(flag) => Ok(flag),
        Value::Number(number) => Ok(number.as_f64().is_some_and(|n| n != 0.0)),
        Value::String(text) => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(true),
            "false" | "0" | "no" | "" => Ok(false),
            _ => Err(D::Error::custom(format!("expected a flag, got {text:?}"))),
        },
        other => Err(D::Error::custom(format!("expected a flag, got {other}"))),
    }
}

/// A field that may be absent (`None`, with `#[serde(default)]`) or present, even as `null`
/// (`Some(..)` of the inner value): tells "not said" from "said there is none".
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// A list that may be `null` (then empty).
pub fn list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Probe {
        #[serde(deserialize_with = "super::id")]
        id: String,
        #[serde(default, deserialize_with = "super::opt_number")]
        price: Option<f64>,
        #[serde(default, deserialize_with = "super::flag")]
        active: bool,
    }

    fn probe(json: &str) -> Probe {
        serde_json::from_str(json).expect("decodes")
    }

    #[test]
    fn numeric_ids_become_strings() {
        assert_eq!(probe(r#"{"id": 151}"#).id, "151");
        assert_eq!(probe(r#"{"id": "04bb2a7c"}"#).id, "04bb2a7c");
    }

    #[test]
    fn amounts_may_be_strings_numbers_or_absent() {
        assert_eq!(probe(r#"{"id": 1, "price": "9.50"}"#).price, Some(9.5));
        assert_eq!(probe(r#"{"id": 1, "price": 9}"#).price, Some(9.0));
        assert_eq!(probe(r#"{"id": 1, "price": null}"#).price, None);
        assert_eq!(probe(r#"{"id": 1}"#).price, None);
        assert!(serde_json::from_str::<Probe>(r#"{"id": 1, "price": "nine"}"#).is_err());
    }

    #[test]
    fn flags_accept_common_spellings() {
        assert!(probe(r#"{"id": 1, "active": "true"}"#).active);
        assert!(probe(r#"{"id": 1, "active": 1}"#).active);
        assert!(!probe(r#"{"id": 1, "active": null}"#).active);
    }
}
