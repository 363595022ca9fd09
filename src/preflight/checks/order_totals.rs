//! Order totals: open LeafLink orders whose money would not reconcile in Flourish. What
//! leafbridge would send (lines in eaches, the discount, tax, shipping and credits entries of
//! the README's Decision) is totalled the way Flourish totals it and compared with LeafLink's
//! `total`; beyond one cent, sync would write the order and report it as `needs_attention`.

use std::collections::HashMap;

use super::Context;
use crate::leaflink::model as ll;
use crate::matcher::order::money::{flourish_total, money, plan_money, tolerance};
use crate::matcher::order::{OrderLine, plan_lines};
use crate::preflight::finding::{Finding, RecordId, RecordRef, Severity, Side};
use crate::sync::orders::{line_prices, order_money, parse_decimal};

/// One finding per open order whose totals would not reconcile. Orders whose lines sync could
/// not place (a SKU without an item, an unreadable figure) are left to the checks that name
/// those problems.
pub fn check(cx: &Context<'_>) -> Vec<Finding> {
    let skus: HashMap<i64, &str> = cx
        .snapshot
        .leaflink
        .products
        .iter()
        .map(|p| (p.id, p.sku.as_str()))
        .collect();
    cx.snapshot
        .leaflink
        .orders
        .iter()
        .filter_map(|order| finding(cx, &skus, order))
        .collect()
}

fn finding(
    cx: &Context<'_>,
    skus: &HashMap<i64, &str>,
    order: &ll::OrderReceived,
) -> Option<Finding> {
    let items = order.line_items.as_ref()?;
    let lines = items
        .iter()
        .map(|item| line(skus, item))
        .collect::<Option<Vec<_>>>()?;
    let planned = plan_lines(&lines, &cx.items).ok()?;
    let fields = order_money(&order.money).ok()?;
    let plan = plan_money(&lines, &planned, &fields);
    let flourish = flourish_total(&planned, &plan.adjustments);
    let leaflink = fields.total.unwrap_or(plan.leaflink.total());
    if (leaflink - flourish).abs() <= tolerance() {
        return None;
    }
    let parts = plan.leaflink;
    let short = short_id(order);
    Some(
        Finding::new(
            "order_total_would_not_reconcile",
            Severity::Warning,
            format!(
                "LeafLink order {short} totals {}, but what leafbridge would send Flourish comes \
                 to {} (lines {}, discount {}, tax {}, shipping {}, credits {}); the order would \
                 be written and need attention",
                money(leaflink),
                money(flourish),
                money(parts.lines),
                money(parts.discount),
                money(parts.tax),
                money(parts.shipping),
                money(parts.credits),
            ),
        )
        .with([RecordRef {
            side: Side::Leaflink,
            kind: "order".to_owned(),
            id: RecordId::Text(order.number.clone()),
            key: short,
        }])
        .fix(
            Side::Leaflink,
            "correct the order's prices, discount, tax or shipping in LeafLink so that its total \
             is the sum of its parts",
        ),
    )
}

/// The line as sync reads it, with the product's SKU; `None` when a figure is unreadable.
fn line(skus: &HashMap<i64, &str>, item: &ll::LineItem) -> Option<OrderLine> {
    let (price, list_price) = line_prices(item).ok()?;
    Some(OrderLine {
        product_id: Some(item.product),
        sku: skus
            .get(&item.product)
            .map(|s| (*s).to_owned())
            .unwrap_or_default(),
        quantity: parse_decimal(&item.quantity.0).ok()?,
        bulk_units: item.bulk_units,
        unit_multiplier: item.unit_multiplier,
        price,
        list_price,
        lot_number: None,
    })
}

fn short_id(order: &ll::OrderReceived) -> String {
    if order.short_id.is_empty() {
        order.number.clone()
    } else {
        order.short_id.clone()
    }
}
