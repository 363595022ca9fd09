//! Flow C: Flourish sellable stock becomes the LeafLink product quantity.
//!
//! Per SKU the quantity is the sellable stock summed over the facilities that feed LeafLink, plus
//! what LeafLink itself reserves for orders that are already on order in Flourish: Flourish's
//! sellable already excludes them, and LeafLink subtracts its `reserved_qty` (Submitted and
//! Accepted orders) again for `available_inventory`. Without the addition one order of 10 out of
//! 100 would leave LeafLink showing 80 available instead of 90. Only linked products buyers can
//! order (Available, Backorder) take inventory, as the guide requires.

use std::collections::{HashMap, HashSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::index::ProductIndex;
use super::keys::SkuKey;
use super::links::LinkSet;
use super::outcome::Outcome;

/// Which Flourish facilities' stock counts towards LeafLink quantities.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedingFacilities {
    /// Every facility (the default).
    #[default]
    All,
    /// Only these facility ids.
    Only(HashSet<String>),
}

impl FeedingFacilities {
    /// Whether `facility_id` feeds LeafLink.
    pub fn feeds(&self, facility_id: &str) -> bool {
        match self {
            Self::All => true,
            Self::Only(ids) => ids.contains(facility_id),
        }
    }
}

/// One row of Flourish's inventory summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryRow {
    /// Facility the stock is in.
    pub facility_id: String,
    /// Item SKU.
    pub sku: String,
    /// Sellable quantity.
    pub sellable_qty: Decimal,
}

/// Sellable totals per SKU over the feeding facilities, and what LeafLink reserves per SKU for
/// orders already on order in Flourish.
#[derive(Debug, Clone, Default)]
pub struct InventoryTotals {
    by_sku: HashMap<SkuKey, Decimal>,
    on_order: HashMap<SkuKey, Decimal>,
}

impl InventoryTotals {
    /// Sums `rows` from feeding facilities.
    pub fn new(rows: &[InventoryRow], feeding: &FeedingFacilities) -> Self {
        let mut by_sku: HashMap<SkuKey, Decimal> = HashMap::new();
        for row in rows.iter().filter(|r| feeding.feeds(&r.facility_id)) {
            *by_sku.entry(SkuKey::new(&row.sku)).or_default() += row.sellable_qty;
        }
        Self {
            by_sku,
            on_order: HashMap::new(),
        }
    }

    /// Records what LeafLink reserves for `sku` on orders that Flourish already holds.
    pub fn with_on_order(mut self, sku: &str, reserved: Decimal) -> Self {
        *self.on_order.entry(SkuKey::new(sku)).or_default() += reserved;
        self
    }

    /// LeafLink's reservation of `sku` for orders already in Flourish (zero when none).
    pub fn on_order(&self, sku: &SkuKey) -> Decimal {
        self.on_order.get(sku).copied().unwrap_or_default()
    }

    /// The total for a SKU; zero when no feeding facility reports it (sold out).
    pub fn total(&self, sku: &SkuKey) -> Decimal {
        self.by_sku.get(sku).copied().unwrap_or_default()
    }
}

/// The quantity to write to one LeafLink product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryPlan {
    /// The SKU (the per-entity ordering key).
    pub sku: String,
    /// LeafLink product to `PATCH`.
    pub product_id: i64,
    /// New `quantity`: `sellable + on_order`.
    pub quantity: Decimal,
    /// Flourish's sellable total over the feeding facilities.
    #[serde(default)]
    pub sellable: Decimal,
    /// What LeafLink reserves for orders already on order in Flourish.
    #[serde(default)]
    pub on_order: Decimal,
    /// The quantity LeafLink shows now (the rehearsal report's "before").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<Decimal>,
}

impl InventoryPlan {
    /// The write as one sentence.
    pub fn summary(&self) -> String {
        let mut text = format!(
            "set quantity of LeafLink product {} to {}",
            self.product_id, self.quantity
        );
        if !self.on_order.is_zero() {
            text.push_str(&format!(
                " (sellable {} + {} LeafLink reserves for orders already in Flourish)",
                self.sellable, self.on_order
            ));
        }
        text
    }
}

/// Plans Flow C for one SKU.
pub fn plan_inventory(
    sku: &str,
    totals: &InventoryTotals,
    products: &ProductIndex,
    links: &LinkSet,
) -> Result<InventoryPlan, Outcome> {
    let key = SkuKey::new(sku);
    let s = key.as_str();
    let Some(product_id) = links.product(&key) else {
        return Err(Outcome::ignored(format!(
            "SKU \"{s}\" is not linked to a LeafLink product"
        )));
    };
    let Some(product) = products.get(product_id) else {
        return Err(Outcome::attention(format!(
            "LeafLink product {product_id} linked to SKU \"{s}\" no longer exists"
        )));
    };
    if !product.listing_state.takes_inventory() {
        return Err(Outcome::ignored(format!(
            "LeafLink product {product_id} is {:?}: only Available and Backorder products take \
             Flourish inventory",
            product.listing_state
        )));
    }
    // LeafLink cannot hold negative stock; a negative Flourish figure means none to sell.
    let sellable = totals.total(&key).normalize();
    let on_order = totals.on_order(&key).normalize();
    let quantity = (sellable + on_order).max(Decimal::ZERO).normalize();
    if product.quantity == Some(quantity) {
        return Err(Outcome::unchanged(format!(
            "LeafLink product {product_id} already shows {quantity}"
        )));
    }
    Ok(InventoryPlan {
        sku: s.to_owned(),
        product_id,
        quantity,
        sellable,
        on_order,
        previous: product.quantity,
    })
}

/// An inventory change notice for one SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryEvent {
    /// Item SKU.
    pub sku: String,
    /// Reporting facility, when the notice says.
    pub facility_id: Option<String>,
    /// The figure in the notice.
    pub sellable_qty: Decimal,
    /// When leafbridge received it (milliseconds since the epoch).
    pub received_at_ms: i64,
}

/// Keeps only the newest event per SKU, in the order SKUs first appeared.
///
/// Events are triggers: the quantity written is recomputed from the summary, so an older
/// figure in the same burst is never worth a write. Ties go to the later arrival.
pub fn coalesce_newest(events: Vec<InventoryEvent>) -> Vec<InventoryEvent> {
    let mut slot: HashMap<SkuKey, usize> = HashMap::new();
    let mut kept: Vec<InventoryEvent> = Vec::new();
    for event in events {
        match slot.get(&SkuKey::new(&event.sku)) {
            Some(&i) if kept[i].received_at_ms > event.received_at_ms => {}
            Some(&i) => kept[i] = event,
            None => {
                slot.insert(SkuKey::new(&event.sku), kept.len());
                kept.push(event);
            }
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::outcome::OutcomeKind;
    use crate::matcher::records::{ListingState, Product};

    fn dec(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn row(facility: &str, sku: &str, qty: &str) -> InventoryRow {
        InventoryRow {
            facility_id: facility.into(),
            sku: sku.into(),
            sellable_qty: dec(qty),
        }
    }

    fn products(state: ListingState, quantity: Option<&str>) -> ProductIndex {
        ProductIndex::new([Product {
            id: 5150,
            sku: "OGK-PR-1G".into(),
            name: String::new(),
            description: String::new(),
            listing_state: state,
            brand: None,
            product_line: None,
            category: None,
            strains: vec![],
            quantity: quantity.map(dec),
        }])
    }

    fn linked() -> LinkSet {
        let mut links = LinkSet::default();
        links.link_product("OGK-PR-1G", 5150);
        links
    }

    fn rows() -> Vec<InventoryRow> {
        vec![
            row("fa", "OGK-PR-1G", "10"),
            row("fb", "OGK-PR-1G ", "5.5"),
            row("fa", "X", "1"),
        ]
    }

    #[test]
    fn quantity_sums_sellable_stock_over_all_facilities_by_default() {
        let totals = InventoryTotals::new(&rows(), &FeedingFacilities::default());
        let plan = plan_inventory(
            "OGK-PR-1G",
            &totals,
            &products(ListingState::Available, None),
            &linked(),
        );
        let plan = plan.unwrap();
        assert_eq!(plan.quantity, dec("15.5"));
        assert_eq!(
            plan.summary(),
            "set quantity of LeafLink product 5150 to 15.5"
        );
    }

    #[test]
    fn leaflink_reservations_of_orders_already_in_flourish_are_added_back() {
        // 100 sellable before the order; Flourish holds the synced order of 10, LeafLink
        // reserves it: quantity 100, so LeafLink's available (100 - 10) is Flourish's 90.
        let rows = [row("fa", "OGK-PR-1G", "90")];
        let totals = InventoryTotals::new(&rows, &FeedingFacilities::All)
            .with_on_order("OGK-PR-1G", dec("10"));
        let plan = plan_inventory(
            "OGK-PR-1G",
            &totals,
            &products(ListingState::Available, Some("90")),
            &linked(),
        )
        .unwrap();
        assert_eq!(plan.quantity, dec("100"));
        assert_eq!(
            plan.summary(),
            "set quantity of LeafLink product 5150 to 100 (sellable 90 + 10 LeafLink reserves \
             for orders already in Flourish)"
        );
    }

    #[test]
    fn only_configured_facilities_feed_leaflink() {
        let feeding = FeedingFacilities::Only(HashSet::from(["fb".to_owned()]));
        let totals = InventoryTotals::new(&rows(), &feeding);
        assert_eq!(totals.total(&SkuKey::new("OGK-PR-1G")), dec("5.5"));
        assert_eq!(totals.total(&SkuKey::new("X")), Decimal::ZERO);
    }

    #[test]
    fn unlinked_sku_is_ignored() {
        let totals = InventoryTotals::new(&rows(), &FeedingFacilities::All);
        let err = plan_inventory(
            "OGK-PR-1G",
            &totals,
            &products(ListingState::Available, None),
            &LinkSet::default(),
        );
        assert_eq!(err.unwrap_err().kind, OutcomeKind::Ignored);
    }

    #[test]
    fn products_not_available_or_backorder_are_ignored_with_the_reason() {
        let totals = InventoryTotals::new(&rows(), &FeedingFacilities::All);
        let got = plan_inventory(
            "OGK-PR-1G",
            &totals,
            &products(ListingState::Backorder, None),
            &linked(),
        );
        assert!(got.is_ok());
        let err = plan_inventory(
            "OGK-PR-1G",
            &totals,
            &products(ListingState::Archived, None),
            &linked(),
        );
        let err = err.unwrap_err();
        assert_eq!(err.kind, OutcomeKind::Ignored);
        assert!(err.reason.contains("Archived"), "{}", err.reason);
    }

    #[test]
    fn unchanged_quantity_writes_nothing() {
        let totals = InventoryTotals::new(&rows(), &FeedingFacilities::All);
        let index = products(ListingState::Available, Some("15.5000"));
        let err = plan_inventory("OGK-PR-1G", &totals, &index, &linked()).unwrap_err();
        assert_eq!(err.kind, OutcomeKind::Unchanged);
    }

    #[test]
    fn sku_missing_from_every_facility_sets_zero_and_negative_stock_clamps_to_zero() {
        let totals = InventoryTotals::new(&[row("fa", "OGK-PR-1G", "-3")], &FeedingFacilities::All);
        let index = products(ListingState::Available, Some("4"));
        assert_eq!(
            plan_inventory("OGK-PR-1G", &totals, &index, &linked())
                .unwrap()
                .quantity,
            Decimal::ZERO
        );
        let empty = InventoryTotals::default();
        assert_eq!(
            plan_inventory("OGK-PR-1G", &empty, &index, &linked())
                .unwrap()
                .quantity,
            Decimal::ZERO
        );
    }

    #[test]
    fn burst_for_one_sku_keeps_only_the_newest_figure() {
        let event = |sku: &str, qty: &str, at| InventoryEvent {
            sku: sku.into(),
            facility_id: None,
            sellable_qty: dec(qty),
            received_at_ms: at,
        };
        let kept = coalesce_newest(vec![
            event("A", "1", 10),
            event("B", "7", 11),
            event("A", "3", 30),
            event("A", "2", 20),
            event("A ", "4", 30),
        ]);
        let got: Vec<_> = kept
            .iter()
            .map(|e| (e.sku.as_str(), e.sellable_qty))
            .collect();
        assert_eq!(got, [("A ", dec("4")), ("B", dec("7"))]);
    }
}
