//! The order link: the Flourish order a LeafLink order is linked to, as the matcher compares it
//! (through the stored link, or else found by `original_order_id` when a create's answer was
//! lost), and the writes that record or move the link.

use chrono::{Duration, Utc};
use rust_decimal::Decimal;
use serde_json::json;

use crate::flourish::OrderFilter;
use crate::flourish::model::{
    OrderLine as FlourishLine, OrderStatus as FlourishOrderStatus, OutboundOrder,
};
use crate::jobs::JobError;
use crate::leaflink::model::OrderReceived;
use crate::matcher::order::adoption::{Identified, OrderFacts, identifies};
use crate::matcher::order::{FlourishStatus, LinkedOrder, PlannedLine};
use crate::matcher::{OrderLink, Outcome};
use crate::remote::ClientError;
use crate::store::links::{self, Link, LinkKind, NewLink};
use crate::sync::SyncContext;
use crate::sync::{record_link, store_error};

use super::load::{Loaded, parse_decimal};

/// The Flourish order id a `flourish.order` job is about: its entity id, or, for a webhook that
/// carried only `original_order_id` (`number:<LeafLink order number>`), the Flourish order
/// linked to that LeafLink order. An unlinked number is ignored: leafbridge made no such order.
pub(crate) async fn flourish_order_id(
    context: &SyncContext,
    entity_id: &str,
) -> Result<Result<String, Outcome>, JobError> {
    let Some(number) = entity_id.strip_prefix(crate::envelope::BY_ORDER_NUMBER) else {
        return Ok(Ok(entity_id.to_owned()));
    };
    let link = links::get(
        &context.db.pool,
        &context.connection,
        LinkKind::Order,
        number,
    )
    .await
    .map_err(store_error)?;
    Ok(match link {
        Some(link) => Ok(link.remote_id),
        None => Err(Outcome::ignored(format!(
            "no Flourish order is linked to LeafLink order {number}"
        ))),
    })
}

/// The Flourish order the LeafLink order is linked to; without a link, a live Flourish order
/// already carrying the number as `original_order_id` (a create whose answer was lost). With
/// `listing` (a resync's listing of every Flourish order) both are looked for there first.
pub(super) async fn linked_order(
    context: &SyncContext,
    order: &OrderReceived,
    listing: Option<&[OutboundOrder]>,
) -> Result<Found, JobError> {
    let link = links::get(
        &context.db.pool,
        &context.connection,
        LinkKind::Order,
        &order.number,
    )
    .await
    .map_err(store_error)?;
    if let Some(link) = link {
        // The order left LeafLink once and its link was closed: nothing is adopted again.
        if link.is_closed() {
            return Ok(Found::default());
        }
        let listed = listing.and_then(|all| all.iter().find(|o| o.id == link.remote_id));
        let linked = match listed {
            Some(found) => Some(to_linked(found, Some(&link))),
            None => read_linked(context, &link).await?,
        };
        // A move interrupted after cancelling the old order: the old one no longer counts.
        let moving = super::is_moving(&link);
        if !(moving && linked.as_ref().is_some_and(cancelled)) {
            return Ok(Found {
                linked,
                ..Found::default()
            });
        }
    }
    // Clocks differ between platforms: look a day further back than the order's creation.
    let existing = match listing {
        Some(all) => all.to_vec(),
        None => {
            let filter = OrderFilter {
                order_status: None,
                updated_since: Some(order.created_on.with_timezone(&Utc) - Duration::days(1)),
            };
            context.flourish.list_outbound_orders(&filter).await?
        }
    };
    let adopted = existing
        .iter()
        .filter(|o| o.original_order_id.as_deref() == Some(order.number.as_str()))
        .map(|o| to_linked(o, None))
        .find(|o| !cancelled(o));
    let adopted_by = adopted.as_ref().map(|_| Identified::OriginalOrderId);
    Ok(Found {
        linked: adopted,
        adopted: adopted_by,
        candidates: existing,
    })
}

/// The linked order, how it was found when not through a stored link, and the Flourish orders
/// listed to look for it (empty when a stored link answered).
#[derive(Default)]
pub(super) struct Found {
    pub linked: Option<LinkedOrder>,
    pub adopted: Option<Identified>,
    pub candidates: Vec<OutboundOrder>,
}

/// Adopts a Flourish order keyed by hand for this LeafLink order, when one is found among
/// `candidates`: never one leafbridge made for another order, nor one linked to another order.
pub(super) async fn find_keyed_by_hand(
    context: &SyncContext,
    order: &OrderReceived,
    loaded: &mut Loaded,
    candidates: Vec<OutboundOrder>,
) -> Result<(), JobError> {
    let number = order.number.trim();
    let mut candidates: Vec<OutboundOrder> = candidates
        .into_iter()
        .filter(|c| {
            c.original_order_id
                .as_deref()
                .map(str::trim)
                .is_none_or(|n| n.is_empty() || n.eq_ignore_ascii_case(number))
        })
        .collect();
    while let Some((linked, how)) = keyed_by_hand(order, loaded, &candidates) {
        let id = linked.link.order_id.clone();
        let taken = links::by_remote(&context.db.pool, &context.connection, LinkKind::Order, &id)
            .await
            .map_err(store_error)?;
        if taken.is_some_and(|link| link.key != order.number) {
            candidates.retain(|c| c.id != id);
            continue;
        }
        loaded.linked = Some(linked);
        loaded.adopted = Some(how);
        break;
    }
    Ok(())
}

/// A Flourish order keyed by hand that is this LeafLink order (notes naming the number, or the
/// same destination, date and lines), among `candidates` not cancelled.
fn keyed_by_hand(
    order: &OrderReceived,
    loaded: &Loaded,
    candidates: &[OutboundOrder],
) -> Option<(LinkedOrder, Identified)> {
    let facts = OrderFacts {
        number: Some(order.number.clone()),
        notes: Vec::new(),
        destination_id: loaded.destination.as_ref().map(|d| d.id.clone()),
        date: Some(order.created_on.date_naive().to_string()),
        lines: loaded
            .order
            .lines
            .iter()
            .map(|l| (l.sku.clone(), l.quantity))
            .collect(),
    };
    candidates.iter().find_map(|candidate| {
        let linked = to_linked(candidate, None);
        if cancelled(&linked) {
            return None;
        }
        let keyed = OrderFacts {
            number: candidate.original_order_id.clone(),
            notes: candidate
                .notes
                .iter()
                .map(|n| format!("{} {}", n.subject, n.note))
                .collect(),
            destination_id: candidate.destination.as_ref().map(|d| d.id.clone()),
            date: candidate
                .order_timestamp
                .as_deref()
                .and_then(|t| t.get(..10))
                .map(str::to_owned),
            lines: candidate
                .order_lines
                .iter()
                .map(|l| (l.sku.clone(), from_f64(l.order_qty)))
                .collect(),
        };
        identifies(&facts, &keyed).map(|how| (linked, how))
    })
}

/// The Flourish order an open stored link leads to, for an order LeafLink no longer has (no
/// search by `original_order_id`: an order never linked was never leafbridge's to close).
pub(super) async fn linked_by_number(
    context: &SyncContext,
    number: &str,
) -> Result<Option<LinkedOrder>, JobError> {
    let link = links::get(
        &context.db.pool,
        &context.connection,
        LinkKind::Order,
        number,
    )
    .await
    .map_err(store_error)?;
    match link {
        Some(link) if !link.is_closed() => read_linked(context, &link).await,
        _ => Ok(None),
    }
}

/// The linked Flourish order as Flourish reports it now; `None` when Flourish has no such order.
async fn read_linked(context: &SyncContext, link: &Link) -> Result<Option<LinkedOrder>, JobError> {
    match context.flourish.get_outbound_order(&link.remote_id).await {
        Ok(found) => Ok(Some(to_linked(&found, Some(link)))),
        Err(ClientError::NotFound { .. }) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

fn cancelled(order: &LinkedOrder) -> bool {
    order.status == FlourishStatus::Cancelled
}

/// A Flourish order as the matcher compares it; the facility comes from the link when Flourish
/// does not say.
fn to_linked(order: &OutboundOrder, link: Option<&Link>) -> LinkedOrder {
    let facility = order.facility_id.clone().or_else(|| {
        link.and_then(|l| l.extra.as_ref())
            .and_then(|e| e["facility_id"].as_str().map(str::to_owned))
    });
    LinkedOrder {
        link: OrderLink {
            order_id: order.id.clone(),
            facility_id: facility.unwrap_or_default(),
        },
        status: flourish_status(&order.order_status),
        lines: order.order_lines.iter().map(planned_line).collect(),
        adjustments: super::money::from_flourish(&order.adjustments),
        total: super::money::flourish_total(order),
        payment_term: order.payment_term.as_ref().map(|term| term.id.clone()),
    }
}

/// Flourish's status; one this version does not know is treated as past `Created`, so the
/// order is never changed blindly.
pub(crate) fn flourish_status(status: &FlourishOrderStatus) -> FlourishStatus {
    use FlourishOrderStatus as S;
    match status {
        S::Created => FlourishStatus::Created,
        S::PartiallyAllocated => FlourishStatus::PartiallyAllocated,
        S::Allocated | S::Unknown(_) => FlourishStatus::Allocated,
        S::Shipped => FlourishStatus::Shipped,
        S::Completed => FlourishStatus::Completed,
        S::Cancelled => FlourishStatus::Cancelled,
    }
}

pub(super) fn planned_line(line: &FlourishLine) -> PlannedLine {
    PlannedLine {
        sku: line.sku.trim().to_owned(),
        lot_number: line.lot_number.clone().filter(|l| !l.trim().is_empty()),
        order_qty: from_f64(line.order_qty),
        unit_price: from_f64(line.unit_price.unwrap_or(0.0)),
        discount_price: line.discount_price.map(from_f64),
    }
}

/// Shortest decimal that prints as the float does (Flourish sends amounts as JSON numbers).
/// Only read for comparison: a number beyond a decimal's range compares as zero, which differs
/// from any planned line, so the plan rewrites the line with LeafLink's figures.
pub(crate) fn from_f64(value: f64) -> Decimal {
    parse_decimal(&value.to_string()).unwrap_or(Decimal::ZERO)
}

/// Records the link to a Flourish order found by `original_order_id`.
pub(super) async fn adopt(context: &SyncContext, loaded: &Loaded) -> Result<(), JobError> {
    let Some(linked) = &loaded.linked else {
        return Ok(());
    };
    let facility = &linked.link.facility_id;
    link_order(
        context,
        &loaded.order.number,
        &linked.link.order_id,
        facility,
    )
    .await
}

/// Records LeafLink order number → Flourish order and facility.
pub(super) async fn link_order(
    context: &SyncContext,
    number: &str,
    order_id: &str,
    facility_id: &str,
) -> Result<(), JobError> {
    upsert_order_link(
        context,
        number,
        order_id,
        json!({"facility_id": facility_id}),
    )
    .await
}

/// Marks the link before the old order is cancelled: if the job stops between the cancel and
/// the create, the next run creates the order instead of reporting a cancelled one, and the
/// status flow does not take the cancellation for the customer's.
pub(super) async fn mark_moving(
    context: &SyncContext,
    number: &str,
    order_id: &str,
    facility_id: &str,
) -> Result<(), JobError> {
    let extra = json!({"facility_id": facility_id, "moving": true});
    upsert_order_link(context, number, order_id, extra).await
}

async fn upsert_order_link(
    context: &SyncContext,
    number: &str,
    order_id: &str,
    extra: serde_json::Value,
) -> Result<(), JobError> {
    let link = NewLink {
        kind: LinkKind::Order,
        key: number,
        remote_id: order_id,
        extra: Some(extra),
        pinned: false,
    };
    record_link(context, &link).await?;
    Ok(())
}

/// Closes the order link of LeafLink order `number` (kept as history, see
/// [`Link::is_closed`]), keeping what it recorded (facility, payments).
pub(super) async fn close_link(
    context: &SyncContext,
    number: &str,
    reason: &str,
) -> Result<(), JobError> {
    let link = links::get(
        &context.db.pool,
        &context.connection,
        LinkKind::Order,
        number,
    )
    .await
    .map_err(store_error)?;
    let Some(link) = link.filter(|link| !link.is_closed()) else {
        return Ok(());
    };
    let mut extra = match link.extra.clone() {
        Some(extra @ serde_json::Value::Object(_)) => extra,
        _ => json!({}),
    };
    extra["closed"] = json!({"at": crate::store::now_ms(), "reason": reason});
    let closed = NewLink {
        kind: link.kind,
        key: &link.key,
        remote_id: &link.remote_id,
        extra: Some(extra),
        pinned: link.pinned,
    };
    record_link(context, &closed).await
}
