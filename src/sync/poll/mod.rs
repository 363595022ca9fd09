//! Reconciliation pollers: webhooks get lost (and LeafLink sends none for customers), so each
//! poller lists what changed since its watermark and stores one event per change through the
//! same ingest path as webhooks — same job kind, same entity key — so the same flows run.
//!
//! - LeafLink orders and customers: `modified__gte`; Flourish items:
//!   `last_updated_timestamp_start`. The window starts a little before the watermark
//!   ([`OVERLAP`]) so clock skew and same-instant updates cannot slip between two passes.
//! - Flourish inventory has no change time: the `flourish` module says how changes are found.
//! - A poller that never ran looks back one interval, as though it had run then; older
//!   history is a resync's job.
//! - A change a webhook already brought is not enqueued again: when an event for the same
//!   entity key was received at or after the record's change time, its job reads the record as
//!   it is now. The poll body carries the change time, so listing an unchanged record twice is
//!   a duplicate for the ordinary body-hash deduplication. (This compares our clock with the
//!   platform's: keep clocks in sync, or a webhook of an earlier change could hide a later one
//!   made within the skew, until the record changes again or is resynced.)
//! - The watermark advances only after every event of the pass is stored; a failing pass keeps
//!   it and records the error (see `store::watermarks`).
//!
//! Tests drive one pass with [`run_once`]; `leafbridge serve` runs them on their intervals with
//! [`spawn`].

mod flourish;
mod leaflink;
mod schedule;

pub use schedule::spawn;

use std::time::Duration;

use anyhow::Context;
use serde_json::Value;

use super::SyncContext;
use crate::config::SyncSettings;
use crate::envelope::{self, Envelope};
use crate::ingest::Ingest;
use crate::store::events::{NewEvent, Stored};
use crate::store::watermarks;

/// How far before the watermark each window starts.
pub const OVERLAP: Duration = Duration::from_secs(60);

/// The `source` of every event a poller stores.
pub const SOURCE: &str = "poller";

/// How long a pass may hold its poller before another instance may take over.
const LEASE: Duration = Duration::from_secs(600);

/// The window of a poller that never ran, when its interval is zero (it runs only by hand).
const FIRST_LOOKBACK: Duration = Duration::from_secs(300);

/// One poller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Poller {
    /// LeafLink orders received, by `modified`.
    Orders,
    /// LeafLink customers, by `modified` (the only path for customers).
    Customers,
    /// Flourish items, by `last_updated_timestamp`.
    Items,
    /// Flourish inventory summaries, by comparing figures.
    Inventory,
}

impl Poller {
    pub const ALL: [Poller; 4] = [Self::Orders, Self::Customers, Self::Items, Self::Inventory];

    /// The name its state is stored under: `<platform>.<what>`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Orders => "leaflink.orders",
            Self::Customers => "leaflink.customers",
            Self::Items => "flourish.items",
            Self::Inventory => "flourish.inventory",
        }
    }

    /// The configured interval; zero turns the poller off (inventory: also when stock is not
    /// managed).
    pub fn interval(self, settings: &SyncSettings) -> Duration {
        match self {
            Self::Orders => settings.poll_orders,
            Self::Customers => settings.poll_customers,
            Self::Items => settings.poll_items,
            Self::Inventory if !settings.manage_stock => Duration::ZERO,
            Self::Inventory => settings.poll_inventory,
        }
    }
}

/// What one pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Records (or inventory keys) found changed.
    pub listed: usize,
    /// Events stored with a job.
    pub enqueued: usize,
    /// Changes an event already covered (a webhook, or an earlier pass).
    pub skipped: usize,
    /// Events the body-hash deduplication recognised.
    pub duplicates: usize,
    /// The watermark stored after the pass.
    pub watermark: Option<i64>,
    /// Another instance was running this poller: nothing was done.
    pub busy: bool,
}

/// One change found by a pass, ready to store.
struct Change {
    envelope: Envelope,
    body: String,
    /// The record's change time (milliseconds), when the platform gives one.
    changed_at: Option<i64>,
}

impl Change {
    /// A LeafLink-shaped envelope, keyed exactly as the webhook of the same record.
    fn leaflink(kind: &str, data: Value, changed_at: Option<i64>) -> anyhow::Result<Self> {
        let body = serde_json::json!({"action": "poll", "type": kind, "data": data}).to_string();
        let envelope = envelope::leaflink(body.as_bytes())?;
        Ok(Self {
            envelope,
            body,
            changed_at,
        })
    }

    /// A Flourish-shaped envelope, keyed exactly as the callback of the same record.
    fn flourish(kind: &str, data: Value, changed_at: Option<i64>) -> anyhow::Result<Self> {
        let body = serde_json::json!({"resource_type": kind, "data": data}).to_string();
        let envelope = envelope::flourish(body.as_bytes())?;
        Ok(Self {
            envelope,
            body,
            changed_at,
        })
    }
}

/// What a poller's listing found.
struct Listing {
    changes: Vec<Change>,
    /// The watermark to store once every change is stored.
    watermark: Option<i64>,
    /// Fingerprints to store once every change is stored (the inventory poller).
    seen: Vec<(String, Option<String>)>,
    /// Changes left out while listing because an event already covers them.
    skipped: usize,
}

impl Listing {
    fn new() -> Self {
        Self {
            changes: Vec::new(),
            watermark: None,
            seen: Vec::new(),
            skipped: 0,
        }
    }

    /// Adds a change; the watermark becomes the newest change time seen.
    fn push(&mut self, change: Change) {
        self.watermark = self.watermark.max(change.changed_at);
        self.changes.push(change);
    }
}

/// Runs one pass of `poller` as of `now` (milliseconds): lists, stores events, then advances
/// the watermark. On error the watermark stays and the error is recorded. Replicas take turns:
/// while another instance runs the same poller, this returns at once with `busy` set.
pub async fn run_once(
    ctx: &SyncContext,
    ingest: &Ingest,
    poller: Poller,
    now: i64,
) -> anyhow::Result<PassReport> {
    let (pool, connection) = (&ctx.db.pool, ctx.connection.as_str());
    let until = now + LEASE.as_millis() as i64;
    if !watermarks::claim(pool, connection, poller.name(), now, until).await? {
        return Ok(PassReport {
            busy: true,
            ..PassReport::default()
        });
    }
    match pass(ctx, ingest, poller, now).await {
        Ok(report) => {
            watermarks::record_success(pool, connection, poller.name(), report.watermark, now)
                .await?;
            Ok(report)
        }
        Err(error) => {
            let message = format!("{error:#}");
            watermarks::record_failure(pool, connection, poller.name(), &message, now).await?;
            Err(error)
        }
    }
}

async fn pass(
    ctx: &SyncContext,
    ingest: &Ingest,
    poller: Poller,
    now: i64,
) -> anyhow::Result<PassReport> {
    let state = watermarks::get(&ctx.db.pool, &ctx.connection, poller.name()).await?;
    let since = window_start(state.watermark, poller.interval(&ctx.settings), now);
    let listing = match poller {
        Poller::Orders => leaflink::orders(ctx, since).await,
        Poller::Customers => leaflink::customers(ctx, since).await,
        Poller::Items => flourish::items(ctx, since).await,
        Poller::Inventory => flourish::inventory(ctx, &state, now).await,
    }
    .with_context(|| format!("listing changes for the {} poller", poller.name()))?;
    let mut report = PassReport {
        listed: listing.changes.len() + listing.skipped,
        skipped: listing.skipped,
        ..PassReport::default()
    };
    for change in listing.changes {
        store(ctx, ingest, change, &mut report).await?;
    }
    if !listing.seen.is_empty() {
        watermarks::save_seen(
            &ctx.db.pool,
            &ctx.connection,
            poller.name(),
            &listing.seen,
            now,
        )
        .await?;
    }
    // A first pass that found nothing pins its window start, so the next window follows on.
    report.watermark = listing
        .watermark
        .max(state.watermark)
        .or_else(|| (poller != Poller::Inventory).then_some(since));
    Ok(report)
}

/// Where a window starts: the watermark minus the overlap or, before the first pass, one
/// interval ago (as though a pass had run then; older history is a resync's job).
fn window_start(watermark: Option<i64>, interval: Duration, now: i64) -> i64 {
    match watermark {
        Some(watermark) => watermark - OVERLAP.as_millis() as i64,
        None if interval.is_zero() => now - FIRST_LOOKBACK.as_millis() as i64,
        None => now - interval.as_millis() as i64,
    }
}

/// Stores one change as an event with its job, unless an event already covers it.
async fn store(
    ctx: &SyncContext,
    ingest: &Ingest,
    change: Change,
    report: &mut PassReport,
) -> anyhow::Result<()> {
    let key = &change.envelope.entity_key;
    if let Some(changed_at) = change.changed_at {
        let newest = watermarks::newest_event_at(&ctx.db.pool, &ctx.connection, key).await?;
        if newest.is_some_and(|received| received >= changed_at) {
            report.skipped += 1;
            return Ok(());
        }
    }
    let event = NewEvent::new(&ctx.connection, SOURCE, change.envelope, change.body);
    match ingest.store(event).await? {
        Stored::Accepted { .. } => report.enqueued += 1,
        Stored::Duplicate => report.duplicates += 1,
    }
    Ok(())
}

/// A platform timestamp as milliseconds since the epoch.
fn millis(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|at| at.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_starts_an_overlap_before_the_watermark_or_an_interval_ago() {
        let now = 1_000_000_000;
        assert_eq!(
            window_start(Some(900_000_000), Duration::from_secs(300), now),
            900_000_000 - 60_000
        );
        assert_eq!(
            window_start(None, Duration::from_secs(300), now),
            now - 300_000
        );
        assert_eq!(window_start(None, Duration::ZERO, now), now - 300_000);
    }

    #[test]
    fn platform_timestamps_are_read_as_milliseconds() {
        assert_eq!(millis("1970-01-01T00:00:01.500Z"), Some(1_500));
        assert_eq!(millis("1970-01-01T00:00:01.000001-00:00"), Some(1_000));
        assert_eq!(millis("yesterday"), None);
    }
}
