//! Flow A: a LeafLink order becomes a Flourish outbound order.
//!
//! The status gate runs first, then routing (which may hold the order), then the lines (which
//! may need attention), and only then the write decision in [`write`].

pub mod adoption;
mod gone;
mod lines;
pub mod money;
mod routing;
mod write;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use gone::left_alone;
pub use lines::{OrderLine, PlannedLine, plan_lines, same_lines};
pub use money::{Adjustment, Adjustments, MoneyPlan, OrderDiscount, OrderMoney, OrderTax, Parts};
pub use routing::{Route, Routing, route};

use super::customer::NewDestination;
use super::index::{ItemIndex, RepDirectory};
use super::links::OrderLink;
use super::outcome::{Outcome, System};
use super::records::{Customer, Destination};

/// LeafLink order statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LeafLinkStatus {
    /// Being drafted by the buyer or seller.
    Draft,
    /// Placed, awaiting the seller.
    Submitted,
    /// Accepted by the seller.
    Accepted,
    /// Accepted while out of stock.
    Backorder,
    /// Packed.
    Fulfilled,
    /// On its way.
    Shipped,
    /// Delivered and closed.
    Complete,
    /// Refused by the seller.
    Rejected,
    /// Merged into another order.
    Combined,
    /// Cancelled.
    Cancelled,
    /// No longer in LeafLink: its re-read answers 404 (LeafLink deletes only drafts).
    Deleted,
    /// A status this version does not know: the order is left alone.
    Other,
}

/// Flourish outbound-order statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FlourishStatus {
    /// Nothing allocated yet: lines may still change.
    Created,
    /// Some lines allocated.
    #[serde(rename = "Partially Allocated")]
    PartiallyAllocated,
    /// Fully allocated.
    Allocated,
    /// Shipped.
    Shipped,
    /// Completed.
    Completed,
    /// Cancelled.
    Cancelled,
}

impl fmt::Display for LeafLinkStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl fmt::Display for FlourishStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PartiallyAllocated => f.write_str("Partially Allocated"),
            other => fmt::Debug::fmt(other, f),
        }
    }
}

/// A LeafLink order re-read with its customer, reps and lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeafLinkOrder {
    /// Order number (UUID), Flourish's `original_order_id`.
    pub number: String,
    /// Current status.
    pub status: LeafLinkStatus,
    /// Company-staff ids of the order's sales reps.
    pub sales_reps: Vec<i64>,
    /// The buyer.
    pub customer: Customer,
    /// Lines with SKU and lot resolved.
    pub lines: Vec<OrderLine>,
    /// Discount, tax, shipping, credits and the total.
    #[serde(default)]
    pub money: OrderMoney,
}

/// The Flourish order a LeafLink order is linked to, as Flourish reports it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedOrder {
    /// Order id and facility.
    pub link: OrderLink,
    /// Current Flourish status.
    pub status: FlourishStatus,
    /// Current lines.
    pub lines: Vec<PlannedLine>,
    /// Current discounts and charges.
    #[serde(default)]
    pub adjustments: Adjustments,
    /// Flourish's `order_total`, when it reports one.
    #[serde(default)]
    pub total: Option<rust_decimal::Decimal>,
    /// The id of the Flourish order's payment term, when it has one.
    #[serde(default)]
    pub payment_term: Option<String>,
}

/// Everything Flow A decides from.
#[derive(Debug, Clone, Copy)]
pub struct OrderInput<'a> {
    /// The order.
    pub order: &'a LeafLinkOrder,
    /// Staff and Flourish reps.
    pub reps: &'a RepDirectory,
    /// Facility routing.
    pub routing: &'a Routing,
    /// The destination already matched to the customer (see [`crate::matcher::find_destination`]).
    pub destination: Option<&'a Destination>,
    /// Flourish items by SKU.
    pub items: &'a ItemIndex,
    /// The linked Flourish order, if any.
    pub linked: Option<&'a LinkedOrder>,
    /// `external_ids` key to write Flourish's order id under, when configured.
    pub external_id_key: Option<&'a str>,
    /// The Flourish payment term (id) the LeafLink order's term matches, when it names one.
    pub payment_term: Option<&'a str>,
    /// What the LeafLink order carries under `external_id_key` now, when it still exists.
    pub external_id: Option<&'a str>,
}

/// The destination of an order to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DestinationRef {
    /// An existing destination.
    Existing {
        /// Its id.
        id: String,
    },
    /// The destination created by this plan's `CreateDestination` step.
    Created,
}

/// A Flourish outbound order to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDraft {
    /// The LeafLink order number.
    pub original_order_id: String,
    /// Where it goes.
    pub destination: DestinationRef,
    /// Flourish `sales_rep_id`, when known.
    pub sales_rep_id: Option<String>,
    /// Lines in eaches.
    pub lines: Vec<PlannedLine>,
    /// Discounts and charges (see [`money`]).
    #[serde(default)]
    pub adjustments: Adjustments,
}

/// One write of Flow A, in the order to apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum OrderStep {
    /// `POST /destinations`; the new id feeds [`DestinationRef::Created`] and the link table.
    CreateDestination(NewDestination),
    /// `PUT /outbound-orders/{id}` with `order_status: Cancelled`.
    CancelOrder {
        /// Flourish order id.
        order_id: String,
        /// Facility holding it.
        facility_id: String,
    },
    /// `POST /outbound-orders` in `facility_id`; then link the order number to the new id.
    CreateOrder {
        /// Receiving facility.
        facility_id: String,
        /// The order.
        draft: OrderDraft,
    },
    /// `PUT /outbound-orders/{id}` with the new lines, discounts and charges.
    UpdateLines {
        /// Flourish order id.
        order_id: String,
        /// Facility holding it.
        facility_id: String,
        /// The full new line list.
        lines: Vec<PlannedLine>,
        /// The full new discounts and charges.
        #[serde(default)]
        adjustments: Adjustments,
        /// The payment term (id) to set, when the LeafLink order names one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        payment_term: Option<String>,
    },
    /// `PATCH` the LeafLink order's `external_ids[key]` to the id of the order created above.
    WriteExternalId {
        /// The configured key.
        key: String,
    },
    /// `PATCH` the LeafLink order's `external_ids` without the entry leafbridge wrote under
    /// `key` (the order was combined away and still exists).
    RemoveExternalId {
        /// The configured key.
        key: String,
    },
    /// Mark the order link closed: kept as history, no longer followed.
    CloseLink {
        /// Why, in words an operator understands.
        reason: String,
    },
}

/// The writes for one LeafLink order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPlan {
    /// The order number (the per-entity ordering key).
    pub order_number: String,
    /// Writes in order.
    pub steps: Vec<OrderStep>,
}

impl OrderStep {
    /// The write in a few words, for outcome reasons and the admin API.
    pub fn describe(&self) -> String {
        match self {
            Self::CreateDestination(d) => {
                format!(
                    "create destination \"{}\" (licence {})",
                    d.name, d.license_number
                )
            }
            Self::CancelOrder {
                order_id,
                facility_id,
            } => {
                format!("cancel Flourish order {order_id} in facility {facility_id}")
            }
            Self::CreateOrder { facility_id, draft } => format!(
                "create Flourish order with {} line(s){} in facility {facility_id}",
                draft.lines.len(),
                adjustments_phrase(&draft.adjustments)
            ),
            Self::UpdateLines {
                order_id,
                lines,
                adjustments,
                payment_term,
                ..
            } => {
                let term = match payment_term {
                    Some(id) => format!(" and payment term {id}"),
                    None => String::new(),
                };
                format!(
                    "set {} line(s){}{term} on Flourish order {order_id}",
                    lines.len(),
                    adjustments_phrase(adjustments)
                )
            }
            Self::WriteExternalId { key } => {
                format!("write the Flourish order id to LeafLink external_ids.{key}")
            }
            Self::RemoveExternalId { key } => {
                format!("remove the Flourish order id from LeafLink external_ids.{key}")
            }
            Self::CloseLink { reason } => format!("close the order link ({reason})"),
        }
    }
}

/// `" and discount, shipping"`: the entries an order write carries besides its lines.
fn adjustments_phrase(adjustments: &Adjustments) -> String {
    let names: Vec<String> = [
        &adjustments.pretax_discounts,
        &adjustments.charges,
        &adjustments.discounts,
    ]
    .into_iter()
    .flatten()
    .map(|entry| entry.name.to_lowercase())
    .collect();
    if names.is_empty() {
        String::new()
    } else {
        format!(" and {}", names.join(", "))
    }
}

impl OrderPlan {
    /// All writes, in order, as one sentence.
    pub fn summary(&self) -> String {
        let steps: Vec<String> = self.steps.iter().map(OrderStep::describe).collect();
        steps.join("; ")
    }
}

/// Plans Flow A for one order: a plan of writes, or the outcome when nothing is written.
pub fn plan_order(input: OrderInput<'_>) -> Result<OrderPlan, Outcome> {
    let order = input.order;
    match (gate(order.status), input.linked) {
        (Gate::Sync, _) => {}
        (Gate::Cancel, Some(linked)) => return cancel_linked(order, linked),
        (Gate::Gone, Some(linked)) => return gone::close(&input, linked),
        (Gate::Gone, None) => return Err(gone::unlinked(order)),
        (Gate::Cancel, None) => {
            return Err(Outcome::unchanged(format!(
                "LeafLink order is {} and was never sent to Flourish",
                order.status
            )));
        }
        (Gate::Skip, None) => {
            return Err(Outcome::ignored(format!(
                "LeafLink order is {}: only Submitted, Accepted and Backorder orders go to Flourish",
                order.status
            )));
        }
        (Gate::Skip, Some(linked)) => {
            return Err(Outcome::unchanged(format!(
                "LeafLink order is {}; Flourish order {} is left as it is",
                order.status, linked.link.order_id
            )));
        }
    }
    let route = route(order, input.reps, input.routing)?;
    let lines = plan_lines(&order.lines, input.items)?;
    let money = money::plan_money(&order.lines, &lines, &order.money);
    write::decide(&input, route, write::Planned { lines, money })
}

enum Gate {
    Sync,
    Cancel,
    /// Deleted or combined into another order: the link closes.
    Gone,
    Skip,
}

fn gate(status: LeafLinkStatus) -> Gate {
    use LeafLinkStatus::*;
    match status {
        Submitted | Accepted | Backorder => Gate::Sync,
        Cancelled | Rejected => Gate::Cancel,
        Combined | Deleted => Gate::Gone,
        Draft | Fulfilled | Shipped | Complete | Other => Gate::Skip,
    }
}

fn cancel_linked(order: &LeafLinkOrder, linked: &LinkedOrder) -> Result<OrderPlan, Outcome> {
    let id = &linked.link.order_id;
    match linked.status {
        FlourishStatus::Cancelled => Err(Outcome::unchanged(format!(
            "Flourish order {id} is already cancelled"
        ))),
        FlourishStatus::Shipped | FlourishStatus::Completed => Err(Outcome::attention_fix(
            format!(
                "LeafLink order is {} but Flourish order {id} is already {}",
                order.status, linked.status
            ),
            System::Flourish,
            format!("handle Flourish order {id} by hand (return or credit)"),
        )),
        _ => Ok(OrderPlan {
            order_number: order.number.clone(),
            steps: vec![OrderStep::CancelOrder {
                order_id: id.clone(),
                facility_id: linked.link.facility_id.clone(),
            }],
        }),
    }
}

#[cfg(test)]
pub(crate) mod tests;
