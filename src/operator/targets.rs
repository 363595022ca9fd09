//! Which entities a resync covers: the ids given, or everything the platforms list as changed
//! since a time (or everything). Each becomes the same job kind and entity key a webhook for
//! that entity gets (see `envelope.rs`), so a resync and a webhook share one code path.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, Utc};
use serde_json::{Value, json};

use super::OperatorError;
use super::resync::ResyncKind;
use crate::flourish::ItemFilter;
use crate::flourish::model::Item;
use crate::leaflink::client::{CustomerQuery, OrderQuery};
use crate::matcher::SkuKey;
use crate::store::now_ms;
use crate::sync::SyncContext;
use crate::sync::items::load::items_with_sku;

/// One entity to resync.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub job_kind: &'static str,
    /// The event kind a webhook for it would have (`order`, `item`, ...).
    pub event_kind: &'static str,
    pub entity_key: String,
    /// The identifying field a webhook body would carry, for processors that look.
    pub data: Value,
}

/// The target for one id of a single kind (not `all`). Item ids must already be Flourish ids.
pub fn target(kind: ResyncKind, id: &str) -> Target {
    let (job_kind, event_kind, data) = match kind {
        ResyncKind::Orders => ("leaflink.order", "order", json!({"number": id})),
        ResyncKind::Customers => match id.strip_prefix("id:") {
            Some(customer) => ("leaflink.customer", "customer", json!({"id": customer})),
            None => (
                "leaflink.customer",
                "customer",
                json!({"license_number": id}),
            ),
        },
        ResyncKind::Items => ("flourish.item", "item", json!({"id": id})),
        ResyncKind::Inventory | ResyncKind::All => (
            "flourish.inventory_summary",
            "inventory_summary",
            json!({"sku": id}),
        ),
    };
    Target {
        job_kind,
        event_kind,
        entity_key: format!("{job_kind}:{id}"),
        data,
    }
}

/// True for a Flourish item id (they are numbers); anything else is taken for a SKU.
pub fn is_item_id(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// Flourish item ids for the given ids or SKUs (SKUs are looked up).
pub async fn item_ids(
    sync: Option<&SyncContext>,
    given: &[String],
) -> Result<Vec<String>, OperatorError> {
    let mut ids = Vec::new();
    for text in given {
        if is_item_id(text) {
            ids.push(text.clone());
            continue;
        }
        let Some(sync) = sync else {
            return Err(OperatorError::Conflict(format!(
                "ids: {text:?} is a SKU, and looking it up needs the Flourish API key \
                 (LEAFBRIDGE_FLOURISH_API_KEY); give the item id instead"
            )));
        };
        // An item stored with stray whitespace around its SKU is found too.
        let sku = SkuKey::new(text);
        let found = if sku.is_empty() {
            Vec::new()
        } else {
            items_with_sku(sync, &sku).await?
        };
        if found.is_empty() {
            return Err(OperatorError::Invalid(format!(
                "ids: no Flourish item has the SKU {text:?}"
            )));
        }
        ids.extend(found.into_iter().map(|item| item.id));
    }
    Ok(ids)
}

/// Every entity of `kind` the platforms list as changed since `since` (everything when `None`).
pub async fn listed(
    sync: &SyncContext,
    kind: ResyncKind,
    since: Option<DateTime<FixedOffset>>,
) -> Result<Vec<Target>, OperatorError> {
    let kinds: &[ResyncKind] = match kind {
        ResyncKind::All => &[
            ResyncKind::Customers,
            ResyncKind::Items,
            ResyncKind::Inventory,
            ResyncKind::Orders,
        ],
        _ => std::slice::from_ref(&kind),
    };
    // Keyed by entity: one job per entity, in a stable order.
    let mut targets = BTreeMap::new();
    let mut items = None;
    for &kind in kinds {
        for id in listed_ids(sync, kind, since, &mut items).await? {
            let target = target(kind, &id);
            targets.insert(target.entity_key.clone(), target);
        }
    }
    Ok(targets.into_values().collect())
}

/// The ids of `kind` listed now. Flourish items are listed once for items and stock alike
/// (`items` keeps the listing); a listing of everything is handed to the jobs' shared reads,
/// so the jobs of this resync do not list it again.
async fn listed_ids(
    sync: &SyncContext,
    kind: ResyncKind,
    since: Option<DateTime<FixedOffset>>,
    items: &mut Option<Vec<Item>>,
) -> Result<Vec<String>, OperatorError> {
    let began = now_ms();
    Ok(match kind {
        ResyncKind::Orders => {
            let query = OrderQuery {
                modified_gte: since,
                ..OrderQuery::default()
            };
            let orders = sync.leaflink.list_orders_received(&query).await?;
            let numbers = orders.iter().map(|o| o.number.clone()).collect();
            if since.is_none() {
                sync.keep_orders(began, orders).await;
            }
            numbers
        }
        ResyncKind::Customers => {
            let query = CustomerQuery {
                modified_gte: since,
                ..CustomerQuery::default()
            };
            let customers = sync.leaflink.list_customers(&query).await?;
            let ids = customers
                .iter()
                .map(|c| {
                    match c
                        .license_number
                        .as_deref()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                    {
                        Some(license) => license.to_owned(),
                        None => format!("id:{}", c.id),
                    }
                })
                .collect();
            if since.is_none() {
                sync.keep_customers(began, customers).await;
            }
            ids
        }
        ResyncKind::Items => listed_items(sync, since, items, began)
            .await?
            .iter()
            .map(|item| item.id.clone())
            .collect(),
        ResyncKind::Inventory | ResyncKind::All => listed_items(sync, since, items, began)
            .await?
            .iter()
            .map(|item| item.sku.trim().to_owned())
            .filter(|sku| !sku.is_empty())
            .collect(),
    })
}

/// The Flourish items changed since `since` (all of them when `None`), listed once per resync.
async fn listed_items<'a>(
    sync: &SyncContext,
    since: Option<DateTime<FixedOffset>>,
    items: &'a mut Option<Vec<Item>>,
    began: i64,
) -> Result<&'a [Item], OperatorError> {
    if items.is_none() {
        let filter = ItemFilter {
            updated_since: since.map(|t| t.with_timezone(&Utc)),
            ..ItemFilter::default()
        };
        let found = sync.flourish.list_items(&filter).await?;
        if since.is_none() {
            sync.keep_items(began, &found).await;
        }
        *items = Some(found);
    }
    Ok(items.as_deref().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_gets_the_job_kind_and_entity_key_of_its_webhook() {
        let cases = [
            (
                ResyncKind::Orders,
                "n-1",
                "leaflink.order",
                "leaflink.order:n-1",
            ),
            (
                ResyncKind::Customers,
                "C10-1",
                "leaflink.customer",
                "leaflink.customer:C10-1",
            ),
            (
                ResyncKind::Customers,
                "id:7",
                "leaflink.customer",
                "leaflink.customer:id:7",
            ),
            (
                ResyncKind::Items,
                "151",
                "flourish.item",
                "flourish.item:151",
            ),
            (
                ResyncKind::Inventory,
                "OGK-PR-1G",
                "flourish.inventory_summary",
                "flourish.inventory_summary:OGK-PR-1G",
            ),
        ];
        for (kind, id, job_kind, key) in cases {
            let target = target(kind, id);
            assert_eq!(
                (target.job_kind, target.entity_key.as_str()),
                (job_kind, key)
            );
        }
        assert_eq!(
            target(ResyncKind::Customers, "id:7").data,
            json!({"id": "7"})
        );
    }

    #[test]
    fn item_ids_are_numbers_and_anything_else_is_a_sku() {
        assert!(is_item_id("151"));
        assert!(!is_item_id("OGK-PR-1G"));
        assert!(!is_item_id("151a"));
        assert!(!is_item_id(""));
    }

    #[tokio::test]
    async fn item_ids_pass_through_without_the_platforms_but_skus_need_them() {
        let ids = item_ids(None, &["151".into(), "152".into()]).await.unwrap();
        assert_eq!(ids, ["151", "152"]);
        let error = item_ids(None, &["OGK-PR-1G".into()]).await.unwrap_err();
        assert!(matches!(error, OperatorError::Conflict(m) if m.contains("ids")));
    }
}
