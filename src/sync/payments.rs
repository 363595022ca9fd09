//! Flourish payment status → LeafLink order payments (part of the `flourish.order` job).
//!
//! A Flourish order `Paid` (or `Partially Paid` with `amount_paid`) is recorded on the linked
//! LeafLink order through `POST /order-payments/`, for the part not recorded yet and never more
//! than LeafLink's `payment_balance`. Idempotency: the key `paid:<Flourish order id>:<amount>` is
//! kept in the order link's `extra.payments` once written, and every payment leafbridge records
//! carries `[leafbridge <key>]` in its `reason`, so a payment whose link write was lost is found
//! on LeafLink and not recorded twice. LeafLink's API records payments but no refunds (its
//! document offers no way to record a negative payment or delete one), so `Refunded` and
//! `Partially Refunded` are attention.

use rust_decimal::Decimal;
use serde_json::json;

use crate::flourish::model::OutboundOrder;
use crate::jobs::JobError;
use crate::leaflink::model::{Money, NewOrderPayment, OrderReceived};
use crate::matcher::order::money::money;
use crate::matcher::{Outcome, System};
use crate::store::links::{Link, NewLink};
use crate::sync::cache::Freshness;
use crate::sync::step::refused;

use super::orders::{from_f64, parse_decimal};
use super::record::Writes;
use super::{SyncContext, record_link};

/// What the payment status asks of LeafLink.
enum Wanted {
    /// LeafLink should show this many dollars paid by leafbridge.
    Paid(Decimal),
    /// Needs a person.
    Attention(Outcome),
    /// Nothing.
    Nothing,
}

fn wanted(flourish: &OutboundOrder, order: &OrderReceived) -> Wanted {
    let id = &flourish.id;
    let number = &order.number;
    let status = flourish.order_payment_status.as_deref().map(str::trim);
    let total = order
        .money
        .total
        .as_ref()
        .and_then(|t| parse_decimal(&t.amount.0).ok());
    match status {
        Some("Paid") => match flourish.amount_paid.map(from_f64).or(total) {
            Some(amount) => Wanted::Paid(amount),
            None => Wanted::Attention(Outcome::attention(format!(
                "Flourish order {id} is Paid but neither it nor LeafLink order {number} says how much"
            ))),
        },
        Some("Partially Paid") => match flourish.amount_paid.map(from_f64) {
            Some(amount) => Wanted::Paid(amount),
            None => Wanted::Attention(Outcome::attention_fix(
                format!("Flourish order {id} is Partially Paid but does not say how much"),
                System::LeafLink,
                format!("record the payment on LeafLink order {number} by hand"),
            )),
        },
        Some(refund @ ("Refunded" | "Partially Refunded")) => {
            Wanted::Attention(Outcome::attention_fix(
                format!(
                    "Flourish order {id} is {refund}; LeafLink's API records payments but no refunds"
                ),
                System::LeafLink,
                format!("record the refund on LeafLink order {number} by hand"),
            ))
        }
        _ => Wanted::Nothing,
    }
}

/// Records the payment the Flourish order's status asks for, once: the outcome, or `None` when
/// there was nothing to record.
pub(super) async fn sync_payment(
    context: &SyncContext,
    flourish: &OutboundOrder,
    link: &Link,
    order: &OrderReceived,
    writes: &mut Writes,
) -> Result<Option<Outcome>, JobError> {
    let target = match wanted(flourish, order) {
        Wanted::Paid(amount) => amount,
        Wanted::Attention(outcome) => return Ok(Some(outcome)),
        Wanted::Nothing => return Ok(None),
    };
    let key = format!("paid:{}:{}", flourish.id, target.normalize());
    let known = link
        .extra
        .as_ref()
        .and_then(|e| e["payments"].as_array())
        .is_some_and(|keys| keys.iter().any(|k| k == &json!(key)));
    if known {
        return Ok(None);
    }
    let number = &order.number;
    let recorded: Decimal = context
        .leaflink
        .order_payments(number)
        .await?
        .iter()
        .filter(|p| {
            p.reason
                .as_deref()
                .is_some_and(|r| r.contains("[leafbridge "))
        })
        .filter_map(|p| parse_decimal(&p.total.amount.0).ok())
        .sum();
    let balance = order
        .money
        .payment_balance
        .as_ref()
        .and_then(|b| parse_decimal(&b.0).ok());
    let mut amount = target - recorded;
    if let Some(balance) = balance {
        amount = amount.min(balance);
    }
    let amount = amount.round_dp(2);
    let mut summary = None;
    if amount > Decimal::ZERO {
        let Some(recorded_by) = recorder(context, order).await? else {
            return Ok(Some(Outcome::attention(format!(
                "no LeafLink company staff to record the payment of LeafLink order {number} under"
            ))));
        };
        let payment = NewOrderPayment {
            order: number.clone(),
            recorded_by,
            total: Money::usd(&format!("{amount:.2}")),
            payment_date: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            reason: Some(format!(
                "Recorded in Flourish order {} ({}) [leafbridge {key}]",
                flourish.id,
                flourish.order_payment_status.as_deref().unwrap_or_default()
            )),
            payment_type: Some("other".to_owned()),
        };
        if let Err(error) = context.leaflink.create_order_payment(&payment).await {
            return refused(error.into()).map(Some);
        }
        writes.push("leaflink", "create_order_payment", Some(number.clone()));
        summary = Some(format!(
            "record a payment of {} on LeafLink order {number}",
            money(amount)
        ));
    }
    remember(context, link, &key).await?;
    Ok(summary.map(Outcome::synced))
}

/// The staff member a payment is recorded under: the order's first sales rep, else the first
/// company staff member.
async fn recorder(context: &SyncContext, order: &OrderReceived) -> Result<Option<i64>, JobError> {
    if let Some(rep) = order.sales_reps.first() {
        return Ok(Some(rep.id));
    }
    let staff = context.company_staff(Freshness::SHARED).await?;
    Ok(staff.first().map(|s| s.id))
}

/// Adds `key` to the link's `extra.payments`.
async fn remember(context: &SyncContext, link: &Link, key: &str) -> Result<(), JobError> {
    let mut extra = link.extra.clone().unwrap_or_else(|| json!({}));
    let mut keys = extra["payments"].as_array().cloned().unwrap_or_default();
    keys.push(json!(key));
    extra["payments"] = json!(keys);
    let new = NewLink {
        kind: link.kind,
        key: &link.key,
        remote_id: &link.remote_id,
        extra: Some(extra),
        pinned: link.pinned,
    };
    record_link(context, &new).await
}
