//! Flow E: a Flourish order's status moves the linked LeafLink order along (job kind
//! `flourish.order`, key = Flourish order id).
//!
//! LeafLink's machine reaches `Shipped` only through `Accepted` and `Fulfilled`, while Flourish
//! goes from `Allocated` (or even `Created`) straight to `Shipped`. A shipped Flourish order means
//! the goods were accepted, packed and sent, so the matcher plans the whole walk (`accept` →
//! `fulfill` → `ship`, or `… → ship → complete`; a cancelled order is rejected). Its first step is
//! one LeafLink offers now; each later step is made only when the order as the previous step left
//! it lists that step's state in `available_transitions`, otherwise the walk stops there.

use std::sync::Arc;

use serde_json::json;

use crate::flourish::model::OutboundOrder;
use crate::jobs::{JobContext, JobError, Processed, Processor, Processors};
use crate::leaflink::model::{OrderAction, OrderReceived};
use crate::matcher::order::{FlourishStatus, LeafLinkStatus};
use crate::matcher::{
    Outcome, OutcomeKind, StatusInput, StatusPlan, Transition, offers, plan_status, step_summary,
};
use crate::remote::ClientError;
use crate::store::links::{self, Link, LinkKind};

use super::SyncContext;
use super::inventory;
use super::orders::{flourish_order_id, flourish_status, is_moving, leaflink_status};
use super::payments;
use super::record::{self, Writes};
use super::step::refused;
use super::store_error;

/// Registers `flourish.order`.
pub fn register(processors: &mut Processors, context: &Arc<SyncContext>) {
    let processor = StatusProcessor {
        context: context.clone(),
    };
    processors.register("flourish.order", Arc::new(processor));
}

/// Processes `flourish.order` jobs.
pub struct StatusProcessor {
    context: Arc<SyncContext>,
}

/// The Flourish status and the LeafLink order it should move.
struct Loaded {
    status: FlourishStatus,
    order: Option<OrderReceived>,
    /// The Flourish order and its link, for the payment status.
    payment: Option<(OutboundOrder, Link)>,
}

#[async_trait::async_trait]
impl Processor for StatusProcessor {
    async fn process(&self, job: &JobContext) -> Result<Processed, JobError> {
        let loaded = match self.load(super::entity_id(job)).await? {
            Ok(loaded) => loaded,
            Err(outcome) => return Ok(record::from_outcome(&outcome, None, Writes::default())),
        };
        let mut writes = Writes::default();
        let paid = match (&loaded.payment, &loaded.order) {
            (Some((flourish, link)), Some(order)) => {
                payments::sync_payment(&self.context, flourish, link, order, &mut writes).await?
            }
            _ => None,
        };
        let (plan, products) = match plan_loaded(&loaded) {
            Ok(found) => found,
            Err(outcome) => {
                let outcome = paid.unwrap_or(outcome);
                return Ok(match outcome.kind {
                    OutcomeKind::Synced => {
                        record::synced(outcome.reason.clone(), json!([outcome.reason]), writes)
                    }
                    _ => record::from_outcome(&outcome, None, writes),
                });
            }
        };
        let number = plan.order_number.clone();
        let mut done: Vec<String> = Vec::new();
        let mut offered: Option<Vec<String>> = None;
        for step in plan.steps.iter().copied() {
            // The first step is offered (the plan says so); later ones are checked against the
            // order as the previous step left it.
            if let Some(available) = &offered
                && !step.offered_in(available)
            {
                done.push(format!(
                    "stopped before {}: LeafLink does not offer `{}` now (offers: {})",
                    step.as_str(),
                    step.state(),
                    offers(available)
                ));
                break;
            }
            let Some(action) = OrderAction::parse(step.as_str()) else {
                break;
            };
            match self
                .context
                .leaflink
                .transition_order(&number, action)
                .await
            {
                Ok(order) => offered = Some(order.available_transitions),
                Err(error) => {
                    let outcome = refused(error.into())?;
                    return Ok(record::from_outcome(&outcome, Some(json!(done)), writes));
                }
            }
            writes.push("leaflink", step.as_str(), Some(number.clone()));
            done.push(step_summary(step, &number));
            if step == Transition::Reject {
                // LeafLink released what it reserved for an order Flourish held: the stock
                // event of the cancel may have been handled before, so the quantity is redone.
                for id in &products {
                    if let Some(stock) = inventory::refresh_product(&self.context, *id).await? {
                        writes.push("leaflink", "patch_product(quantity)", Some(id.to_string()));
                        done.push(stock.summary());
                    }
                }
            }
        }
        if let Some(paid) = paid {
            if paid.kind != OutcomeKind::Synced {
                return Ok(record::from_outcome(&paid, Some(json!(done)), writes));
            }
            done.push(paid.reason);
        }
        Ok(record::synced(done.join("; "), json!(done), writes))
    }

    async fn dry_run(&self, job: &JobContext) -> Result<serde_json::Value, JobError> {
        Ok(match self.plan(super::entity_id(job)).await? {
            Ok((plan, _)) => {
                json!({"plan": plan, "steps": plan.step_summaries(), "summary": plan.summary()})
            }
            Err(outcome) => json!({"outcome": outcome}),
        })
    }
}

impl StatusProcessor {
    /// The walk for one Flourish order and the LeafLink products on its lines, or why there is
    /// no walk.
    async fn plan(&self, id: &str) -> Result<Result<(StatusPlan, Vec<i64>), Outcome>, JobError> {
        Ok(match self.load(id).await? {
            Ok(loaded) => plan_loaded(&loaded),
            Err(outcome) => Err(outcome),
        })
    }

    /// Re-reads the Flourish order, follows its link, and re-reads the LeafLink order.
    async fn load(&self, entity_id: &str) -> Result<Result<Loaded, Outcome>, JobError> {
        let context = &self.context;
        let id = match flourish_order_id(context, entity_id).await? {
            Ok(id) => id,
            Err(outcome) => return Ok(Err(outcome)),
        };
        let id = id.as_str();
        let order = match context.flourish.get_outbound_order(id).await {
            Ok(order) => order,
            Err(ClientError::NotFound { .. }) => {
                let reason = format!("Flourish order {id} does not exist");
                return Ok(Err(Outcome::ignored(reason)));
            }
            Err(error) => return Err(error.into()),
        };
        let status = flourish_status(&order.order_status);
        let link = links::by_remote(&context.db.pool, &context.connection, LinkKind::Order, id)
            .await
            .map_err(store_error)?;
        let Some(link) = link else {
            return Ok(Ok(Loaded {
                status,
                order: None,
                payment: None,
            }));
        };
        if is_moving(&link) {
            return Ok(Err(Outcome::ignored(format!(
                "Flourish order {id} is being replaced by an order in another facility"
            ))));
        }
        if link.is_closed() {
            return Ok(Err(Outcome::ignored(format!(
                "the link of Flourish order {id} is closed: LeafLink order {} went away",
                link.key
            ))));
        }
        let leaflink = match context.leaflink.get_order_received(&link.key).await {
            Ok(order) => order,
            // Deleted in LeafLink: its own job closes the link.
            Err(ClientError::NotFound { .. }) => {
                let reason = format!("LeafLink order {} does not exist", link.key);
                return Ok(Err(Outcome::ignored(reason)));
            }
            Err(error) => return Err(error.into()),
        };
        Ok(Ok(Loaded {
            status,
            order: Some(leaflink),
            payment: Some((order, link)),
        }))
    }
}

/// The walk for the loaded orders and the LeafLink products on their lines.
fn plan_loaded(loaded: &Loaded) -> Result<(StatusPlan, Vec<i64>), Outcome> {
    let order = loaded.order.as_ref();
    let mut products: Vec<i64> = order
        .and_then(|o| o.line_items.as_ref())
        .into_iter()
        .flatten()
        .map(|line| line.product)
        .collect();
    products.sort_unstable();
    products.dedup();
    let plan = plan_status(StatusInput {
        order_number: order.map(|o| o.number.as_str()),
        flourish_status: loaded.status,
        leaflink_status: order.map_or(LeafLinkStatus::Submitted, |o| leaflink_status(o.status)),
        available_transitions: order.map_or(&[][..], |o| o.available_transitions.as_slice()),
    });
    plan.map(|plan| (plan, products))
}
