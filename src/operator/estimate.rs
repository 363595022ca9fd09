//! What a resync would cost in API calls on each platform, estimated before it runs (a dry
//! run's answer): the pages of the listings the resync and its jobs read, the reads its jobs
//! make per entity, and the writes its plans make (each with the fresh re-read a job makes
//! before writing). Pure: the operator passes the targets, the plans and the facility count.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::targets::Target;

/// LeafLink's page (`limit` 100).
const LEAFLINK_PAGE: u64 = 100;
/// Flourish's page (`limit` 50).
const FLOURISH_PAGE: u64 = 50;
/// Reference lists a pass of item jobs reads on LeafLink: brands, product lines, categories,
/// strains.
const ITEM_REFERENCE_LISTS: u64 = 4;

/// The estimated calls on one platform.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformCalls {
    /// Pages of the listings read (the entities, and what their jobs share).
    pub list_pages: u64,
    /// Reads of single records or small sets, per entity.
    pub reads: u64,
    /// Writes the plans make.
    pub writes: u64,
    /// All of them.
    pub total: u64,
}

/// The estimated calls of a resync on each platform.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallEstimate {
    pub leaflink: PlatformCalls,
    pub flourish: PlatformCalls,
}

impl CallEstimate {
    /// One line for people: `LeafLink ~N calls (…), Flourish ~M calls (…)`.
    pub fn summary(&self) -> String {
        let one = |name: &str, calls: &PlatformCalls| {
            format!(
                "{name} ~{} calls ({} list pages, {} reads, {} writes)",
                calls.total, calls.list_pages, calls.reads, calls.writes
            )
        };
        format!(
            "estimated cost: {}, {}",
            one("LeafLink", &self.leaflink),
            one("Flourish", &self.flourish)
        )
    }
}

/// What the resync covers beside its targets.
#[derive(Clone, Copy, Debug)]
pub struct Scope {
    /// The resync listed every entity (no ids, no `since`): its jobs share the pass's listings
    /// instead of reading per entity.
    pub listed_everything: bool,
    /// The resync listed entities changed since a time (pages, then reads per entity).
    pub listed: bool,
    /// Facilities whose stock is read (one summary each).
    pub facilities: u64,
}

/// How many targets of each kind.
#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    orders: u64,
    customers: u64,
    items: u64,
    stock: u64,
}

impl Counts {
    fn of(targets: &[Target]) -> Self {
        let mut counts = Self::default();
        for target in targets {
            match target.job_kind {
                "leaflink.order" => counts.orders += 1,
                "leaflink.customer" => counts.customers += 1,
                "flourish.item" => counts.items += 1,
                _ => counts.stock += 1,
            }
        }
        counts
    }
}

fn pages(rows: u64, page: u64) -> u64 {
    rows.div_ceil(page)
}

/// The estimate for `targets` (with the dry run's `plans` when there are any).
pub fn estimate(targets: &[Target], plans: &[Value], scope: Scope) -> CallEstimate {
    let n = Counts::of(targets);
    let mut estimate = CallEstimate::default();
    let (ll, fl) = (&mut estimate.leaflink, &mut estimate.flourish);
    let facilities = scope.facilities.max(1);
    if scope.listed || scope.listed_everything {
        ll.list_pages += pages(n.orders, LEAFLINK_PAGE) + pages(n.customers, LEAFLINK_PAGE);
        fl.list_pages += pages(n.items.max(n.stock), FLOURISH_PAGE);
    }
    if scope.listed_everything {
        pass_listings(n, facilities, ll, fl);
    } else {
        per_entity_reads(n, facilities, ll, fl);
    }
    for plan in plans {
        let (leaflink, flourish) = writes_of(plan);
        ll.writes += leaflink;
        fl.writes += flourish;
        if leaflink + flourish > 0 {
            // A job about to write reads its entity again, fresh.
            let (leaflink, flourish) = fresh_reads(plan, facilities);
            ll.reads += leaflink;
            fl.reads += flourish;
        }
    }
    for calls in [&mut estimate.leaflink, &mut estimate.flourish] {
        calls.total = calls.list_pages + calls.reads + calls.writes;
    }
    estimate
}

/// The listings the jobs of a pass share: every product and the reference lists for items and
/// stock, each facility's stock, every destination, Flourish order and the staff for orders.
fn pass_listings(n: Counts, facilities: u64, ll: &mut PlatformCalls, fl: &mut PlatformCalls) {
    let catalogue = n.items.max(n.stock);
    if catalogue > 0 || n.orders > 0 {
        ll.list_pages += pages(catalogue, LEAFLINK_PAGE).max(1);
    }
    if n.items > 0 {
        ll.list_pages += ITEM_REFERENCE_LISTS;
    }
    if n.stock > 0 {
        ll.list_pages += 1; // open orders
        fl.list_pages += 1 + facilities * pages(n.stock, FLOURISH_PAGE).max(1);
    }
    if n.customers > 0 || n.orders > 0 {
        fl.list_pages += pages(n.customers, FLOURISH_PAGE).max(1);
    }
    if n.orders > 0 {
        ll.list_pages += 1; // company staff
        fl.list_pages += pages(n.orders, FLOURISH_PAGE) + 1 + facilities;
        if n.items == 0 && n.stock == 0 {
            fl.list_pages += 1; // the items, when no item or stock job listed them
        }
    }
}

/// Jobs that read their own entities: what a webhook's job reads, with reference data read
/// once.
fn per_entity_reads(n: Counts, facilities: u64, ll: &mut PlatformCalls, fl: &mut PlatformCalls) {
    // Order, its products, its batches; its Flourish order, items and destination.
    ll.reads += 3 * n.orders;
    fl.reads += 3 * n.orders;
    ll.reads += n.customers;
    fl.reads += n.customers;
    // The item, then its product.
    fl.reads += n.items;
    ll.reads += n.items;
    // Each facility's stock of the SKU, then its product.
    fl.reads += facilities * n.stock;
    ll.reads += n.stock;
    if n.orders > 0 {
        ll.list_pages += 1; // company staff
        fl.list_pages += 1 + facilities;
    }
    if n.items > 0 {
        ll.list_pages += ITEM_REFERENCE_LISTS;
    }
    if n.stock > 0 {
        ll.list_pages += 1;
        fl.list_pages += 1;
    }
}

/// The entity's fresh re-read before a write, by what the plan writes.
fn fresh_reads(plan: &Value, facilities: u64) -> (u64, u64) {
    let plan = &plan["plan"];
    if plan.get("order_number").is_some() {
        (3, 3)
    } else if plan.get("license_number").is_some() || plan.get("steps").is_some() {
        // A customer (its destination) or an item (its product): one read on each side.
        (1, 1)
    } else {
        (1, facilities)
    }
}

/// The writes of one dry-run answer on (LeafLink, Flourish): the steps of its plan that call
/// a platform (links are recorded locally), or one quantity write for a stock plan.
pub fn writes_of(answer: &Value) -> (u64, u64) {
    let plan = &answer["plan"];
    if plan.is_null() {
        return (0, 0);
    }
    let Some(steps) = plan["steps"].as_array() else {
        // A stock plan: one `PATCH` of the product's quantity.
        return (1, 0);
    };
    let mut counts = (0, 0);
    for step in steps {
        match step["step"].as_str().unwrap_or_default() {
            "create_strain" | "create_product" | "patch_product" | "write_external_id" => {
                counts.0 += 1;
            }
            "create_destination" | "update_destination" | "cancel_order" | "create_order"
            | "update_lines" => counts.1 += 1,
            _ => {}
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::operator::resync::ResyncKind;
    use crate::operator::targets::target;

    fn targets(kind: ResyncKind, n: usize) -> Vec<Target> {
        (0..n).map(|i| target(kind, &format!("{i}"))).collect()
    }

    #[test]
    fn a_pass_over_everything_costs_pages_not_entities() {
        let mut all = targets(ResyncKind::Items, 5_000);
        all.extend(targets(ResyncKind::Inventory, 5_000));
        let scope = Scope {
            listed_everything: true,
            listed: false,
            facilities: 2,
        };
        let estimate = estimate(&all, &[], scope);
        // Products (50 pages), 4 reference lists, open orders.
        assert_eq!(estimate.leaflink.list_pages, 55);
        assert_eq!(estimate.leaflink.reads, 0);
        // Items (100 pages), facilities, two facilities' stock (100 pages each).
        assert_eq!(estimate.flourish.list_pages, 301);
        assert_eq!(estimate.flourish.total, 301);
    }

    #[test]
    fn named_entities_cost_reads_each_and_plans_add_their_writes() {
        let orders = targets(ResyncKind::Orders, 2);
        let scope = Scope {
            listed_everything: false,
            listed: false,
            facilities: 2,
        };
        let create = json!({"plan": {"order_number": "0", "steps": [
            {"step": "create_destination"}, {"step": "create_order"},
            {"step": "write_external_id", "key": "k"}]}});
        let unchanged = json!({"outcome": {"kind": "unchanged"}});
        let estimate = estimate(&orders, &[create, unchanged], scope);
        assert_eq!(estimate.leaflink.writes, 1);
        assert_eq!(estimate.flourish.writes, 2);
        // Three reads per order, and three again before the one that writes; staff once.
        assert_eq!(estimate.leaflink.reads, 9);
        assert_eq!(estimate.leaflink.list_pages, 1);
        assert_eq!(estimate.leaflink.total, 11);
        assert_eq!(estimate.flourish.list_pages, 3);
        assert_eq!(estimate.flourish.total, 3 + 9 + 2);
    }

    #[test]
    fn writes_are_counted_by_platform_and_links_cost_nothing() {
        let item = json!({"plan": {"sku": "A", "steps": [
            {"step": "create_strain"}, {"step": "link_product"}, {"step": "create_product"}]}});
        assert_eq!(writes_of(&item), (2, 0));
        let stock = json!({"plan": {"sku": "A", "product_id": 1, "quantity": "3"}});
        assert_eq!(writes_of(&stock), (1, 0));
        let customer = json!({"plan": {"license_number": "L", "steps": [
            {"step": "link_destination"}, {"step": "update_destination"}]}});
        assert_eq!(writes_of(&customer), (0, 1));
        assert_eq!(writes_of(&json!({"outcome": {}})), (0, 0));
    }
}
