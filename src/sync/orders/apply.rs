//! Flow A's writes: each plan step through the Flourish (or LeafLink) client, with the order
//! and destination links recorded right after the write that creates them.

use chrono::SecondsFormat;
use rust_decimal::prelude::ToPrimitive;
use serde_json::json;

use crate::flourish::model::{
    IdRef, NewOutboundOrder, OrderLine as FlourishLine, OutboundOrder, OutboundOrderUpdate,
};
use crate::flourish::{OrderLocked, order_locked};
use crate::jobs::JobError;
use crate::leaflink::model::OrderPatch;
use crate::matcher::order::{Adjustments, DestinationRef, OrderDraft, PlannedLine, left_alone};
use crate::matcher::{ItemIndex, OrderPlan, OrderStep, Outcome, System};
use crate::remote::ClientError;
use crate::sync::SyncContext;
use crate::sync::parties::create_destination;
use crate::sync::record::Writes;
use crate::sync::step::{StepError, refused};

use super::linked::{link_order, mark_moving, planned_line};
use super::load::Loaded;

/// What earlier steps of the plan produced for later ones.
#[derive(Default)]
struct Made {
    destination: Option<String>,
    order: Option<String>,
}

/// Applies the plan's steps in order. `Some(outcome)` when a platform refused a write (the
/// writes made before it stay listed) or an order did not keep the lots of its lines.
pub(super) async fn apply(
    context: &SyncContext,
    plan: &OrderPlan,
    loaded: &Loaded,
    writes: &mut Writes,
) -> Result<Option<Outcome>, JobError> {
    let moves = plan
        .steps
        .iter()
        .any(|s| matches!(s, OrderStep::CreateOrder { .. }));
    let mut made = Made::default();
    let mut lost = LostLots::default();
    let mut unreconciled = None;
    for step in &plan.steps {
        let result = match step {
            OrderStep::CreateDestination(new) => create_destination(context, new, writes)
                .await
                .map(|id| made.destination = Some(id)),
            OrderStep::CancelOrder {
                order_id,
                facility_id,
            } => {
                let number = &plan.order_number;
                let step = CancelStep {
                    number,
                    order_id,
                    facility_id,
                    moves,
                };
                cancel_step(context, &step, writes).await
            }
            OrderStep::CreateOrder { facility_id, draft } => {
                create_order(context, loaded, facility_id, draft, &made, writes)
                    .await
                    .map(|id| made.order = Some(id))
            }
            OrderStep::UpdateLines {
                order_id,
                facility_id,
                lines,
                adjustments,
                payment_term,
            } => {
                let target = (order_id.as_str(), facility_id.as_str());
                let new = (lines.as_slice(), adjustments, payment_term.as_deref());
                update_lines(context, target, new, loaded, writes).await
            }
            OrderStep::WriteExternalId { key } => match &made.order {
                Some(id) => {
                    write_external_id(context, loaded, key, Some(id.as_str()), writes).await
                }
                None => Err(missing("the Flourish order id", "WriteExternalId")),
            },
            OrderStep::RemoveExternalId { key } => {
                write_external_id(context, loaded, key, None, writes).await
            }
            OrderStep::CloseLink { reason } => {
                close_link(context, &plan.order_number, reason).await
            }
        };
        if let Err(error) = result {
            return refused(error).map(Some);
        }
        if let Some((order_id, lines)) = lot_check(step, &made) {
            match read_back(context, order_id, lines, loaded, &mut lost).await {
                Ok(outcome) => unreconciled = outcome.or(unreconciled),
                Err(error) => return refused(error).map(Some),
            }
        }
    }
    let closed = plan
        .steps
        .iter()
        .any(|s| matches!(s, OrderStep::CloseLink { .. }));
    let left = match (&loaded.linked, closed) {
        (Some(linked), true) => left_alone(&loaded.order, linked),
        _ => None,
    };
    Ok(lost.into_outcome().or(unreconciled).or(left))
}

/// Closes the order link: the LeafLink order went away. Not a platform write, so not listed
/// in the writes (the plan says it).
async fn close_link(context: &SyncContext, number: &str, reason: &str) -> Result<(), StepError> {
    Ok(super::linked::close_link(context, number, reason).await?)
}

/// Reads a written order back: the lots it did not keep are noted in `lost`, and a total that
/// does not reconcile with LeafLink's is the outcome.
async fn read_back(
    context: &SyncContext,
    order_id: &str,
    lines: &[PlannedLine],
    loaded: &Loaded,
    lost: &mut LostLots,
) -> Result<Option<Outcome>, StepError> {
    let order = context.flourish.get_outbound_order(order_id).await?;
    lots_not_kept(&order, lines, lost);
    let read: Vec<PlannedLine> = order.order_lines.iter().map(planned_line).collect();
    Ok(super::money::reconcile_written(
        &order,
        &loaded.order.lines,
        &loaded.order.money,
        &read,
    ))
}

/// The order and lines a step wrote with lots, to read back.
fn lot_check<'a>(step: &'a OrderStep, made: &'a Made) -> Option<(&'a str, &'a [PlannedLine])> {
    match step {
        OrderStep::CreateOrder { draft, .. } => {
            Some((made.order.as_deref()?, draft.lines.as_slice()))
        }
        OrderStep::UpdateLines {
            order_id, lines, ..
        } => Some((order_id.as_str(), lines.as_slice())),
        _ => None,
    }
}

/// Lots Flourish did not keep on an order leafbridge wrote.
#[derive(Default)]
struct LostLots {
    order_id: String,
    /// `SKU (lot L)` per line.
    lines: Vec<String>,
}

impl LostLots {
    /// The order is in Flourish but nothing locks its lines to their lots: a person must look.
    fn into_outcome(self) -> Option<Outcome> {
        if self.lines.is_empty() {
            return None;
        }
        let lines = self.lines.join(", ");
        let id = self.order_id;
        Some(Outcome::attention_fix(
            format!(
                "Flourish order {id} was written but did not keep the lot of {lines}; \
                 any lot may be allocated to those lines"
            ),
            System::Flourish,
            format!("set the lot of {lines} on Flourish order {id} before allocating it"),
        ))
    }
}

/// Notes every line of the order read back after a write whose lot did not stick
/// (`lot_number` on order lines is not confirmed by Flourish's public material).
fn lots_not_kept(order: &OutboundOrder, lines: &[PlannedLine], lost: &mut LostLots) {
    for line in lines {
        let Some(lot) = &line.lot_number else {
            continue;
        };
        let kept = order.order_lines.iter().any(|got| {
            got.sku.trim() == line.sku && got.lot_number.as_deref().map(str::trim) == Some(lot)
        });
        if !kept {
            lost.order_id = order.id.clone();
            lost.lines.push(format!("{} (lot {lot})", line.sku));
        }
    }
}

/// Writes the linked order's id to LeafLink `external_ids` when it is configured and missing:
/// the outcome of that write, or `None` when there was nothing to write.
pub(super) async fn repair_external_id(
    context: &SyncContext,
    loaded: &Loaded,
    writes: &mut Writes,
) -> Result<Option<Outcome>, JobError> {
    let (Some(key), Some(linked)) = (&context.settings.external_id_key, &loaded.linked) else {
        return Ok(None);
    };
    let id = &linked.link.order_id;
    if loaded.external_ids.get(key) == Some(&json!(id)) {
        return Ok(None);
    }
    Ok(Some(
        match write_external_id(context, loaded, key, Some(id.as_str()), writes).await {
            Ok(()) => Outcome::synced(format!(
                "write the Flourish order id to LeafLink external_ids.{key}"
            )),
            Err(error) => refused(error)?,
        },
    ))
}

/// A cancel of the plan; `moves` when the order is re-created in another facility after it.
struct CancelStep<'a> {
    number: &'a str,
    order_id: &'a str,
    facility_id: &'a str,
    moves: bool,
}

/// Cancels, marking the link as moving first when the order moves.
async fn cancel_step(
    context: &SyncContext,
    step: &CancelStep<'_>,
    writes: &mut Writes,
) -> Result<(), StepError> {
    let CancelStep {
        number,
        order_id,
        facility_id,
        moves,
    } = *step;
    if moves {
        mark_moving(context, number, order_id, facility_id).await?;
    }
    let done = cancel(context, order_id, facility_id, writes).await;
    // Refused (say, allocated meanwhile): the old order stays the order, so the move is
    // unmarked. A transient failure keeps the mark for the retry.
    let refusal = matches!(
        done,
        Err(StepError::Platform(ClientError::BadRequest { .. }))
    );
    if moves && refusal {
        link_order(context, number, order_id, facility_id).await?;
    }
    done
}

async fn cancel(
    context: &SyncContext,
    order_id: &str,
    facility_id: &str,
    writes: &mut Writes,
) -> Result<(), StepError> {
    match context
        .flourish
        .cancel_outbound_order(facility_id, order_id)
        .await
    {
        Ok(_) => {}
        // Cancelled by someone else (or by our own earlier, unrecorded attempt): done.
        Err(error) if order_locked(&error) == Some(OrderLocked::Cancelled) => return Ok(()),
        Err(error) => return Err(error.into()),
    }
    writes.push(
        "flourish",
        "cancel_outbound_order",
        Some(order_id.to_owned()),
    );
    Ok(())
}

async fn create_order(
    context: &SyncContext,
    loaded: &Loaded,
    facility_id: &str,
    draft: &OrderDraft,
    made: &Made,
    writes: &mut Writes,
) -> Result<String, StepError> {
    let destination = match &draft.destination {
        DestinationRef::Existing { id } => id.clone(),
        DestinationRef::Created => match &made.destination {
            Some(id) => id.clone(),
            None => return Err(missing("the created destination", "CreateOrder")),
        },
    };
    let order_lines = draft
        .lines
        .iter()
        .map(|line| flourish_line(line, &loaded.items))
        .collect::<Result<_, _>>()?;
    let order = NewOutboundOrder {
        original_order_id: draft.original_order_id.clone(),
        order_timestamp: loaded
            .created_on
            .to_rfc3339_opts(SecondsFormat::Millis, true),
        destination: IdRef::new(destination),
        sales_rep: draft.sales_rep_id.clone().map(IdRef::new),
        order_lines,
        notes: Vec::new(),
        adjustments: super::money::to_flourish(&draft.adjustments)?,
        payment_term: loaded.payment_term.clone().map(IdRef::new),
    };
    let created = context
        .flourish
        .create_outbound_order(facility_id, &order)
        .await?;
    writes.push(
        "flourish",
        "create_outbound_order",
        Some(created.id.clone()),
    );
    link_order(context, &draft.original_order_id, &created.id, facility_id).await?;
    Ok(created.id)
}

/// Rewrites the lines, discounts, charges and payment term of Flourish order
/// `(order id, facility id)`.
async fn update_lines(
    context: &SyncContext,
    (order_id, facility_id): (&str, &str),
    (lines, adjustments, payment_term): (&[PlannedLine], &Adjustments, Option<&str>),
    loaded: &Loaded,
    writes: &mut Writes,
) -> Result<(), StepError> {
    let lines = lines
        .iter()
        .map(|line| flourish_line(line, &loaded.items))
        .collect::<Result<_, _>>()?;
    let update = OutboundOrderUpdate {
        order_lines: Some(lines),
        adjustments: Some(super::money::to_flourish(adjustments)?),
        payment_term: payment_term.map(IdRef::new),
        ..OutboundOrderUpdate::default()
    };
    context
        .flourish
        .update_outbound_order(facility_id, order_id, &update)
        .await?;
    writes.push(
        "flourish",
        "update_outbound_order",
        Some(order_id.to_owned()),
    );
    Ok(())
}

/// Sets (`Some(order id)`) or removes (`None`) the entry under `key` of the LeafLink order's
/// `external_ids`. A `PATCH` replaces the whole object (it is one field of the order), so the
/// entries other systems wrote, as the order was just read, are sent along.
async fn write_external_id(
    context: &SyncContext,
    loaded: &Loaded,
    key: &str,
    order_id: Option<&str>,
    writes: &mut Writes,
) -> Result<(), StepError> {
    let number = &loaded.order.number;
    let mut ids = loaded.external_ids.clone();
    let action = match order_id {
        Some(id) => {
            ids.insert(key.to_owned(), json!(id));
            "write_external_id"
        }
        None => {
            ids.remove(key);
            "remove_external_id"
        }
    };
    let patch = OrderPatch {
        external_ids: Some(ids),
        notes: None,
    };
    context
        .leaflink
        .patch_order_received(number, &patch)
        .await?;
    writes.push("leaflink", action, Some(number.clone()));
    Ok(())
}

/// A plan's step needs what an earlier step produced and it is not there: a planning bug,
/// failed for good rather than written with an empty id.
fn missing(what: &str, step: &str) -> StepError {
    StepError::Job(JobError::Permanent(format!(
        "the plan's {step} step needs {what}, which no earlier step produced"
    )))
}

/// Flourish takes amounts as JSON numbers; one that is not a finite float fails the job. The
/// SKU is the item's as Flourish stores it, stray whitespace included, since Flourish matches
/// order lines to items by exact SKU.
fn flourish_line(line: &PlannedLine, items: &ItemIndex) -> Result<FlourishLine, StepError> {
    let number = |field: &str, value: &rust_decimal::Decimal| {
        value.to_f64().filter(|f| f.is_finite()).ok_or_else(|| {
            StepError::Job(JobError::Permanent(format!(
                "the {field} {value} of {} cannot be sent to Flourish",
                line.sku
            )))
        })
    };
    Ok(FlourishLine {
        sku: items.stored_sku(&line.sku).to_owned(),
        order_qty: number("quantity", &line.order_qty)?,
        unit_price: Some(number("unit price", &line.unit_price)?),
        discount_price: line
            .discount_price
            .as_ref()
            .map(|price| number("discount price", price))
            .transpose()?,
        lot_number: line.lot_number.clone(),
    })
}
