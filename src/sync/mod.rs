//! The sync flows: each job kind re-reads its record from the source platform (webhooks are only
//! triggers), asks the pure `matcher` for a plan, applies it through the other platform's client
//! and records links, outcome, plan and writes. Reads that many jobs need (reference data, and
//! for the jobs of a resync or poll the listings and stock of a pass) are shared through
//! [`cache`]; a plan from shared reads that would write is planned again from fresh reads.
//!
//! | Job kind | Entity key after `kind:` | Flow |
//! |---|---|---|
//! | `leaflink.order` | LeafLink order number | A: order → Flourish outbound order (`orders`) |
//! | `leaflink.customer` | license number (or `id:<customer id>`) | D: customer → destination (`customers`) |
//! | `leaflink.product` | LeafLink product id | recorded, not synced: products flow from Flourish |
//! | `flourish.item` | Flourish item id | B: item → LeafLink product (`items`) |
//! | `flourish.inventory_summary` | SKU (or `item:<item id>`) | C: stock → LeafLink quantity (`inventory`) |
//! | `flourish.order` | Flourish order id (or `number:<LeafLink order number>`) | E: status → LeafLink transition (`status`) |

pub mod cache;
pub mod convert;
pub mod customers;
pub mod inventory;
pub mod items;
pub mod listings;
pub mod open_orders;
pub mod orders;
mod parties;
mod payments;
pub mod poll;
pub mod products;
pub mod record;
pub mod shadow;
pub mod status;
mod step;

use std::sync::Arc;

use crate::config::SyncSettings;
use crate::flourish::FlourishClient;
use crate::jobs::{JobContext, JobError, Processors};
use crate::leaflink::LeafLinkClient;
use crate::remote::ModeSwitch;
use crate::store::Db;
use crate::store::links::{self, NewLink};
use crate::store::now_ms;

/// Everything a flow needs: the store, both clients and the rules' settings.
pub struct SyncContext {
    pub db: Db,
    pub connection: String,
    pub leaflink: LeafLinkClient,
    pub flourish: FlourishClient,
    pub settings: SyncSettings,
    /// Reads shared between jobs (reference data, per-pass snapshots).
    pub caches: cache::Caches,
    /// Shadow or live, shared with both clients (which refuse writes in shadow mode).
    pub mode: ModeSwitch,
}

/// The processors of every flow, sharing one context.
pub fn processors(context: Arc<SyncContext>) -> Processors {
    let mut processors = Processors::new();
    orders::register(&mut processors, &context);
    customers::register(&mut processors, &context);
    status::register(&mut processors, &context);
    items::register(&mut processors, &context);
    inventory::register(&mut processors, &context);
    products::register(&mut processors, &context);
    processors.wrap(|inner| shadow::gate(inner, context.mode.clone()));
    processors
}

/// A store failure is transient from the job's point of view: the database may be back on the
/// next attempt.
pub(crate) fn store_error(error: sqlx::Error) -> JobError {
    JobError::retryable(format!("the link store failed: {error}"))
}

/// Records a link (sync never replaces an operator's pin).
pub(crate) async fn record_link(context: &SyncContext, link: &NewLink<'_>) -> Result<(), JobError> {
    links::upsert(&context.db.writes, &context.connection, link, now_ms())
        .await
        .map_err(store_error)?;
    Ok(())
}

/// The identity part of a job's entity key (`leaflink.order:<number>` → `<number>`).
pub fn entity_id(job: &JobContext) -> &str {
    job.entity_key
        .split_once(':')
        .map_or(job.entity_key.as_str(), |(_, id)| id)
}
