//! Reading verified webhook bodies: which platform object they carry, the action, the entity
//! key that orders processing, and the job kind that will handle them.

use serde_json::{Map, Value};

/// What the ingress stores about one webhook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    /// `order`, `product`, `customer`, `item`, `inventory_summary`, `retail_order`, ...
    pub kind: String,
    pub action: Option<String>,
    /// Orders processing: events with the same key run one at a time, in arrival order.
    pub entity_key: String,
    /// `None` when leafbridge does not act on this kind (recorded as ignored).
    pub job_kind: Option<String>,
}

/// Why a verified body is not a webhook we understand (400).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EnvelopeError(pub String);

fn bad(message: impl Into<String>) -> EnvelopeError {
    EnvelopeError(message.into())
}

/// Longest identifying field accepted, in bytes. Keys are indexed, and PostgreSQL refuses index
/// rows over about 2.7 kB; no platform identifier comes near this.
pub const MAX_IDENTIFIER_BYTES: usize = 255;

/// Refuses an identifying field that no platform sends and that a database would refuse or
/// mangle: control characters (NUL among them) and more than [`MAX_IDENTIFIER_BYTES`].
pub fn check_identifier(field: &str, value: &str) -> Result<(), EnvelopeError> {
    if value.len() > MAX_IDENTIFIER_BYTES {
        return Err(bad(format!(
            "{field} is {} bytes long; at most {MAX_IDENTIFIER_BYTES} are accepted",
            value.len()
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(bad(format!(
            "{field} contains a control character (such as NUL); identifiers must be printable"
        )));
    }
    Ok(())
}

/// A LeafLink order number: a UUID in its canonical hyphenated form (`8-4-4-4-12` hexadecimal
/// digits, either case), as LeafLink's API documents `number`. Nothing else is accepted, so
/// nothing in a number can act as a path separator, query or fragment.
pub fn check_order_number(number: &str) -> Result<(), EnvelopeError> {
    if is_canonical_uuid(number) {
        Ok(())
    } else {
        Err(bad(format!(
            "the order number {:?} is not a LeafLink order number (a UUID such as \
             3f2b8c1e-9d4a-4f6b-8e2d-1a2b3c4d5e6f)",
            shortened(number)
        )))
    }
}

/// True for `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` with hexadecimal `x` (any case).
fn is_canonical_uuid(text: &str) -> bool {
    text.len() == 36
        && text.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// A LeafLink id: a positive integer.
fn check_integer_id(what: &str, id: &str) -> Result<(), EnvelopeError> {
    match id.parse::<u64>() {
        Ok(n) if n > 0 => Ok(()),
        _ => Err(bad(format!(
            "the {what} id {:?} is not an integer",
            shortened(id)
        ))),
    }
}

/// At most 40 characters of `text`, for messages that quote what was refused.
fn shortened(text: &str) -> String {
    let mut short: String = text.chars().take(40).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

/// Checks the fields an envelope stores and keys on.
fn checked(envelope: Envelope) -> Result<Envelope, EnvelopeError> {
    check_identifier("the webhook type", &envelope.kind)?;
    if let Some(action) = &envelope.action {
        check_identifier("the webhook action", action)?;
    }
    check_identifier("the entity key", &envelope.entity_key)?;
    Ok(envelope)
}

fn object(body: &[u8]) -> Result<Map<String, Value>, EnvelopeError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| bad(format!("the body is not valid JSON: {e}")))?;
    if holds_nul(&value) {
        return Err(bad(
            "the body contains a NUL character (\\u0000), which cannot be stored",
        ));
    }
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(bad("the body must be a JSON object")),
    }
}

/// True when a string or key anywhere in `value` holds U+0000: no platform sends it, and
/// PostgreSQL cannot store it in text.
fn holds_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        _ => false,
    }
}

/// A field as text: strings as they are, numbers printed.
fn text(map: &Map<String, Value>, field: &str) -> Option<String> {
    match map.get(field)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// LeafLink: `{action, type, data}` with `type` in order/product/customer, or a bare object.
pub fn leaflink(body: &[u8]) -> Result<Envelope, EnvelopeError> {
    let map = object(body)?;
    let action = text(&map, "action");
    let (kind, data) = match map.get("data") {
        Some(Value::Object(data)) => {
            let kind = text(&map, "type").ok_or_else(|| bad("the envelope has no \"type\""))?;
            (kind, data.clone())
        }
        Some(_) => return Err(bad("\"data\" must be an object")),
        None => (guess_leaflink_kind(&map)?, map.clone()),
    };
    let key = match kind.as_str() {
        "order" => {
            let number = text(&data, "number").ok_or_else(|| bad("the order has no \"number\""))?;
            check_order_number(&number)?;
            number
        }
        "product" => match text(&data, "id") {
            Some(id) => {
                check_integer_id("product", &id)?;
                id
            }
            None => text(&data, "sku")
                .ok_or_else(|| bad("the product has neither \"id\" nor \"sku\""))?,
        },
        "customer" => match text(&data, "license_number") {
            Some(license) => license,
            None => {
                let id = text(&data, "id")
                    .ok_or_else(|| bad("the customer has neither \"license_number\" nor \"id\""))?;
                check_integer_id("customer", &id)?;
                format!("id:{id}")
            }
        },
        other => {
            return Err(bad(format!(
                "unknown LeafLink webhook type {other:?} (expected order, product or customer)"
            )));
        }
    };
    checked(Envelope {
        entity_key: format!("leaflink.{kind}:{key}"),
        job_kind: Some(format!("leaflink.{kind}")),
        kind,
        action,
    })
}

/// A bare LeafLink object: orders have a `number`, products a `sku`, customers a license.
fn guess_leaflink_kind(map: &Map<String, Value>) -> Result<String, EnvelopeError> {
    let kind = if map.contains_key("number") {
        "order"
    } else if map.contains_key("sku") || map.contains_key("listing_state") {
        "product"
    } else if map.contains_key("license_number") {
        "customer"
    } else {
        return Err(bad(
            "not a LeafLink envelope and not a recognisable order, product or customer",
        ));
    };
    Ok(kind.to_owned())
}

/// The entity id of a Flourish `order` webhook that carries no order `id`, only the LeafLink
/// order number in `original_order_id`: `flourish.order:number:<number>`.
pub const BY_ORDER_NUMBER: &str = "number:";

/// Flourish: `{resource_type, data}`. Retail orders and unknown types are recorded as ignored.
/// An `order` is keyed by its `id`, or by `original_order_id` when that is all it carries.
pub fn flourish(body: &[u8]) -> Result<Envelope, EnvelopeError> {
    let map = object(body)?;
    let kind =
        text(&map, "resource_type").ok_or_else(|| bad("the envelope has no \"resource_type\""))?;
    let data = match map.get("data") {
        Some(Value::Object(data)) => data,
        _ => return Err(bad("the envelope has no \"data\" object")),
    };
    let key = match kind.as_str() {
        "item" => text(data, "id").or_else(|| text(data, "sku")),
        "order" => text(data, "id").or_else(|| {
            text(data, "original_order_id").map(|number| format!("{BY_ORDER_NUMBER}{number}"))
        }),
        "inventory_summary" => {
            text(data, "sku").or_else(|| text(data, "item_id").map(|id| format!("item:{id}")))
        }
        _ => {
            let key = text(data, "id").unwrap_or_else(|| "-".to_owned());
            return checked(Envelope {
                entity_key: format!("flourish.{kind}:{key}"),
                job_kind: None,
                kind,
                action: None,
            });
        }
    };
    let key = key.ok_or_else(|| bad(format!("the {kind} has no identifying field")))?;
    checked(Envelope {
        entity_key: format!("flourish.{kind}:{key}"),
        job_kind: Some(format!("flourish.{kind}")),
        kind,
        action: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn leaflink_envelopes_are_keyed_by_their_entity() {
        let order = leaflink(
            br#"{"action":"edit","type":"order","data":{"number":"6f1c2d7e-0b5a-4a8e-9d61-2f7c0e3b9a10","status":"Submitted"}}"#,
        )
        .unwrap();
        assert_eq!(
            order.entity_key,
            "leaflink.order:6f1c2d7e-0b5a-4a8e-9d61-2f7c0e3b9a10"
        );
        assert_eq!(order.job_kind.as_deref(), Some("leaflink.order"));
        assert_eq!(order.action.as_deref(), Some("edit"));
        let product =
            leaflink(br#"{"action":"edit","type":"product","data":{"id":5150,"sku":"X"}}"#)
                .unwrap();
        assert_eq!(product.entity_key, "leaflink.product:5150");
        let customer =
            leaflink(br#"{"type":"customer","data":{"id":3,"license_number":" C10-1 "}}"#).unwrap();
        assert_eq!(customer.entity_key, "leaflink.customer:C10-1");
    }

    #[test]
    fn a_bare_leaflink_object_is_accepted() {
        let order =
            leaflink(br#"{"number":"6f1c2d7e-0b5a-4a8e-9d61-2f7c0e3b9a10","status":"Submitted","orderedproduct_set":[]}"#)
                .unwrap();
        assert_eq!(
            (order.kind.as_str(), order.entity_key.as_str()),
            (
                "order",
                "leaflink.order:6f1c2d7e-0b5a-4a8e-9d61-2f7c0e3b9a10"
            )
        );
        let product = leaflink(br#"{"id":7,"sku":"S"}"#).unwrap();
        assert_eq!(product.kind, "product");
    }

    #[test]
    fn unknown_or_incomplete_leaflink_envelopes_are_refused() {
        assert!(
            leaflink(b"not json")
                .unwrap_err()
                .0
                .contains("not valid JSON")
        );
        assert!(leaflink(b"[1]").is_err());
        assert!(
            leaflink(br#"{"type":"invoice","data":{"id":1}}"#)
                .unwrap_err()
                .0
                .contains("invoice")
        );
        assert!(
            leaflink(br#"{"type":"order","data":{"status":"x"}}"#)
                .unwrap_err()
                .0
                .contains("number")
        );
        assert!(leaflink(br#"{"hello":"world"}"#).is_err());
    }

    #[test]
    fn flourish_retail_orders_and_unknown_types_are_ignored_not_refused() {
        let retail = flourish(br#"{"resource_type":"retail_order","data":{"id":"r1"}}"#).unwrap();
        assert_eq!(retail.job_kind, None);
        let other = flourish(br#"{"resource_type":"vendor","data":{}}"#).unwrap();
        assert_eq!(other.job_kind, None);
    }

    #[test]
    fn flourish_envelopes_are_keyed_by_their_entity() {
        let item = flourish(br#"{"resource_type":"item","data":{"id":151,"sku":"OGK"}}"#).unwrap();
        assert_eq!(item.entity_key, "flourish.item:151");
        let order =
            flourish(br#"{"resource_type":"order","data":{"id":"o-9","order_status":"Shipped"}}"#)
                .unwrap();
        assert_eq!(order.job_kind.as_deref(), Some("flourish.order"));
        let inv = flourish(br#"{"resource_type":"inventory_summary","data":{"item_id":1,"sku":"OGK","sellable_qty":3}}"#).unwrap();
        assert_eq!(inv.entity_key, "flourish.inventory_summary:OGK");
        assert!(flourish(br#"{"resource_type":"item"}"#).is_err());
        let by_number = flourish(
            br#"{"resource_type":"order","data":{"original_order_id":"LL-7","order_status":"Shipped"}}"#,
        )
        .unwrap();
        assert_eq!(by_number.entity_key, "flourish.order:number:LL-7");
        assert_eq!(by_number.job_kind.as_deref(), Some("flourish.order"));
        assert!(
            flourish(br#"{"resource_type":"order","data":{"order_status":"Shipped"}}"#).is_err()
        );
        assert!(flourish(br#"{"data":{}}"#).is_err());
    }

    #[test]
    fn identifiers_are_checked_by_shape() {
        let order = |number: &str| {
            leaflink(
                json!({"type": "order", "data": {"number": number}})
                    .to_string()
                    .as_bytes(),
            )
        };
        for bad_number in [
            "../products/5150",
            "x?limit=1#",
            "a%2Fb",
            "a b",
            &"a".repeat(65),
            "n-1",
            "LL-1042",
            "6f1c2d7e0b5a4a8e9d612f7c0e3b9a10",
            "{6f1c2d7e-0b5a-4a8e-9d61-2f7c0e3b9a10}",
            "urn:uuid:6f1c2d7e-0b5a-4a8e-9d61-2f7c0e3b9a10",
            "6f1c2d7e-0b5a-4a8e-9d61-2f7c0e3b9a1g",
            "6f1c2d7e-0b5a-4a8e-9d612-f7c0e3b9a10",
            "6f1c2d7e-0b5a-4a8e-9d61-2f7c0e3b9a100",
        ] {
            let error = order(bad_number).unwrap_err().0;
            assert!(
                error.contains("not a LeafLink order number"),
                "{bad_number}: {error}"
            );
        }
        assert!(order("6f1c2d7e-0b5a-4a8e-9d61-2f7c0e3b9a10").is_ok());
        assert!(order("6F1C2D7E-0B5A-4A8E-9D61-2F7C0E3B9A10").is_ok());
        let product = |id: Value| {
            leaflink(
                json!({"type": "product", "data": {"id": id}})
                    .to_string()
                    .as_bytes(),
            )
        };
        assert!(
            product(json!("../5150"))
                .unwrap_err()
                .0
                .contains("not an integer")
        );
        assert!(product(json!(1.5)).is_err());
        assert!(product(json!(5150)).is_ok());
    }

    #[test]
    fn control_characters_and_long_keys_are_refused() {
        let nul = leaflink(br#"{"type":"product","data":{"sku":"A\u0000B"}}"#).unwrap_err();
        assert!(nul.0.contains("NUL"), "{nul}");
        let tab = flourish(br#"{"resource_type":"item","data":{"sku":"A\tB"}}"#).unwrap_err();
        assert!(tab.0.contains("control character"), "{tab}");
        let long = "S".repeat(10_000);
        let body = json!({"resource_type": "item", "data": {"sku": long}}).to_string();
        assert!(
            flourish(body.as_bytes())
                .unwrap_err()
                .0
                .contains("at most 255")
        );
        let kind = json!({"resource_type": "x".repeat(300), "data": {}}).to_string();
        assert!(flourish(kind.as_bytes()).is_err());
        let notes = br#"{"resource_type":"order","data":{"id":"o-1","notes":"a\u0000"}}"#;
        assert!(flourish(notes).unwrap_err().0.contains("NUL"));
        let fine = flourish(br#"{"resource_type":"order","data":{"id":"o-1","notes":"a\nb"}}"#);
        assert!(fine.is_ok());
    }
}
