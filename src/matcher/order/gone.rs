//! Flow A for an order that leaves LeafLink: deleted (its re-read answers 404; LeafLink's
//! document allows deleting only drafts) or combined into another order (status `Combined`; the
//! combination is a new order, `is_combination`, that arrives like any other).
//!
//! The order link closes and is kept as history. The entry leafbridge wrote in the order's
//! `external_ids` is removed while the order still exists. The Flourish order is cancelled while
//! it is `Created`, as a cancellation is; once allocated it is left as it is, and a person is
//! told, since its goods may now also be on the combination's order.

use super::{FlourishStatus, LeafLinkOrder, LeafLinkStatus, LinkedOrder, OrderInput, OrderPlan};
use super::{OrderStep, Outcome, System};

/// The writes for a linked order that left LeafLink.
pub(super) fn close(input: &OrderInput<'_>, linked: &LinkedOrder) -> Result<OrderPlan, Outcome> {
    let order = input.order;
    let id = &linked.link.order_id;
    let mut steps = Vec::new();
    if linked.status == FlourishStatus::Created {
        steps.push(OrderStep::CancelOrder {
            order_id: id.clone(),
            facility_id: linked.link.facility_id.clone(),
        });
    }
    if let (Some(key), Some(value)) = (input.external_id_key, input.external_id)
        && value.trim() == id
    {
        steps.push(OrderStep::RemoveExternalId {
            key: key.to_owned(),
        });
    }
    steps.push(OrderStep::CloseLink {
        reason: format!("LeafLink order {}", what_happened(order.status)),
    });
    Ok(OrderPlan {
        order_number: order.number.clone(),
        steps,
    })
}

/// An order that left LeafLink with no open link: nothing of it is in Flourish.
pub(super) fn unlinked(order: &LeafLinkOrder) -> Outcome {
    match order.status {
        LeafLinkStatus::Deleted => {
            Outcome::ignored(format!("LeafLink order {} does not exist", order.number))
        }
        status => Outcome::ignored(format!(
            "LeafLink order is {status} and no open link leads to a Flourish order"
        )),
    }
}

/// After the link is closed: attention when the Flourish order was past `Created` and so left
/// as it is.
pub fn left_alone(order: &LeafLinkOrder, linked: &LinkedOrder) -> Option<Outcome> {
    let id = &linked.link.order_id;
    if matches!(
        linked.status,
        FlourishStatus::Created | FlourishStatus::Cancelled
    ) {
        return None;
    }
    Some(Outcome::attention_fix(
        format!(
            "LeafLink order {} {}, but Flourish order {id} is already {} and was left as it is",
            order.number,
            what_happened(order.status),
            linked.status
        ),
        System::Flourish,
        format!(
            "check Flourish order {id} against the LeafLink order that replaced it; release and \
             cancel it, or fulfil it and remove it from the other, by hand"
        ),
    ))
}

fn what_happened(status: LeafLinkStatus) -> &'static str {
    match status {
        LeafLinkStatus::Deleted => "was deleted",
        _ => "was combined into another order",
    }
}
