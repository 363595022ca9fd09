//! Flow E: a Flourish order's status moves the linked LeafLink order along (job kind
//! `flourish.order`, key = Flourish order id).
//!
//! LeafLink's machine reaches `Shipped` only through `Accepted` and `Fulfilled`, while Flourish
//! goes from `Allocated` (or even `Created`) straight to `Shipped`. A shipped Flourish order means
//! the goods were accepted, packed and sent, so leafbridge walks the LeafLink order along the
//! path (`accept` → `fulfill` → `ship`, or `… → complete`), one step at a time, each step only
//! when LeafLink lists it in `available_transitions` of the order as it is after the previous
//! step. The matcher's `plan_status` decides the target and stops the walk once it is reached;
//! a step LeafLink does not offer ends the walk with `plan_status`'s own reason.

use std::sync::Arc;

use serde_json::json;

use crate::jobs::{JobContext, JobError, Processed, Processor, Processors};
use crate::leaflink::model::{OrderAction, OrderReceived};
use crate::matcher::order::{FlourishStatus, LeafLinkStatus};
use crate::matcher::{Outcome, StatusInput, Transition, plan_status};
use crate::remote::ClientError;
use crate::store::links::{self, LinkKind};

use super::SyncContext;
use super::customers::refused;
use super::orders::{flourish_order_id, flourish_status, is_moving, leaflink_status};
use super::record::{self, Writes};
use super::store_error;

/// The most transitions one status can need (`accept`, `fulfill`, `ship`/`complete`).
const MAX_STEPS: usize = 3;

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
}

#[async_trait::async_trait]
impl Processor for StatusProcessor {
    async fn process(&self, job: &JobContext) -> Result<Processed, JobError> {
        let mut loaded = match self.load(super::entity_id(job)).await? {
            Ok(loaded) => loaded,
            Err(outcome) => return Ok(record::from_outcome(&outcome, None, Writes::default())),
        };
        let mut writes = Writes::default();
        let mut done = Vec::new();
        for _ in 0..MAX_STEPS {
            let plan = match next_step(&loaded) {
                Ok(plan) => plan,
                Err(_) if !done.is_empty() => break,
                Err(outcome) => return Ok(record::from_outcome(&outcome, None, writes)),
            };
            let number = plan.order_number.clone();
            match self
                .context
                .leaflink
                .transition_order(&number, plan.action)
                .await
            {
                Ok(order) => loaded.order = Some(order),
                Err(error) => {
                    let outcome = refused(error.into())?;
                    return Ok(record::from_outcome(&outcome, Some(json!(done)), writes));
                }
            }
            writes.push("leaflink", plan.action.as_str(), Some(number));
            done.push(plan.summary());
        }
        Ok(record::synced(done.join("; "), json!(done), writes))
    }

    async fn dry_run(&self, job: &JobContext) -> Result<serde_json::Value, JobError> {
        let loaded = match self.load(super::entity_id(job)).await? {
            Ok(loaded) => loaded,
            Err(outcome) => return Ok(json!({"outcome": outcome})),
        };
        // Only the first step can be known without making it.
        Ok(match next_step(&loaded) {
            Ok(plan) => json!({"plan": plan, "summary": plan.summary()}),
            Err(outcome) => json!({"outcome": outcome}),
        })
    }
}

impl StatusProcessor {
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
            }));
        };
        if is_moving(&link) {
            return Ok(Err(Outcome::ignored(format!(
                "Flourish order {id} is being replaced by an order in another facility"
            ))));
        }
        let order = context.leaflink.get_order_received(&link.key).await?;
        Ok(Ok(Loaded {
            status,
            order: Some(order),
        }))
    }
}

/// One LeafLink transition to make.
#[derive(Debug, Clone, serde::Serialize)]
struct Step {
    order_number: String,
    action: OrderAction,
}

impl Step {
    fn summary(&self) -> String {
        format!(
            "{} LeafLink order {}",
            self.action.as_str(),
            self.order_number
        )
    }
}

/// The next transition toward what the Flourish status asks for, or why there is none.
fn next_step(loaded: &Loaded) -> Result<Step, Outcome> {
    let (number, status, offered) = match &loaded.order {
        Some(order) => (
            Some(order.number.as_str()),
            leaflink_status(order.status),
            order.available_transitions.as_slice(),
        ),
        None => (None, LeafLinkStatus::Submitted, &[][..]),
    };
    let input = StatusInput {
        order_number: number,
        flourish_status: loaded.status,
        leaflink_status: status,
        available_transitions: offered,
    };
    let direct = plan_status(input).map(|plan| Step {
        action: action_of(plan.action),
        order_number: plan.order_number,
    });
    if direct.is_ok() {
        return direct;
    }
    // Asked as if LeafLink offered everything, the matcher names the target (or says there is
    // none); the walk then takes the first step toward it when LeafLink offers that step.
    let everything: Vec<String> = OrderAction::ALL
        .iter()
        .map(|a| a.as_str().to_owned())
        .collect();
    let target = plan_status(StatusInput {
        available_transitions: &everything,
        ..input
    });
    let Ok(target) = target else {
        return direct;
    };
    match hop(target.action, status) {
        Some(step)
            if offered
                .iter()
                .any(|t| t.eq_ignore_ascii_case(step.as_str())) =>
        {
            Ok(Step {
                order_number: target.order_number,
                action: step,
            })
        }
        _ => direct,
    }
}

fn action_of(transition: Transition) -> OrderAction {
    match transition {
        Transition::Accept => OrderAction::Accept,
        Transition::Ship => OrderAction::Ship,
        Transition::Complete => OrderAction::Complete,
        Transition::Cancel => OrderAction::Cancel,
    }
}

/// The first action on LeafLink's path from `status` toward `target`.
fn hop(target: Transition, status: LeafLinkStatus) -> Option<OrderAction> {
    use LeafLinkStatus as L;
    match (target, status) {
        (Transition::Cancel, _) => Some(OrderAction::Cancel),
        (_, L::Submitted) => Some(OrderAction::Accept),
        (Transition::Ship | Transition::Complete, L::Accepted | L::Backorder) => {
            Some(OrderAction::Fulfill)
        }
        (Transition::Ship, L::Fulfilled) => Some(OrderAction::Ship),
        (Transition::Complete, L::Fulfilled | L::Shipped) => Some(OrderAction::Complete),
        _ => None,
    }
}
