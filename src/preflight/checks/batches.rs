//! LeafLink batches whose lot number no Flourish inventory row carries.

use std::collections::HashSet;

use super::Context;
use crate::matcher::keys::lot_key;
use crate::preflight::finding::{Finding, RecordRef, Severity, Side};

/// Batch findings.
pub fn check(cx: &Context<'_>) -> Vec<Finding> {
    let lots: HashSet<&str> = cx
        .snapshot
        .flourish
        .inventory
        .iter()
        .filter_map(|stock| lot_key(stock.row.lot_number.as_deref()?))
        .collect();
    let mut findings = Vec::new();
    for batch in &cx.snapshot.leaflink.batches {
        let number = batch.production_batch_number.trim();
        if lot_key(number).is_some_and(|lot| lots.contains(lot)) {
            continue;
        }
        findings.push(
            Finding::new(
                "batch_without_lot",
                Severity::Warning,
                format!("LeafLink batch {number:?} is no Flourish lot; order lines naming it cannot be allocated"),
            )
            .with([RecordRef::leaflink("batch", batch.id, number)])
            .fix(Side::Leaflink, format!("correct the production batch number of batch {} to a Flourish lot number, or archive it", batch.id)),
        );
    }
    findings
}
