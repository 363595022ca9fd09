//! Adoption: which Flourish outbound order, keyed by hand (during a rehearsal, or before
//! leafbridge ran), already is a given LeafLink order, so leafbridge links it instead of
//! creating a second one. In order of strength: its `original_order_id` is the order number;
//! its notes contain the number (case ignored); or it is for the same destination, on the same
//! date, with the same lines (SKU, case and spaces ignored, and quantity in eaches, in any order).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Why a Flourish order was taken for the LeafLink order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Identified {
    OriginalOrderId,
    Notes,
    CustomerLinesDate,
}

/// What is compared of either order.
#[derive(Debug, Clone, Default)]
pub struct OrderFacts {
    /// The LeafLink order number (for a Flourish order: its `original_order_id`).
    pub number: Option<String>,
    /// Free text that may name the number (Flourish notes).
    pub notes: Vec<String>,
    pub destination_id: Option<String>,
    /// `YYYY-MM-DD`.
    pub date: Option<String>,
    /// SKU and quantity in eaches, per line.
    pub lines: Vec<(String, Decimal)>,
}

/// Lines as a comparable multiset: quantity per normalised SKU.
fn line_set(lines: &[(String, Decimal)]) -> BTreeMap<String, Decimal> {
    let mut set = BTreeMap::new();
    for (sku, quantity) in lines {
        let key: String = sku
            .chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect();
        *set.entry(key).or_insert(Decimal::ZERO) += *quantity;
    }
    for quantity in set.values_mut() {
        *quantity = quantity.normalize();
    }
    set
}

/// Whether `candidate` (a Flourish order) identifies the LeafLink order `order`, and how.
pub fn identifies(order: &OrderFacts, candidate: &OrderFacts) -> Option<Identified> {
    let number = order.number.as_deref()?.trim();
    if number.is_empty() {
        return None;
    }
    if candidate
        .number
        .as_deref()
        .is_some_and(|n| n.trim().eq_ignore_ascii_case(number))
    {
        return Some(Identified::OriginalOrderId);
    }
    let lower = number.to_lowercase();
    if candidate
        .notes
        .iter()
        .any(|note| note.to_lowercase().contains(&lower))
    {
        return Some(Identified::Notes);
    }
    let same_destination =
        order.destination_id.is_some() && order.destination_id == candidate.destination_id;
    let same_date = order.date.is_some() && order.date == candidate.date;
    let same_lines =
        !order.lines.is_empty() && line_set(&order.lines) == line_set(&candidate.lines);
    (same_destination && same_date && same_lines).then_some(Identified::CustomerLinesDate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(number: Option<&str>, notes: &[&str], lines: &[(&str, i64)]) -> OrderFacts {
        OrderFacts {
            number: number.map(str::to_owned),
            notes: notes.iter().map(|n| (*n).to_owned()).collect(),
            destination_id: Some("d1".into()),
            date: Some("2026-11-30".into()),
            lines: lines
                .iter()
                .map(|(sku, q)| ((*sku).to_owned(), Decimal::from(*q)))
                .collect(),
        }
    }

    #[test]
    fn the_number_in_original_order_id_or_notes_identifies_an_order_in_any_case() {
        let order = facts(Some("6F1C-AB"), &[], &[("A", 10)]);
        let by_id = facts(Some("6f1c-ab"), &[], &[]);
        assert_eq!(
            identifies(&order, &by_id),
            Some(Identified::OriginalOrderId)
        );
        let by_note = facts(None, &["keyed from LeafLink 6f1c-AB by Sam"], &[]);
        assert_eq!(identifies(&order, &by_note), Some(Identified::Notes));
    }

    #[test]
    fn same_customer_lines_in_any_order_and_date_identify_an_order() {
        let order = facts(Some("n1"), &[], &[("OGK-PR-1G", 10), ("CF-A", 4)]);
        let keyed = facts(None, &[], &[("cf-a ", 4), ("ogk-pr-1g", 10)]);
        assert_eq!(
            identifies(&order, &keyed),
            Some(Identified::CustomerLinesDate)
        );
        let other_quantity = facts(None, &[], &[("cf-a", 5), ("ogk-pr-1g", 10)]);
        assert_eq!(identifies(&order, &other_quantity), None);
        let mut other_day = keyed.clone();
        other_day.date = Some("2026-11-29".into());
        assert_eq!(identifies(&order, &other_day), None);
        let mut other_customer = keyed;
        other_customer.destination_id = Some("d2".into());
        assert_eq!(identifies(&order, &other_customer), None);
    }
}
