//! Flow A's money: LeafLink's order discount, tax, shipping and credits as Flourish outbound-order
//! `pretax_discounts`, `charges` and `discounts`, such that the total Flourish computes equals the
//! total LeafLink charges, and the check that the two totals reconcile.
//!
//! **Decision (Flourish order money):** Flourish's public material names `discounts`,
//! `pretax_discounts` and `charges` on outbound orders but not their entries. leafbridge sends each
//! entry as `{"name": <text>, "amount": <dollars, a number ≥ 0 with at most two decimals>}` and
//! nothing else, and reads the order's `order_total` back. Flourish's total is
//! `Σ lines − Σ pretax_discounts + Σ charges − Σ discounts`, where a line is worth
//! `order_qty × (discount_price, else unit_price)` rounded half away from zero to the cent. The
//! entry names leafbridge writes are fixed: pre-tax discount `Discount` (LeafLink's `discount`,
//! a percentage already turned into dollars), charges `Shipping` (`shipping_charge`) and `Tax`
//! (the order's tax in dollars), discount `Credits` (LeafLink's `credits`, applied after tax).
//!
//! **Rounding rule:** LeafLink prices a line per sell unit (a case, for case products) and the
//! line is worth `cases × price` rounded to the cent. Flourish prices per each, so the per-each
//! price is the case price ÷ units per case, rounded half away from zero to four places; the
//! cents this loses or gains over the whole order go to one `Rounding` entry — a charge when
//! Flourish's lines come to less than LeafLink's, a pre-tax discount when they come to more — so
//! the totals are equal to the cent. Percent discounts and percent taxes are rounded half away
//! from zero to the cent once, on the order; a percent tax is taken of the lines less the
//! discount (never of less than nothing).

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::lines::{OrderLine, PlannedLine};
use crate::matcher::outcome::{Outcome, System};

/// Name of the pre-tax discount carrying LeafLink's order discount.
pub const DISCOUNT: &str = "Discount";
/// Name of the charge carrying LeafLink's shipping charge.
pub const SHIPPING: &str = "Shipping";
/// Name of the charge carrying the order's tax.
pub const TAX: &str = "Tax";
/// Name of the after-tax discount carrying LeafLink's credits.
pub const CREDITS: &str = "Credits";
/// Name of the entry holding the cents lost or gained converting case prices to per-each ones.
pub const ROUNDING: &str = "Rounding";

/// The largest difference between two totals that still reconciles.
pub fn tolerance() -> Decimal {
    Decimal::new(1, 2)
}

/// Rounds half away from zero to the cent.
pub fn cents(value: Decimal) -> Decimal {
    value
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// LeafLink's order discount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum OrderDiscount {
    /// Dollars off the lines.
    Amount(Decimal),
    /// Percent off the lines.
    Percent(Decimal),
}

/// LeafLink's order tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum OrderTax {
    /// Dollars, as LeafLink totals it (`final_tax`).
    Amount(Decimal),
    /// A rate in percent of the discounted lines (`tax_amount` with `tax_type` `%`).
    Percent(Decimal),
}

/// The money of a LeafLink order beyond its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct OrderMoney {
    /// Order-level discount.
    pub discount: Option<OrderDiscount>,
    /// Tax.
    pub tax: Option<OrderTax>,
    /// Shipping charge in dollars.
    pub shipping: Decimal,
    /// Credits applied to the order, in dollars.
    pub credits: Decimal,
    /// LeafLink's `total`, when it reports one.
    pub total: Option<Decimal>,
}

/// One entry of Flourish's `discounts`, `pretax_discounts` or `charges`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Adjustment {
    /// One of the fixed names above.
    pub name: String,
    /// Dollars, never negative.
    pub amount: Decimal,
}

impl Adjustment {
    fn new(name: &str, amount: Decimal) -> Self {
        Self {
            name: name.to_owned(),
            amount: amount.normalize(),
        }
    }
}

/// The money of a Flourish outbound order beyond its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Adjustments {
    /// Taken off before tax.
    #[serde(default)]
    pub pretax_discounts: Vec<Adjustment>,
    /// Added.
    #[serde(default)]
    pub charges: Vec<Adjustment>,
    /// Taken off after tax.
    #[serde(default)]
    pub discounts: Vec<Adjustment>,
}

impl Adjustments {
    /// True when both would give the same Flourish order, regardless of entry order and scale.
    pub fn same(&self, other: &Self) -> bool {
        let sorted = |list: &[Adjustment]| {
            let mut list: Vec<Adjustment> = list
                .iter()
                .map(|a| Adjustment::new(&a.name, a.amount))
                .collect();
            list.sort();
            list
        };
        sorted(&self.pretax_discounts) == sorted(&other.pretax_discounts)
            && sorted(&self.charges) == sorted(&other.charges)
            && sorted(&self.discounts) == sorted(&other.discounts)
    }
}

/// An order's total split the way a bookkeeper compares two invoices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Parts {
    /// Lines after sale prices and line discounts.
    pub lines: Decimal,
    /// Order discount.
    pub discount: Decimal,
    /// Tax.
    pub tax: Decimal,
    /// Shipping.
    pub shipping: Decimal,
    /// Credits, after tax.
    pub credits: Decimal,
    /// Anything else (entries leafbridge did not write).
    pub other: Decimal,
}

impl Parts {
    /// The total these parts make.
    pub fn total(&self) -> Decimal {
        self.lines - self.discount + self.tax + self.shipping - self.credits + self.other
    }

    /// The names of the parts that differ by more than a cent, with both figures.
    fn differences(&self, flourish: &Self) -> Vec<String> {
        let pairs = [
            ("lines", self.lines, flourish.lines),
            ("discount", self.discount, flourish.discount),
            ("tax", self.tax, flourish.tax),
            ("shipping", self.shipping, flourish.shipping),
            ("credits", self.credits, flourish.credits),
            ("other charges", self.other, flourish.other),
        ];
        pairs
            .into_iter()
            .filter(|(_, a, b)| (*a - *b).abs() > tolerance())
            .map(|(name, a, b)| {
                format!("{name} {} on LeafLink, {} on Flourish", money(a), money(b))
            })
            .collect()
    }
}

/// What LeafLink charges and what leafbridge sends Flourish for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoneyPlan {
    /// LeafLink's parts, computed from its lines and order fields.
    pub leaflink: Parts,
    /// The Flourish entries.
    pub adjustments: Adjustments,
}

/// A LeafLink line's worth: whole sell units × the price charged per sell unit, to the cent.
pub fn leaflink_line_amount(line: &OrderLine) -> Decimal {
    let per = Decimal::from(line.unit_multiplier.max(1));
    cents(line.quantity / per * line.price)
}

/// A Flourish line's worth as the Decision states it.
pub fn flourish_line_amount(line: &PlannedLine) -> Decimal {
    cents(line.order_qty * line.discount_price.unwrap_or(line.unit_price))
}

/// Plans the Flourish entries for `money` given the LeafLink lines and their Flourish form.
pub fn plan_money(lines: &[OrderLine], planned: &[PlannedLine], money: &OrderMoney) -> MoneyPlan {
    let subtotal: Decimal = lines.iter().map(leaflink_line_amount).sum();
    let sent: Decimal = planned.iter().map(flourish_line_amount).sum();
    let discount = match money.discount {
        Some(OrderDiscount::Amount(dollars)) => cents(dollars),
        Some(OrderDiscount::Percent(rate)) => cents(subtotal * rate / Decimal::ONE_HUNDRED),
        None => Decimal::ZERO,
    };
    let tax = match money.tax {
        Some(OrderTax::Amount(dollars)) => cents(dollars),
        Some(OrderTax::Percent(rate)) => {
            let base = (subtotal - discount).max(Decimal::ZERO);
            cents(base * rate / Decimal::ONE_HUNDRED)
        }
        None => Decimal::ZERO,
    };
    let leaflink = Parts {
        lines: subtotal,
        discount,
        tax,
        shipping: cents(money.shipping),
        credits: cents(money.credits),
        other: Decimal::ZERO,
    };
    let mut adjustments = Adjustments::default();
    let rounding = subtotal - sent;
    if rounding > Decimal::ZERO {
        adjustments
            .charges
            .push(Adjustment::new(ROUNDING, rounding));
    } else if rounding < Decimal::ZERO {
        adjustments
            .pretax_discounts
            .push(Adjustment::new(ROUNDING, -rounding));
    }
    let mut add = |list: fn(&mut Adjustments) -> &mut Vec<Adjustment>, name, amount: Decimal| {
        if !amount.is_zero() {
            list(&mut adjustments).push(Adjustment::new(name, amount));
        }
    };
    add(|a| &mut a.pretax_discounts, DISCOUNT, leaflink.discount);
    add(|a| &mut a.charges, SHIPPING, leaflink.shipping);
    add(|a| &mut a.charges, TAX, leaflink.tax);
    add(|a| &mut a.discounts, CREDITS, leaflink.credits);
    MoneyPlan {
        leaflink,
        adjustments,
    }
}

/// A Flourish order's parts: its lines with the rounding entry, and each named entry.
pub fn flourish_parts(lines: &[PlannedLine], adjustments: &Adjustments) -> Parts {
    let mut parts = Parts {
        lines: lines.iter().map(flourish_line_amount).sum(),
        ..Parts::default()
    };
    for entry in &adjustments.pretax_discounts {
        match entry.name.as_str() {
            ROUNDING => parts.lines -= entry.amount,
            DISCOUNT => parts.discount += entry.amount,
            _ => parts.other -= entry.amount,
        }
    }
    for entry in &adjustments.charges {
        match entry.name.as_str() {
            ROUNDING => parts.lines += entry.amount,
            SHIPPING => parts.shipping += entry.amount,
            TAX => parts.tax += entry.amount,
            _ => parts.other += entry.amount,
        }
    }
    for entry in &adjustments.discounts {
        match entry.name.as_str() {
            CREDITS => parts.credits += entry.amount,
            _ => parts.other -= entry.amount,
        }
    }
    parts
}

/// The total Flourish computes for an order, as the Decision states it.
pub fn flourish_total(lines: &[PlannedLine], adjustments: &Adjustments) -> Decimal {
    flourish_parts(lines, adjustments).total()
}

/// Two totals to compare: LeafLink's and Flourish's, each with its parts.
#[derive(Debug, Clone, Copy)]
pub struct Reconciliation<'a> {
    /// The Flourish order id, named in the outcome.
    pub order_id: &'a str,
    /// LeafLink's `total` (its parts' sum when it reports none).
    pub leaflink_total: Decimal,
    /// LeafLink's parts.
    pub leaflink: &'a Parts,
    /// Flourish's `order_total` (its parts' sum when it reports none).
    pub flourish_total: Decimal,
    /// Flourish's parts.
    pub flourish: &'a Parts,
}

/// `None` when the totals agree to the cent; otherwise `needs_attention` with both figures and
/// the parts that differ.
pub fn reconcile(check: Reconciliation<'_>) -> Option<Outcome> {
    let gap = (check.leaflink_total - check.flourish_total).abs();
    let own_gap = (check.leaflink_total - check.leaflink.total()).abs();
    if gap <= tolerance() && own_gap <= tolerance() {
        return None;
    }
    let id = check.order_id;
    let mut parts = check.leaflink.differences(check.flourish);
    if own_gap > tolerance() {
        parts.push(format!(
            "LeafLink's total is not the sum of its parts ({})",
            money(check.leaflink.total())
        ));
    }
    let parts = if parts.is_empty() {
        format!(
            "Flourish's total is not the sum of its parts ({})",
            money(check.flourish.total())
        )
    } else {
        parts.join("; ")
    };
    Some(Outcome::attention_fix(
        format!(
            "totals do not reconcile: LeafLink {}, Flourish order {id} {}; differs in {parts}",
            money(check.leaflink_total),
            money(check.flourish_total),
        ),
        System::LeafLink,
        format!(
            "correct the LeafLink order's prices, discount, tax or shipping (or Flourish order \
             {id}) so both come to the same total, then resync"
        ),
    ))
}

/// Dollars as a bookkeeper writes them: `$1,234.50` without the thousands separator.
pub fn money(value: Decimal) -> String {
    let rounded = cents(value);
    let sign = if rounded.is_sign_negative() && !rounded.is_zero() {
        "-"
    } else {
        ""
    };
    format!("{sign}${:.2}", rounded.abs())
}

#[cfg(test)]
mod tests;
