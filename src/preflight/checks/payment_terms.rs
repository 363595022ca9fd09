//! Payment terms: LeafLink terms named by open orders that no Flourish payment term matches by
//! name (such an order is held by sync until the term exists).

use std::collections::BTreeMap;

use super::Context;
use crate::preflight::finding::{Finding, RecordId, RecordRef, Severity, Side};
use crate::sync::orders::find_term;

/// One finding per LeafLink payment term without a Flourish match, naming its open orders.
pub fn check(cx: &Context<'_>) -> Vec<Finding> {
    let terms = &cx.snapshot.flourish.payment_terms;
    // Terms compared as sync compares them: trimmed, ignoring case; first spelling kept.
    let mut missing: BTreeMap<String, (String, Vec<RecordRef>)> = BTreeMap::new();
    for order in &cx.snapshot.leaflink.orders {
        let Some(name) = order.money.payment_term_name() else {
            continue;
        };
        if find_term(terms, name).is_some() {
            continue;
        }
        let entry = missing
            .entry(name.trim().to_lowercase())
            .or_insert_with(|| (name.trim().to_owned(), Vec::new()));
        entry.1.push(RecordRef {
            side: Side::Leaflink,
            kind: "order".to_owned(),
            id: RecordId::Text(order.number.clone()),
            key: name.trim().to_owned(),
        });
    }
    missing
        .into_values()
        .map(|(name, orders)| {
            let count = orders.len();
            Finding::new(
                "payment_term_without_flourish_match",
                Severity::Warning,
                format!(
                    "LeafLink payment term {name:?} ({count} open order(s)) matches no Flourish \
                     payment term by name; those orders will be held"
                ),
            )
            .with(orders)
            .fix(
                Side::Flourish,
                format!(
                    "create the payment term {name:?} in Flourish, or rename the LeafLink term \
                     to one Flourish has"
                ),
            )
        })
        .collect()
}
