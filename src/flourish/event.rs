//! The Flourish webhook envelope `{resource_type, data}` and the entity key of a verified body.
//! Webhooks are only triggers: the key says which record to re-read, nothing more is trusted.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a webhook is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(from = "String", into = "String")]
pub enum ResourceType {
    Item,
    /// An outbound order.
    Order,
    InventorySummary,
    /// Retail orders are ignored by leafbridge.
    RetailOrder,
    /// Anything else, kept verbatim.
    Unknown(String),
}

impl ResourceType {
    /// The platform's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Item => "item",
            Self::Order => "order",
            Self::InventorySummary => "inventory_summary",
            Self::RetailOrder => "retail_order",
            Self::Unknown(text) => text,
        }
    }
}

impl From<String> for ResourceType {
    fn from(text: String) -> Self {
        match text.as_str() {
            "item" => Self::Item,
            "order" => Self::Order,
            "inventory_summary" => Self::InventorySummary,
            "retail_order" => Self::RetailOrder,
            _ => Self::Unknown(text),
        }
    }
}

impl From<ResourceType> for String {
    fn from(value: ResourceType) -> String {
        value.as_str().to_owned()
    }
}

impl std::fmt::Display for ResourceType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A webhook body.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct WebhookEnvelope {
    pub resource_type: ResourceType,
    #[serde(default)]
    pub data: Value,
}

/// The record a webhook points at.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum EntityKey {
    /// An item by its Flourish id.
    ItemId(String),
    /// An item whose webhook carried no id, by SKU.
    ItemSku(String),
    /// An outbound order by its Flourish id.
    Order(String),
    /// Inventory of one SKU (summed over facilities later).
    InventorySku(String),
}

impl EntityKey {
    /// A stable text form for dedupe and per-entity ordering, e.g. `order:5001`.
    pub fn as_key(&self) -> String {
        match self {
            Self::ItemId(id) => format!("item:{id}"),
            Self::ItemSku(sku) => format!("item-sku:{sku}"),
            Self::Order(id) => format!("order:{id}"),
            Self::InventorySku(sku) => format!("inventory:{sku}"),
        }
    }
}

/// Why no entity key could be taken from a webhook body.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EntityKeyError {
    #[error("the webhook body is not a JSON envelope: {0}")]
    NotAnEnvelope(String),
    #[error("the {resource_type} webhook has no {missing}")]
    Missing {
        resource_type: String,
        missing: &'static str,
    },
    #[error("the {0} webhook is not handled by leafbridge")]
    Unsupported(String),
}

/// Takes the entity key from a verified webhook body: item → `id` (else `sku`), order → `id`,
/// inventory_summary → `sku`. Retail orders and unknown types are `Unsupported`.
pub fn entity_key(body: &[u8]) -> Result<EntityKey, EntityKeyError> {
    let envelope: WebhookEnvelope =
        serde_json::from_slice(body).map_err(|e| EntityKeyError::NotAnEnvelope(e.to_string()))?;
    let data = &envelope.data;
    let missing = |missing| EntityKeyError::Missing {
        resource_type: envelope.resource_type.to_string(),
        missing,
    };
    match envelope.resource_type {
        ResourceType::Item => match (field(data, "id"), field(data, "sku")) {
            (Some(id), _) => Ok(EntityKey::ItemId(id)),
            (None, Some(sku)) => Ok(EntityKey::ItemSku(sku)),
            (None, None) => Err(missing("id or sku")),
        },
        ResourceType::Order => field(data, "id")
            .map(EntityKey::Order)
            .ok_or_else(|| missing("id")),
        ResourceType::InventorySummary => field(data, "sku")
            .map(EntityKey::InventorySku)
            .ok_or_else(|| missing("sku")),
        other => Err(EntityKeyError::Unsupported(other.to_string())),
    }
}

/// A non-empty string or number field, as a trimmed string.
fn field(data: &Value, name: &str) -> Option<String> {
    let text = match data.get(name)? {
        Value::String(text) => text.trim().to_owned(),
        Value::Number(number) => number.to_string(),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(body: &str) -> Result<EntityKey, EntityKeyError> {
        entity_key(body.as_bytes())
    }

    #[test]
    fn item_webhook_is_keyed_by_id_then_sku() {
        let by_id = key(r#"{"resource_type":"item","data":{"id":151,"sku":"A"}}"#);
        assert_eq!(by_id, Ok(EntityKey::ItemId("151".into())));
        let by_sku = key(r#"{"resource_type":"item","data":{"sku":" A "}}"#);
        assert_eq!(by_sku, Ok(EntityKey::ItemSku("A".into())));
    }

    #[test]
    fn order_and_inventory_webhooks_name_what_is_missing() {
        let order = key(r#"{"resource_type":"order","data":{"order_status":"Shipped"}}"#);
        assert_eq!(
            order.unwrap_err().to_string(),
            "the order webhook has no id"
        );
        let stock = key(r#"{"resource_type":"inventory_summary","data":{"item_id":1}}"#);
        assert_eq!(
            stock.unwrap_err().to_string(),
            "the inventory_summary webhook has no sku"
        );
        let stock = key(r#"{"resource_type":"inventory_summary","data":{"sku":"B"}}"#);
        assert_eq!(stock, Ok(EntityKey::InventorySku("B".into())));
    }

    #[test]
    fn retail_orders_and_unknown_types_are_unsupported() {
        let retail = key(r#"{"resource_type":"retail_order","data":{"id":1}}"#);
        assert_eq!(
            retail,
            Err(EntityKeyError::Unsupported("retail_order".into()))
        );
        let other = key(r#"{"resource_type":"invoice","data":{}}"#);
        assert_eq!(other, Err(EntityKeyError::Unsupported("invoice".into())));
        assert!(matches!(key("[1]"), Err(EntityKeyError::NotAnEnvelope(_))));
    }
}
