//! The data checks: pure functions over a [`Snapshot`] and the matching settings.
//!
//! Each file covers one area of `fixtures/README.md` ("Checks"). The indexes every check needs
//! are built once in [`Context`], from the matcher's own keys and indexes, so a check compares
//! records exactly the way sync will.

mod batches;
mod catalog;
mod context;
mod customers;
mod facilities;
mod listing;
mod order_totals;
mod payment_terms;
mod reps;
mod skus;
mod strains;
#[cfg(test)]
mod tests;
mod whitespace;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use context::Context;
pub use reps::{RouteRow, RoutingTable};

use super::finding::Finding;
use super::snapshot::Snapshot;
use crate::matcher::order::Routing;
use crate::matcher::{CategoryMap, FeedingFacilities, StrainMatching};

/// The matching settings the checks apply, the same ones sync uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckSettings {
    /// Flourish custom category → LeafLink category.
    pub category_map: CategoryMap,
    /// How strain names are compared.
    pub strain_matching: StrainMatching,
    /// How orders are spread over facilities.
    pub routing: Routing,
    /// Which facilities feed LeafLink quantities.
    pub feeding: FeedingFacilities,
    /// The LeafLink license new products are listed under (`LEAFBRIDGE_LEAFLINK_LICENSE`).
    #[serde(default)]
    pub leaflink_license: Option<String>,
    /// Custom or LeafLink category → sub-category (`LEAFBRIDGE_SUBCATEGORY_MAP`).
    #[serde(default)]
    pub subcategory_map: Vec<(String, String)>,
    /// Whether leafbridge writes product lines (`LEAFBRIDGE_PRODUCT_FIELDS`); when not, a
    /// missing line is not a finding.
    #[serde(default = "managed")]
    pub product_lines_managed: bool,
}

fn managed() -> bool {
    true
}

impl CheckSettings {
    /// The checks' view of the rules' settings. In single-facility mode the facility's
    /// `sales_rep_required_for_outbound` is not known here; routing counts do not depend on it.
    pub fn from_sync(sync: &crate::config::SyncSettings) -> Self {
        let routing = match &sync.routing {
            crate::config::RoutingSetting::SalesRep => Routing::BySalesRep,
            crate::config::RoutingSetting::Facility(id) => Routing::SingleFacility {
                facility_id: id.clone(),
                rep_required: false,
            },
        };
        // Without stock management no facility feeds LeafLink, so none named is checked.
        let feeding = match &sync.feeding_facilities {
            Some(list) if sync.manage_stock => {
                FeedingFacilities::Only(list.iter().cloned().collect())
            }
            _ => FeedingFacilities::All,
        };
        Self {
            category_map: CategoryMap::new(
                sync.category_map
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str())),
            ),
            strain_matching: sync.strain_matching,
            routing,
            feeding,
            leaflink_license: sync.leaflink_license.clone(),
            subcategory_map: sync.subcategory_map.clone(),
            product_lines_managed: sync.product_fields.product_line,
        }
    }
}

impl Default for CheckSettings {
    fn default() -> Self {
        Self {
            category_map: CategoryMap::default(),
            strain_matching: StrainMatching::default(),
            routing: Routing::BySalesRep,
            feeding: FeedingFacilities::All,
            leaflink_license: None,
            subcategory_map: Vec::new(),
            product_lines_managed: true,
        }
    }
}

/// What the checks produce.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResults {
    /// Problems to fix before go-live.
    pub findings: Vec<Finding>,
    /// Expected effects of the first sync that are not problems (all severity info): strains
    /// that match only ignoring case, strains and destinations sync will create.
    pub notes: Vec<Finding>,
    /// LeafLink listing states of the products that share an e-commerce item's SKU.
    pub listing_states: BTreeMap<String, usize>,
    /// Where today's open orders would go.
    pub routing: RoutingTable,
}

/// Runs every data check over `snapshot`.
pub fn run_checks(snapshot: &Snapshot, settings: &CheckSettings) -> CheckResults {
    let cx = Context::new(snapshot, settings);
    let mut findings = Vec::new();
    findings.extend(skus::check(&cx));
    findings.extend(strains::check(&cx));
    findings.extend(catalog::check(&cx));
    findings.extend(listing::check(&cx));
    findings.extend(customers::check(&cx));
    findings.extend(reps::check(&cx));
    findings.extend(batches::check(&cx));
    findings.extend(facilities::check(&cx));
    findings.extend(payment_terms::check(&cx));
    findings.extend(order_totals::check(&cx));
    findings.extend(whitespace::check(&cx));
    let mut notes = strains::notes(&cx);
    notes.extend(customers::notes(&cx));
    CheckResults {
        findings,
        notes,
        listing_states: listing::state_counts(&cx),
        routing: reps::routing_table(&cx),
    }
}
