//! The preflight report: counts first, then the findings, the notes, listing states and the
//! routing table. Serialises to the JSON of `--format json` and `GET /api/v1/preflight`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::checks::{CheckSettings, RoutingTable, run_checks};
use super::environment::EnvironmentCheck;
use super::finding::{Finding, Severity};
use super::snapshot::Snapshot;

/// Findings per check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckCount {
    pub check: String,
    pub severity: Severity,
    pub count: usize,
}

/// The counts a reader sees first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Checks with at least one finding, most severe first.
    pub checks: Vec<CheckCount>,
    /// Records read per list, e.g. `"LeafLink products": 45`.
    pub records_read: BTreeMap<String, usize>,
}

/// Everything preflight found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// When the report was made (RFC 3339, UTC).
    pub generated_at: String,
    pub summary: Summary,
    /// Connectivity and configuration, passed or not.
    pub environment: Vec<EnvironmentCheck>,
    /// Problems, most severe first.
    pub findings: Vec<Finding>,
    /// What the first sync will create or match loosely; not problems.
    pub notes: Vec<Finding>,
    /// Listing states of LeafLink products sharing an e-commerce item's SKU.
    pub listing_states: BTreeMap<String, usize>,
    /// Where today's open orders would be routed.
    pub routing: RoutingTable,
    /// How long reading both platforms took, in milliseconds.
    pub fetch_ms: Option<u128>,
}

impl Report {
    /// Runs the data checks over `snapshot`.
    pub fn from_snapshot(snapshot: &Snapshot, settings: &CheckSettings) -> Self {
        let results = run_checks(snapshot, settings);
        let mut report = Self {
            generated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            findings: results.findings,
            notes: results.notes,
            listing_states: results.listing_states,
            routing: results.routing,
            ..Self::default()
        };
        report.summary.records_read = records_read(snapshot);
        report.recount();
        report
    }

    /// A report of findings only (when the platforms could not be read).
    pub fn from_findings(findings: Vec<Finding>) -> Self {
        let mut report = Self {
            generated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            findings,
            ..Self::default()
        };
        report.recount();
        report
    }

    /// Sorts the findings and recomputes the summary counts.
    pub fn recount(&mut self) {
        self.findings
            .sort_by(|a, b| (a.severity, &a.check).cmp(&(b.severity, &b.check)));
        let count = |s| self.findings.iter().filter(|f| f.severity == s).count();
        let (errors, warnings, infos) = (
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Info),
        );
        let mut checks: Vec<CheckCount> = Vec::new();
        for finding in &self.findings {
            match checks.last_mut() {
                Some(last) if last.check == finding.check => last.count += 1,
                _ => checks.push(CheckCount {
                    check: finding.check.clone(),
                    severity: finding.severity,
                    count: 1,
                }),
            }
        }
        self.summary = Summary {
            errors,
            warnings,
            infos,
            checks,
            records_read: std::mem::take(&mut self.summary.records_read),
        };
    }

    /// Whether anything must be fixed before go-live.
    pub fn has_errors(&self) -> bool {
        self.summary.errors > 0
    }

    /// The process exit status: 1 when any error was found, 0 otherwise.
    pub fn exit_code(&self) -> i32 {
        i32::from(self.has_errors())
    }

    /// Pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report is always JSON")
    }
}

fn records_read(snapshot: &Snapshot) -> BTreeMap<String, usize> {
    let (ll, fl) = (&snapshot.leaflink, &snapshot.flourish);
    [
        ("LeafLink products", ll.products.len()),
        ("LeafLink customers", ll.customers.len()),
        ("LeafLink strains", ll.strains.len()),
        ("LeafLink company staff", ll.staff.len()),
        ("LeafLink batches", ll.batches.len()),
        ("LeafLink open orders", ll.orders.len()),
        ("Flourish items", fl.items.len()),
        ("Flourish destinations", fl.destinations.len()),
        ("Flourish sales reps", fl.sales_reps.len()),
        ("Flourish facilities", fl.facilities.len()),
        ("Flourish lots", fl.inventory.len()),
    ]
    .into_iter()
    .map(|(name, count)| (name.to_owned(), count))
    .collect()
}
