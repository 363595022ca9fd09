//! The Flourish webhook envelope `{resource_type, data}`. The ingress reads a body's kind and
//! entity key in `crate::envelope`; webhooks are only triggers and nothing in them is trusted.

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
