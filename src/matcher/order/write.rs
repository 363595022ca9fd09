//! Flow A, step 6: create, update, move or leave the Flourish order.
//!
//! Flourish accepts line changes and cancellation only while nothing is allocated (`Created`),
//! so any change needed after that is reported rather than attempted.

use crate::matcher::customer::{NewDestination, customer_license};
use crate::matcher::outcome::{Outcome, System};

use super::money::{self, MoneyPlan, Reconciliation};
use super::{
    DestinationRef, FlourishStatus, LinkedOrder, OrderDraft, OrderInput, OrderPlan, OrderStep,
    PlannedLine, Route, same_lines,
};

/// The lines of an order with its money, as planned for Flourish.
pub(super) struct Planned {
    pub lines: Vec<PlannedLine>,
    pub money: MoneyPlan,
}

/// Chooses the writes once the order is routed and its lines and money converted.
pub(super) fn decide(
    input: &OrderInput<'_>,
    route: Route,
    planned: Planned,
) -> Result<OrderPlan, Outcome> {
    let Some(linked) = input.linked else {
        return create(input, route, planned, Vec::new());
    };
    let id = &linked.link.order_id;
    if linked.status == FlourishStatus::Cancelled {
        return Err(Outcome::attention(format!(
            "Flourish order {id} was cancelled in Flourish while the LeafLink order is still {}",
            input.order.status
        )));
    }
    if linked.link.facility_id != route.facility_id {
        return relocate(input, linked, route, planned);
    }
    let same_money = linked.adjustments.same(&planned.money.adjustments);
    // A term LeafLink no longer names is left as Flourish has it.
    let same_term = input
        .payment_term
        .is_none_or(|term| linked.payment_term.as_deref() == Some(term));
    let same = same_lines(&linked.lines, &planned.lines);
    if same && same_money && same_term {
        if let Some(outcome) = reconcile_linked(input, linked, &planned.money) {
            return Err(outcome);
        }
        return Err(Outcome::unchanged(format!(
            "Flourish order {id} already matches the LeafLink order"
        )));
    }
    if linked.status != FlourishStatus::Created {
        let why = if !same {
            "its lines changed on LeafLink"
        } else if !same_money {
            "its money (discount, tax, shipping or credits) changed on LeafLink"
        } else {
            "its payment term changed on LeafLink"
        };
        return Err(too_late(id, linked.status, why));
    }
    Ok(OrderPlan {
        order_number: input.order.number.clone(),
        steps: vec![OrderStep::UpdateLines {
            order_id: id.clone(),
            facility_id: linked.link.facility_id.clone(),
            lines: planned.lines,
            adjustments: planned.money.adjustments,
            payment_term: input.payment_term.map(str::to_owned),
        }],
    })
}

/// An order already in step may still not reconcile (LeafLink's total is not its parts, or
/// someone changed the Flourish order's money by hand).
fn reconcile_linked(
    input: &OrderInput<'_>,
    linked: &LinkedOrder,
    money: &MoneyPlan,
) -> Option<Outcome> {
    let flourish = money::flourish_parts(&linked.lines, &linked.adjustments);
    money::reconcile(Reconciliation {
        order_id: &linked.link.order_id,
        leaflink_total: input.order.money.total.unwrap_or(money.leaflink.total()),
        leaflink: &money.leaflink,
        flourish_total: linked.total.unwrap_or(flourish.total()),
        flourish: &flourish,
    })
}

/// The rep now routes elsewhere: cancel in the old facility, create in the new one.
fn relocate(
    input: &OrderInput<'_>,
    linked: &LinkedOrder,
    route: Route,
    planned: Planned,
) -> Result<OrderPlan, Outcome> {
    if linked.status != FlourishStatus::Created {
        let why = format!("the order now routes to facility {}", route.facility_id);
        return Err(too_late(&linked.link.order_id, linked.status, &why));
    }
    let cancel = OrderStep::CancelOrder {
        order_id: linked.link.order_id.clone(),
        facility_id: linked.link.facility_id.clone(),
    };
    create(input, route, planned, vec![cancel])
}

/// Appends the destination (when new), the order and the optional write-back to `steps`.
fn create(
    input: &OrderInput<'_>,
    route: Route,
    planned: Planned,
    mut steps: Vec<OrderStep>,
) -> Result<OrderPlan, Outcome> {
    let order = input.order;
    let destination = match input.destination {
        Some(dest) => DestinationRef::Existing {
            id: dest.id.clone(),
        },
        None => {
            let license = customer_license(&order.customer)?;
            let new = NewDestination::from_customer(&order.customer, &license);
            steps.push(OrderStep::CreateDestination(new));
            DestinationRef::Created
        }
    };
    steps.push(OrderStep::CreateOrder {
        facility_id: route.facility_id,
        draft: OrderDraft {
            original_order_id: order.number.clone(),
            destination,
            sales_rep_id: route.sales_rep_id,
            lines: planned.lines,
            adjustments: planned.money.adjustments,
        },
    });
    if let Some(key) = input.external_id_key {
        steps.push(OrderStep::WriteExternalId {
            key: key.to_owned(),
        });
    }
    Ok(OrderPlan {
        order_number: order.number.clone(),
        steps,
    })
}

fn too_late(order_id: &str, status: FlourishStatus, why: &str) -> Outcome {
    Outcome::attention_fix(
        format!(
            "Flourish order {order_id} is already {status}, so it cannot follow the LeafLink \
             order: {why}"
        ),
        System::Flourish,
        format!(
            "release the allocation of Flourish order {order_id} and resync, or edit it by hand"
        ),
    )
}
