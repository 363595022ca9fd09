//! Flourish listings: items changed since a time (`last_updated_timestamp_start`), and
//! inventory, which carries no change time of its own.
//!
//! Inventory: every pass reads the summary of each feeding facility (one paginated list per
//! facility, however many SKUs) and compares, per SKU, the sellable quantity of each facility
//! with what the previous pass saw (`poll_seen`). Only SKUs whose figures moved become events.
//! The first pass only records the figures: what changed before leafbridge watched is a
//! resync's job. A moved SKU is left alone when, for every facility that moved, the newest
//! `inventory_summary` callback since the previous pass reported exactly today's figure: that
//! callback's job already reads the stock as it is now.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{Change, Listing, millis};
use crate::flourish::client::{InventoryFilter, ItemFilter};
use crate::store::watermarks::{self, PollState};
use crate::sync::SyncContext;

/// Items updated since `since`; the body names the item and its `last_updated_timestamp`.
pub(super) async fn items(ctx: &SyncContext, since: i64) -> anyhow::Result<Listing> {
    let filter = ItemFilter {
        updated_since: DateTime::<Utc>::from_timestamp_millis(since),
        ..ItemFilter::default()
    };
    let mut listing = Listing::new();
    for item in ctx.flourish.list_items(&filter).await? {
        let changed_at = item.last_updated_timestamp.as_deref().and_then(millis);
        let data = json!({
            "id": item.id,
            "sku": item.sku,
            "last_updated_timestamp": item.last_updated_timestamp,
        });
        listing.push(Change::flourish("item", data, changed_at)?);
    }
    Ok(listing)
}

/// Sellable quantity by facility id.
type Figures = BTreeMap<String, f64>;

/// Inventory keys (SKU, or `item:<id>` without one) whose figures moved since the last pass.
pub(super) async fn inventory(
    ctx: &SyncContext,
    state: &PollState,
    now: i64,
) -> anyhow::Result<Listing> {
    let current = read_figures(ctx).await?;
    let name = super::Poller::Inventory.name();
    let before = watermarks::seen(&ctx.db.pool, &ctx.connection, name).await?;
    let previous: HashMap<&str, Figures> = before
        .iter()
        .map(|(key, text)| (key.as_str(), serde_json::from_str(text).unwrap_or_default()))
        .collect();
    let mut listing = Listing::new();
    for (key, figures, text) in moved(current, &before)? {
        if let Some(since) = state.last_success_at {
            let old = previous.get(key.as_str()).cloned().unwrap_or_default();
            let change = change(&key, &figures, now)?;
            if reported(ctx, &change.envelope.entity_key, &old, &figures, since).await? {
                listing.skipped += 1;
            } else {
                listing.changes.push(change);
            }
        }
        listing.seen.push((key, text));
    }
    Ok(listing)
}

/// Keys whose fingerprint differs from `before`, with their figures and new fingerprint
/// (`None`: the key is gone, its figures are empty).
fn moved(
    current: BTreeMap<String, Figures>,
    before: &HashMap<String, String>,
) -> anyhow::Result<Vec<(String, Figures, Option<String>)>> {
    let gone = before.keys().filter(|key| !current.contains_key(*key));
    let mut moved: Vec<_> = gone
        .map(|key| (key.clone(), Figures::new(), None))
        .collect();
    for (key, figures) in current {
        let text = serde_json::to_string(&figures)?;
        if before.get(&key) != Some(&text) {
            moved.push((key, figures, Some(text)));
        }
    }
    Ok(moved)
}

/// The facilities whose stock feeds LeafLink: the configured ones, or all.
async fn feeding_facilities(ctx: &SyncContext) -> anyhow::Result<Vec<String>> {
    if let Some(facilities) = &ctx.settings.feeding_facilities {
        return Ok(facilities.clone());
    }
    let facilities = ctx.flourish.list_facilities().await?;
    Ok(facilities.into_iter().map(|f| f.id).collect())
}

async fn read_figures(ctx: &SyncContext) -> anyhow::Result<BTreeMap<String, Figures>> {
    let mut figures: BTreeMap<String, Figures> = BTreeMap::new();
    for facility in feeding_facilities(ctx).await? {
        let rows = ctx
            .flourish
            .inventory_summary(&facility, &InventoryFilter::default())
            .await?;
        for row in rows {
            let key = match row.sku.trim() {
                "" => format!("item:{}", row.item_id),
                sku => sku.to_owned(),
            };
            *figures
                .entry(key)
                .or_default()
                .entry(facility.clone())
                .or_default() += row.sellable_qty;
        }
    }
    Ok(figures)
}

/// The event for a moved key; `polled_at` keeps a return to earlier figures from looking like
/// a duplicate of the event that carried them.
fn change(key: &str, figures: &Figures, now: i64) -> anyhow::Result<Change> {
    let total: f64 = figures.values().sum();
    let mut data = json!({"sellable_qty": total, "facilities": figures, "polled_at": now});
    match key.strip_prefix("item:") {
        Some(item_id) => data["item_id"] = json!(item_id),
        None => data["sku"] = json!(key),
    }
    Change::flourish("inventory_summary", data, None)
}

/// True when, for every facility whose figure moved, the newest callback since `since`
/// reported today's figure.
async fn reported(
    ctx: &SyncContext,
    entity_key: &str,
    old: &Figures,
    new: &Figures,
    since: i64,
) -> anyhow::Result<bool> {
    let bodies =
        watermarks::bodies_since(&ctx.db.pool, &ctx.connection, "flourish", entity_key, since)
            .await?;
    let callbacks: Vec<Value> = bodies
        .iter()
        .filter_map(|body| serde_json::from_str::<Value>(body).ok())
        .collect();
    let facilities = old.keys().chain(new.keys());
    for facility in facilities.filter(|f| old.get(*f) != new.get(*f)) {
        let newest = callbacks
            .iter()
            .find(|c| text(&c["data"]["facility_id"]).as_deref() == Some(facility.as_str()));
        let reported = newest.and_then(|c| number(&c["data"]["sellable_qty"]));
        if reported != Some(new.get(facility).copied().unwrap_or(0.0)) {
            return Ok(false);
        }
    }
    Ok(true)
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}
