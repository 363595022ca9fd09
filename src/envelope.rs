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

fn object(body: &[u8]) -> Result<Map<String, Value>, EnvelopeError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| bad(format!("the body is not valid JSON: {e}")))?;
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(bad("the body must be a JSON object")),
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
        "order" => text(&data, "number").ok_or_else(|| bad("the order has no \"number\""))?,
        "product" => text(&data, "id")
            .or_else(|| text(&data, "sku"))
            .ok_or_else(|| bad("the product has neither \"id\" nor \"sku\""))?,
        "customer" => text(&data, "license_number")
            .or_else(|| text(&data, "id").map(|id| format!("id:{id}")))
            .ok_or_else(|| bad("the customer has neither \"license_number\" nor \"id\""))?,
        other => {
            return Err(bad(format!(
                "unknown LeafLink webhook type {other:?} (expected order, product or customer)"
            )));
        }
    };
    Ok(Envelope {
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
            return Ok(Envelope {
                entity_key: format!("flourish.{kind}:{key}"),
                job_kind: None,
                kind,
                action: None,
            });
        }
    };
    let key = key.ok_or_else(|| bad(format!("the {kind} has no identifying field")))?;
    Ok(Envelope {
        entity_key: format!("flourish.{kind}:{key}"),
        job_kind: Some(format!("flourish.{kind}")),
        kind,
        action: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaflink_envelopes_are_keyed_by_their_entity() {
        let order = leaflink(
            br#"{"action":"edit","type":"order","data":{"number":"abc","status":"Submitted"}}"#,
        )
        .unwrap();
        assert_eq!(order.entity_key, "leaflink.order:abc");
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
            leaflink(br#"{"number":"n-1","status":"Submitted","orderedproduct_set":[]}"#).unwrap();
        assert_eq!(
            (order.kind.as_str(), order.entity_key.as_str()),
            ("order", "leaflink.order:n-1")
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
}
