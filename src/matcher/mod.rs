//! Pure matching rules: keys, normalisation, plans and outcomes. No I/O.
//!
//! The `sync` layer converts platform models into the plain records here, builds the indexes
//! once, and asks one `plan_*` function per event for either a plan (the writes to make) or an
//! [`Outcome`] explaining why nothing is written.
//!
//! | Flow | Entry point | Indexes it reads |
//! |---|---|---|
//! | A: LeafLink order → Flourish order | [`plan_order`] | [`RepDirectory`], [`ItemIndex`], [`find_destination`] |
//! | B: Flourish item → LeafLink product | [`plan_item`] | [`ProductIndex`], [`Catalog`], [`StrainIndex`], [`LinkSet`] |
//! | C: Flourish stock → LeafLink quantity | [`plan_inventory`], [`coalesce_newest`] | [`InventoryTotals`], [`ProductIndex`], [`LinkSet`] |
//! | D: LeafLink customer → Flourish destination | [`plan_customer`] | [`DestinationIndex`], [`LinkSet`] |
//! | E: Flourish status → LeafLink transition | [`plan_status`] | — |
//!
//! A plan with no steps is never returned: "nothing to do" is always an `Unchanged` outcome,
//! so re-running an event that is already in sync writes nothing.

pub mod catalog;
pub mod customer;
pub mod index;
pub mod inventory;
pub mod item;
pub mod keys;
pub mod links;
pub mod order;
pub mod outcome;
pub mod records;
pub mod status;

pub use catalog::Catalog;
pub use customer::{CustomerInput, CustomerPlan, CustomerStep, find_destination, plan_customer};
pub use index::{DestinationIndex, ItemIndex, Lookup, ProductIndex, RepDirectory, StrainIndex};
pub use inventory::{
    FeedingFacilities, InventoryPlan, InventoryTotals, coalesce_newest, plan_inventory,
};
pub use item::{ItemContext, ItemPlan, ItemStep, plan_item};
pub use keys::{CategoryMap, EmailKey, LicenseKey, SkuKey, StrainKey, StrainMatching};
pub use links::{LinkSet, OrderLink};
pub use order::{OrderInput, OrderPlan, OrderStep, plan_order};
pub use outcome::{Fix, Outcome, OutcomeKind, System};
pub use status::{StatusInput, StatusPlan, Transition, offers, plan_status, step_summary};
