//! Flow A, step 5: LeafLink order lines as Flourish order lines.
//!
//! LeafLink counts individual units in `quantity` and cases in `bulk_units`; its price is per
//! sell unit (per case when selling in multiples). Flourish wants eaches and a price per each.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::matcher::index::{ItemIndex, Lookup};
use crate::matcher::keys::{SkuKey, lot_key};
use crate::matcher::outcome::{Outcome, System};

/// Decimal places kept on a per-each price; division by a case size can repeat forever.
const PRICE_DP: u32 = 4;

/// A LeafLink order line, with its product's SKU and batch already resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    /// The LeafLink product id, named in fixes.
    pub product_id: Option<i64>,
    /// The product's SKU.
    pub sku: String,
    /// Individual units ordered.
    pub quantity: Decimal,
    /// Cases ordered, when LeafLink reports them.
    pub bulk_units: Option<i64>,
    /// Individual units per case (1 when not selling in multiples).
    pub unit_multiplier: i64,
    /// The price the buyer was charged per sell unit: the sale price when the line is on sale.
    pub price: Decimal,
    /// The list price per sell unit (`ordered_unit_price`), when the line was sold below it.
    #[serde(default)]
    pub list_price: Option<Decimal>,
    /// The batch's `production_batch_number`, when the line names a batch.
    pub lot_number: Option<String>,
}

/// A Flourish outbound-order line, as planned or as read back from Flourish.
///
/// Field order matters: lines are sorted by SKU then lot to compare orders regardless of the
/// order Flourish returns them in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PlannedLine {
    /// Item SKU.
    pub sku: String,
    /// Lot that alone may be allocated to this line.
    pub lot_number: Option<String>,
    /// Quantity in eaches.
    pub order_qty: Decimal,
    /// Price per each (the list price when the line was discounted).
    pub unit_price: Decimal,
    /// Price per each actually charged, when the line was discounted (Flourish's
    /// `discount_price`).
    #[serde(default)]
    pub discount_price: Option<Decimal>,
}

/// Converts every line, stopping at the first that needs attention.
pub fn plan_lines(lines: &[OrderLine], items: &ItemIndex) -> Result<Vec<PlannedLine>, Outcome> {
    if lines.is_empty() {
        return Err(Outcome::attention("the order has no lines"));
    }
    lines.iter().map(|line| plan_line(line, items)).collect()
}

/// True when two line lists would make the same Flourish order.
pub fn same_lines(a: &[PlannedLine], b: &[PlannedLine]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.sort();
    b.sort();
    a == b
}

fn plan_line(line: &OrderLine, items: &ItemIndex) -> Result<PlannedLine, Outcome> {
    let sku = SkuKey::new(&line.sku);
    if sku.is_empty() {
        return Err(Outcome::attention_fix(
            "an order line's product has no SKU",
            System::LeafLink,
            "give every product on the order a SKU matching its Flourish item",
        ));
    }
    check_item(&sku, line.product_id, items)?;
    let order_qty = eaches(line, &sku)?;
    let per_each = |price: Decimal| {
        (price / Decimal::from(line.unit_multiplier))
            .round_dp_with_strategy(PRICE_DP, RoundingStrategy::MidpointAwayFromZero)
            .normalize()
    };
    let discounted = line.list_price.filter(|list| *list > line.price);
    let unit_price = per_each(discounted.unwrap_or(line.price));
    let discount_price = discounted.map(|_| per_each(line.price));
    Ok(PlannedLine {
        sku: sku.as_str().to_owned(),
        lot_number: line
            .lot_number
            .as_deref()
            .and_then(lot_key)
            .map(str::to_owned),
        order_qty: order_qty.normalize(),
        unit_price,
        discount_price,
    })
}

fn check_item(sku: &SkuKey, product: Option<i64>, items: &ItemIndex) -> Result<(), Outcome> {
    let s = sku.as_str();
    let product = product.map_or_else(String::new, |id| format!(" (LeafLink product {id})"));
    match items.find(sku) {
        Lookup::One(_) => Ok(()),
        Lookup::Missing => Err(Outcome::attention_fix(
            format!("SKU \"{s}\" not found in Flourish"),
            System::Flourish,
            format!(
                "create an item with SKU `{s}` in Flourish, or set the SKU of the matching \
                 item to `{s}`{product}"
            ),
        )),
        Lookup::Many(ids) => Err(Outcome::attention_fix(
            format!(
                "SKU \"{s}\" matches {} Flourish items ({})",
                ids.len(),
                ids.join(", ")
            ),
            System::Flourish,
            format!("keep SKU `{s}` on one Flourish item only"),
        )),
    }
}

/// The line's quantity in eaches, checked against cases × units per case.
fn eaches(line: &OrderLine, sku: &SkuKey) -> Result<Decimal, Outcome> {
    let s = sku.as_str();
    if line.unit_multiplier < 1 {
        return Err(Outcome::attention(format!(
            "line for SKU \"{s}\" has units per case {}",
            line.unit_multiplier
        )));
    }
    // Without multiples `quantity` is already in eaches (and may be a fractional weight that
    // an integer `bulk_units` cannot express), so only case-sold lines are cross-checked.
    if line.unit_multiplier == 1 {
        return Ok(line.quantity);
    }
    let expected = line
        .bulk_units
        .map(|cases| Decimal::from(cases) * Decimal::from(line.unit_multiplier));
    match (line.bulk_units, expected) {
        (Some(_), Some(total)) if total == line.quantity => Ok(total),
        (cases, _) => Err(Outcome::attention_fix(
            format!(
                "line for SKU \"{s}\": quantity {} is not {} case(s) × {} per case",
                line.quantity.normalize(),
                cases.map_or("an unknown number of".to_owned(), |c| c.to_string()),
                line.unit_multiplier
            ),
            System::LeafLink,
            format!("correct the quantity of SKU `{s}` on the LeafLink order to whole cases"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::outcome::OutcomeKind;

    pub(crate) fn dec(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn line(sku: &str, qty: &str, cases: Option<i64>, per_case: i64, price: &str) -> OrderLine {
        OrderLine {
            product_id: Some(5150),
            sku: sku.into(),
            quantity: dec(qty),
            bulk_units: cases,
            unit_multiplier: per_case,
            price: dec(price),
            list_price: None,
            lot_number: None,
        }
    }

    fn items() -> ItemIndex {
        ItemIndex::new([
            ("151", "OGK-PR-1G"),
            ("152", "GG-1"),
            ("153", "DUP"),
            ("154", "DUP"),
        ])
    }

    #[test]
    fn one_case_of_ten_arrives_as_ten_eaches_at_a_tenth_of_the_price() {
        let got = plan_lines(
            &[line("OGK-PR-1G", "10.0000", Some(1), 10, "90.00")],
            &items(),
        );
        let got = got.unwrap();
        assert_eq!(got[0].order_qty, dec("10"));
        assert_eq!(got[0].unit_price, dec("9"));
    }

    #[test]
    fn quantity_that_is_not_whole_cases_needs_attention() {
        let err = plan_lines(&[line("OGK-PR-1G", "15", Some(1), 10, "90")], &items()).unwrap_err();
        assert_eq!(err.kind, OutcomeKind::NeedsAttention);
        assert_eq!(
            err.reason,
            "line for SKU \"OGK-PR-1G\": quantity 15 is not 1 case(s) × 10 per case"
        );
    }

    #[test]
    fn single_units_and_weights_pass_through_unchanged() {
        let got = plan_lines(&[line("GG-1", "3.5", Some(3), 1, "12.50")], &items()).unwrap();
        assert_eq!(
            (got[0].order_qty, got[0].unit_price),
            (dec("3.5"), dec("12.5"))
        );
    }

    #[test]
    fn per_each_price_is_rounded_to_four_places() {
        let got = plan_lines(&[line("GG-1", "3", Some(1), 3, "10")], &items()).unwrap();
        assert_eq!(got[0].unit_price, dec("3.3333"));
    }

    #[test]
    fn a_sale_priced_case_line_keeps_the_list_price_and_sends_the_sale_price_as_discount_price() {
        let mut sale = line("OGK-PR-1G", "20", Some(2), 10, "81.00");
        sale.list_price = Some(dec("90.00"));
        let got = plan_lines(&[sale], &items()).unwrap();
        assert_eq!(got[0].unit_price, dec("9"));
        assert_eq!(got[0].discount_price, Some(dec("8.1")));
    }

    #[test]
    fn a_list_price_not_above_the_charged_price_is_no_discount() {
        let mut same = line("GG-1", "2", Some(2), 1, "12.50");
        same.list_price = Some(dec("12.5"));
        let got = plan_lines(&[same], &items()).unwrap();
        assert_eq!(
            (got[0].unit_price, got[0].discount_price),
            (dec("12.5"), None)
        );
    }

    #[test]
    fn unknown_sku_needs_attention_naming_the_sku() {
        let err = plan_lines(&[line("NOPE-1", "1", Some(1), 1, "1")], &items()).unwrap_err();
        assert_eq!(err.reason, "SKU \"NOPE-1\" not found in Flourish");
        let fix = err.fix.unwrap();
        assert_eq!(fix.system, System::Flourish);
        assert!(
            fix.action.ends_with("`NOPE-1` (LeafLink product 5150)"),
            "{}",
            fix.action
        );
    }

    #[test]
    fn sku_held_by_two_items_needs_attention() {
        let err = plan_lines(&[line("DUP", "1", Some(1), 1, "1")], &items()).unwrap_err();
        assert!(err.reason.contains("2 Flourish items"), "{}", err.reason);
    }

    #[test]
    fn batch_becomes_the_lot_number() {
        let mut with_batch = line("GG-1", "1", Some(1), 1, "1");
        with_batch.lot_number = Some(" LOT-77 ".into());
        let got = plan_lines(&[with_batch], &items()).unwrap();
        assert_eq!(got[0].lot_number.as_deref(), Some("LOT-77"));
    }

    #[test]
    fn same_lines_ignores_line_order_and_decimal_scale() {
        let a = plan_lines(
            &[
                line("GG-1", "1", Some(1), 1, "2.50"),
                line("OGK-PR-1G", "10", Some(1), 10, "90"),
            ],
            &items(),
        )
        .unwrap();
        let b = plan_lines(
            &[
                line("OGK-PR-1G", "10.0000", Some(1), 10, "90.00"),
                line("GG-1", "1.0", Some(1), 1, "2.5"),
            ],
            &items(),
        )
        .unwrap();
        assert!(same_lines(&a, &b));
        assert!(!same_lines(&a, &b[..1]));
    }

    #[test]
    fn order_without_lines_needs_attention() {
        assert_eq!(
            plan_lines(&[], &items()).unwrap_err().kind,
            OutcomeKind::NeedsAttention
        );
    }
}
