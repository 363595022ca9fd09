//! Listings of whole collections shared by the jobs of a pass (every LeafLink product and order,
//! every Flourish item and outbound order), indexed by id and, for products and items, by SKU,
//! so a job finds its record in the pass's listing instead of reading it by id or SKU.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::flourish::model::{Item, OutboundOrder};
use crate::flourish::{ItemFilter, OrderFilter};
use crate::leaflink::client::ProductQuery;
use crate::leaflink::model::{OrderReceived, Product};
use crate::matcher::SkuKey;
use crate::remote::ClientError;

use super::SyncContext;
use super::cache::Freshness;

/// Every record of a listing by its id, and the ids under each SKU (trimmed).
#[derive(Debug)]
pub struct Listing<K, V> {
    by_id: BTreeMap<K, V>,
    by_sku: HashMap<SkuKey, Vec<K>>,
}

impl<K, V> Default for Listing<K, V> {
    fn default() -> Self {
        Self {
            by_id: BTreeMap::new(),
            by_sku: HashMap::new(),
        }
    }
}

impl<K: Ord + Clone, V: Clone> Listing<K, V> {
    /// Records by `id`, without a SKU index.
    pub fn by_id(rows: Vec<V>, id: impl Fn(&V) -> K) -> Self {
        Self {
            by_id: rows.into_iter().map(|row| (id(&row), row)).collect(),
            by_sku: HashMap::new(),
        }
    }

    /// Records by `id` and by `sku`.
    pub fn new(rows: Vec<V>, id: impl Fn(&V) -> K, sku: impl Fn(&V) -> &str) -> Self {
        let mut by_sku: HashMap<SkuKey, Vec<K>> = HashMap::new();
        for row in &rows {
            by_sku
                .entry(SkuKey::new(sku(row)))
                .or_default()
                .push(id(row));
        }
        Self {
            by_sku,
            ..Self::by_id(rows, id)
        }
    }

    /// The record with this id.
    pub fn get<Q>(&self, id: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.by_id.get(id)
    }

    /// The records whose SKU equals `sku` once both are trimmed.
    pub fn with_sku(&self, sku: &SkuKey) -> Vec<V> {
        self.by_sku
            .get(sku)
            .into_iter()
            .flatten()
            .filter_map(|id| self.by_id.get(id).cloned())
            .collect()
    }

    /// How many records the listing holds.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether the listing holds nothing.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

impl SyncContext {
    /// Every LeafLink product, listed once for the jobs of a pass as recent as `want`.
    pub async fn listed_products(
        &self,
        want: Freshness,
    ) -> Result<Arc<Listing<i64, Product>>, ClientError> {
        let client = &self.leaflink;
        self.caches
            .products
            .get(self.ttl_ms(), want, || async {
                let all = client.list_products(&ProductQuery::default()).await?;
                Ok::<_, ClientError>(Listing::new(all, |p| p.id, |p| &p.sku))
            })
            .await
    }

    /// Every Flourish item, listed once for the jobs of a pass as recent as `want`.
    pub async fn listed_items(
        &self,
        want: Freshness,
    ) -> Result<Arc<Listing<String, Item>>, ClientError> {
        let client = &self.flourish;
        self.caches
            .items
            .get(self.ttl_ms(), want, || async {
                let all = client.list_items(&ItemFilter::default()).await?;
                Ok::<_, ClientError>(Listing::new(all, |i| i.id.clone(), |i| &i.sku))
            })
            .await
    }

    /// Keeps a listing of every LeafLink order, begun at `read_at`, for the jobs of a pass.
    pub async fn keep_orders(&self, read_at: i64, orders: Vec<OrderReceived>) {
        let listing = Listing::by_id(orders, |o| o.number.clone());
        self.caches.orders.put(read_at, listing).await;
    }

    /// LeafLink order `number` from a listing of every order a resync made as recently as
    /// `want`; `None` (nothing read) when there is none or it does not hold the order.
    pub async fn listed_order(&self, number: &str, want: Freshness) -> Option<OrderReceived> {
        let listing = self.caches.orders.peek(self.ttl_ms(), want).await?;
        listing.get(number).cloned()
    }

    /// Every Flourish outbound order, listed once for the jobs of a pass as recent as `want`.
    pub async fn listed_outbound_orders(
        &self,
        want: Freshness,
    ) -> Result<Arc<Vec<OutboundOrder>>, ClientError> {
        let client = &self.flourish;
        let every = OrderFilter::default();
        self.caches
            .outbound_orders
            .get(self.ttl_ms(), want, || client.list_outbound_orders(&every))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_finds_records_by_id_and_by_trimmed_sku() {
        let rows = vec![(1, "A-1"), (2, " A-1 "), (3, "B-2")];
        let listing = Listing::new(rows, |r| r.0, |r| r.1);
        assert_eq!(listing.len(), 3);
        assert_eq!(listing.get(&3), Some(&(3, "B-2")));
        let found: Vec<i64> = listing
            .with_sku(&SkuKey::new("A-1"))
            .iter()
            .map(|r| r.0)
            .collect();
        assert_eq!(found, [1, 2]);
        assert!(listing.with_sku(&SkuKey::new("a-1")).is_empty());
        assert!(
            Listing::by_id(vec![(1, "A-1")], |r| r.0)
                .with_sku(&SkuKey::new("A-1"))
                .is_empty()
        );
    }
}
