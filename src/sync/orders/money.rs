//! Flow A's money on the wire: LeafLink's money fields read exactly, the matcher's discounts and
//! charges as Flourish entries and back, and the reconciliation of a written order read back.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::flourish::model::{MoneyEntry, OrderAdjustments, OutboundOrder};
use crate::jobs::JobError;
use crate::leaflink::model::{LineItem, OrderMoneyFields};
use crate::matcher::Outcome;
use crate::matcher::order::money::{self, Reconciliation};
use crate::matcher::order::{
    Adjustment, Adjustments, OrderDiscount, OrderLine, OrderMoney, OrderTax, PlannedLine,
};
use crate::sync::step::StepError;

use super::linked::from_f64;
use super::load::decimal;

/// The price the buyer was charged per sell unit (`sale_price` when the line is `on_sale`,
/// else `ordered_unit_price`) and, when that is below `ordered_unit_price`, the list price.
pub(crate) fn line_prices(item: &LineItem) -> Result<(Decimal, Option<Decimal>), JobError> {
    let list = decimal("line price", &item.ordered_unit_price.amount.0)?;
    if !item.on_sale {
        return Ok((list, None));
    }
    let sale = decimal("line sale price", &item.sale_price.amount.0)?;
    Ok((sale, (list > sale).then_some(list)))
}

/// LeafLink's order money in the matcher's terms. The tax is `final_tax` (dollars) when LeafLink
/// reports it, else `tax_amount` as dollars (`tax_type` `$`) or as a rate (`%`), else the sum of
/// the `order_taxes` rates.
pub(crate) fn order_money(fields: &OrderMoneyFields) -> Result<OrderMoney, JobError> {
    let read = |field: &str, value: &Option<crate::leaflink::model::Decimal>| {
        value
            .as_ref()
            .map(|v| decimal(field, &v.0))
            .transpose()
            .map(|v| v.filter(|d| !d.is_zero()))
    };
    let discount = read("discount", &fields.discount)?
        .map(|value| match kind(fields.discount_type.as_deref()) {
            Kind::Amount => Ok(OrderDiscount::Amount(value)),
            Kind::Percent => Ok(OrderDiscount::Percent(value)),
            Kind::Unknown(text) => Err(JobError::Permanent(format!(
                "LeafLink sent an unknown discount_type {text:?}"
            ))),
        })
        .transpose()?;
    let rates: Decimal = fields
        .order_taxes
        .iter()
        .filter_map(|tax| tax.rate.as_ref())
        .map(|rate| decimal("order tax rate", &rate.0))
        .sum::<Result<Decimal, JobError>>()?;
    let tax = match read("final_tax", &fields.final_tax)? {
        Some(dollars) => Some(OrderTax::Amount(dollars)),
        None => match read("tax_amount", &fields.tax_amount)? {
            Some(value) => Some(match kind(fields.tax_type.as_deref()) {
                Kind::Amount => OrderTax::Amount(value),
                Kind::Percent => OrderTax::Percent(value),
                Kind::Unknown(text) => {
                    return Err(JobError::Permanent(format!(
                        "LeafLink sent an unknown tax_type {text:?}"
                    )));
                }
            }),
            None => (!rates.is_zero()).then_some(OrderTax::Percent(rates)),
        },
    };
    let money_amount = |field: &str, value: Option<&crate::leaflink::model::Money>| {
        value.map_or(Ok(Decimal::ZERO), |m| decimal(field, &m.amount.0))
    };
    Ok(OrderMoney {
        discount,
        tax,
        shipping: money_amount("shipping charge", fields.shipping_charge.as_ref())?,
        credits: read("credits", &fields.credits)?.unwrap_or_default(),
        total: fields
            .total
            .as_ref()
            .map(|t| decimal("total", &t.amount.0))
            .transpose()?,
    })
}

enum Kind<'a> {
    Amount,
    Percent,
    Unknown(&'a str),
}

/// `%`/`percent` or `$`/`amount`; LeafLink's default is a percentage.
fn kind(text: Option<&str>) -> Kind<'_> {
    match text.map(str::trim) {
        None | Some("" | "%") => Kind::Percent,
        Some("$") => Kind::Amount,
        Some(other) if other.eq_ignore_ascii_case("percent") => Kind::Percent,
        Some(other) if other.eq_ignore_ascii_case("amount") => Kind::Amount,
        Some(other) => Kind::Unknown(other),
    }
}

/// The matcher's entries as Flourish takes them (numbers); one that is not a finite float fails
/// the job.
pub(super) fn to_flourish(adjustments: &Adjustments) -> Result<OrderAdjustments, StepError> {
    let list = |entries: &[Adjustment]| {
        entries
            .iter()
            .map(|entry| {
                let amount = entry
                    .amount
                    .to_f64()
                    .filter(|f| f.is_finite())
                    .ok_or_else(|| {
                        StepError::Job(JobError::Permanent(format!(
                            "the {} amount {} cannot be sent to Flourish",
                            entry.name, entry.amount
                        )))
                    })?;
                Ok(MoneyEntry {
                    name: entry.name.clone(),
                    amount,
                })
            })
            .collect::<Result<Vec<_>, StepError>>()
    };
    Ok(OrderAdjustments {
        pretax_discounts: list(&adjustments.pretax_discounts)?,
        charges: list(&adjustments.charges)?,
        discounts: list(&adjustments.discounts)?,
    })
}

/// A Flourish order's entries as the matcher compares them.
pub(super) fn from_flourish(adjustments: &OrderAdjustments) -> Adjustments {
    let list = |entries: &[MoneyEntry]| {
        entries
            .iter()
            .map(|entry| Adjustment {
                name: entry.name.trim().to_owned(),
                amount: from_f64(entry.amount),
            })
            .collect()
    };
    Adjustments {
        pretax_discounts: list(&adjustments.pretax_discounts),
        charges: list(&adjustments.charges),
        discounts: list(&adjustments.discounts),
    }
}

/// Flourish's `order_total`, when it reports one.
pub(super) fn flourish_total(order: &OutboundOrder) -> Option<Decimal> {
    order.order_total.map(from_f64)
}

/// Compares a Flourish order just written (read back) with the LeafLink order.
pub(super) fn reconcile_written(
    order: &OutboundOrder,
    lines: &[OrderLine],
    money: &OrderMoney,
    read_lines: &[PlannedLine],
) -> Option<Outcome> {
    let adjustments = from_flourish(&order.adjustments);
    let flourish = money::flourish_parts(read_lines, &adjustments);
    let plan = money::plan_money(lines, read_lines, money);
    money::reconcile(Reconciliation {
        order_id: &order.id,
        leaflink_total: money.total.unwrap_or(plan.leaflink.total()),
        leaflink: &plan.leaflink,
        flourish_total: flourish_total(order).unwrap_or(flourish.total()),
        flourish: &flourish,
    })
}
