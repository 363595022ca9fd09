//! Flow A tests, including the guide's routing examples end to end.

use rust_decimal::Decimal;

use super::*;
use crate::matcher::outcome::OutcomeKind;
use crate::matcher::records::{Address, FlourishRep, Staff};

/// Staff 1 and 2 are one person with two e-mails (facility A and B); staff 3 has no Flourish
/// rep; staff 4's e-mail is on reps of both facilities.
pub(crate) fn directory() -> RepDirectory {
    let staff = |id, email: &str| Staff {
        id,
        email: Some(email.into()),
    };
    let rep = |id: &str, email: &str, facility: &str| FlourishRep {
        id: id.into(),
        email: Some(email.into()),
        facility_id: facility.into(),
    };
    RepDirectory::new(
        &[
            staff(1, "John.Smith@A.example"),
            staff(2, "john.smith@b.example"),
            staff(3, "nobody@brand.example"),
            staff(4, "shared@brand.example"),
        ],
        &[
            rep("rep-a", "john.smith@a.example", "fac-a"),
            rep("rep-b", "JOHN.SMITH@B.EXAMPLE", "fac-b"),
            rep("rep-s1", "shared@brand.example", "fac-a"),
            rep("rep-s2", "shared@brand.example", "fac-b"),
        ],
    )
}

/// A Submitted order with one line (one case of ten) and the given reps and customer managers.
pub(crate) fn order(reps: &[i64], managers: &[i64]) -> LeafLinkOrder {
    LeafLinkOrder {
        number: "6f1c2d7e".into(),
        status: LeafLinkStatus::Submitted,
        sales_reps: reps.to_vec(),
        customer: Customer {
            id: 311,
            name: "Green Door Dispensary".into(),
            license_number: Some("C10-0000123-LIC".into()),
            managers: managers.to_vec(),
            email: None,
            phone: None,
            address: Address::default(),
        },
        lines: vec![OrderLine {
            product_id: Some(5150),
            sku: "OGK-PR-1G".into(),
            quantity: Decimal::from(10),
            bulk_units: Some(1),
            unit_multiplier: 10,
            price: Decimal::from(90),
            list_price: None,
            lot_number: Some("LOT-77".into()),
        }],
        money: OrderMoney::default(),
    }
}

fn destination() -> Destination {
    Destination {
        id: "dest-1".into(),
        name: "Green Door Dispensary".into(),
        license_number: "C10-0000123-LIC".into(),
        company_email: None,
        company_phone_number: None,
        address: Address::default(),
    }
}

struct World {
    reps: RepDirectory,
    routing: Routing,
    items: ItemIndex,
    destination: Option<Destination>,
    external_id_key: Option<&'static str>,
    payment_term: Option<&'static str>,
    external_id: Option<&'static str>,
}

impl World {
    fn new() -> Self {
        Self {
            reps: directory(),
            routing: Routing::BySalesRep,
            items: ItemIndex::new([("151", "OGK-PR-1G")]),
            destination: Some(destination()),
            external_id_key: None,
            payment_term: None,
            external_id: None,
        }
    }

    fn plan(
        &self,
        order: &LeafLinkOrder,
        linked: Option<&LinkedOrder>,
    ) -> Result<OrderPlan, Outcome> {
        plan_order(OrderInput {
            order,
            reps: &self.reps,
            routing: &self.routing,
            destination: self.destination.as_ref(),
            items: &self.items,
            linked,
            external_id_key: self.external_id_key,
            payment_term: self.payment_term,
            external_id: self.external_id,
        })
    }
}

fn linked(facility: &str, status: FlourishStatus, lines: Vec<PlannedLine>) -> LinkedOrder {
    LinkedOrder {
        link: OrderLink {
            order_id: "fl-1".into(),
            facility_id: facility.into(),
        },
        status,
        lines,
        adjustments: Adjustments::default(),
        total: None,
        payment_term: None,
    }
}

fn created_in(plan: &OrderPlan) -> Vec<&str> {
    plan.steps
        .iter()
        .filter_map(|s| match s {
            OrderStep::CreateOrder { facility_id, .. } => Some(facility_id.as_str()),
            _ => None,
        })
        .collect()
}

fn lines_of(order: &LeafLinkOrder) -> Vec<PlannedLine> {
    plan_lines(&order.lines, &World::new().items).unwrap()
}

#[test]
fn new_order_with_a_rep_is_created_in_the_rep_facility() {
    let plan = World::new().plan(&order(&[1], &[]), None).unwrap();
    let [OrderStep::CreateOrder { facility_id, draft }] = plan.steps.as_slice() else {
        panic!("{plan:?}")
    };
    assert_eq!(facility_id, "fac-a");
    assert_eq!(draft.original_order_id, "6f1c2d7e");
    assert_eq!(
        draft.destination,
        DestinationRef::Existing {
            id: "dest-1".into()
        }
    );
    assert_eq!(draft.sales_rep_id.as_deref(), Some("rep-a"));
    assert_eq!(draft.lines[0].order_qty, Decimal::from(10));
    assert_eq!(draft.lines[0].unit_price, Decimal::from(9));
    assert_eq!(draft.lines[0].lot_number.as_deref(), Some("LOT-77"));
}

#[test]
fn order_with_no_rep_does_not_sync() {
    let err = World::new().plan(&order(&[], &[]), None).unwrap_err();
    assert_eq!(err.kind, OutcomeKind::Held);
}

#[test]
fn customer_default_rep_routes_that_customers_orders() {
    let plan = World::new().plan(&order(&[], &[2]), None).unwrap();
    assert_eq!(created_in(&plan), ["fac-b"]);
}

#[test]
fn changing_the_rep_moves_the_order_from_facility_a_to_facility_b() {
    let world = World::new();
    let before = order(&[1], &[]);
    let existing = linked("fac-a", FlourishStatus::Created, lines_of(&before));
    let plan = world.plan(&order(&[2], &[]), Some(&existing)).unwrap();
    let OrderStep::CancelOrder {
        order_id,
        facility_id,
    } = &plan.steps[0]
    else {
        panic!("{plan:?}")
    };
    assert_eq!((order_id.as_str(), facility_id.as_str()), ("fl-1", "fac-a"));
    assert_eq!(created_in(&plan), ["fac-b"]);
}

#[test]
fn move_after_allocation_needs_attention() {
    let existing = linked(
        "fac-a",
        FlourishStatus::Allocated,
        lines_of(&order(&[1], &[])),
    );
    let err = World::new()
        .plan(&order(&[2], &[]), Some(&existing))
        .unwrap_err();
    assert_eq!(err.kind, OutcomeKind::NeedsAttention);
    assert!(err.reason.contains("already Allocated"), "{}", err.reason);
}

#[test]
fn replanning_an_order_already_in_sync_writes_nothing() {
    let current = order(&[1], &[]);
    for status in [
        FlourishStatus::Created,
        FlourishStatus::Allocated,
        FlourishStatus::Shipped,
    ] {
        let existing = linked("fac-a", status, lines_of(&current));
        let err = World::new().plan(&current, Some(&existing)).unwrap_err();
        assert_eq!(err.kind, OutcomeKind::Unchanged, "{status}: {err}");
    }
}

#[test]
fn changed_lines_update_an_unallocated_order() {
    let mut current = order(&[1], &[]);
    let existing = linked("fac-a", FlourishStatus::Created, lines_of(&current));
    current.lines[0].quantity = Decimal::from(20);
    current.lines[0].bulk_units = Some(2);
    let plan = World::new().plan(&current, Some(&existing)).unwrap();
    let [OrderStep::UpdateLines { lines, .. }] = plan.steps.as_slice() else {
        panic!("{plan:?}")
    };
    assert_eq!(lines[0].order_qty, Decimal::from(20));
}

#[test]
fn changed_lines_on_an_allocated_order_need_attention() {
    let mut current = order(&[1], &[]);
    let existing = linked(
        "fac-a",
        FlourishStatus::PartiallyAllocated,
        lines_of(&current),
    );
    current.lines[0].price = Decimal::from(80);
    let err = World::new().plan(&current, Some(&existing)).unwrap_err();
    assert_eq!(err.kind, OutcomeKind::NeedsAttention);
    assert!(err.reason.contains("Partially Allocated"), "{}", err.reason);
}

#[test]
fn unknown_customer_gets_a_new_destination_before_the_order() {
    let mut world = World::new();
    world.destination = None;
    let plan = world.plan(&order(&[1], &[]), None).unwrap();
    let OrderStep::CreateDestination(new) = &plan.steps[0] else {
        panic!("{plan:?}")
    };
    assert_eq!(new.license_number, "C10-0000123-LIC");
    let OrderStep::CreateOrder { draft, .. } = &plan.steps[1] else {
        panic!("{plan:?}")
    };
    assert_eq!(draft.destination, DestinationRef::Created);
}

#[test]
fn unknown_customer_without_license_needs_attention() {
    let mut world = World::new();
    world.destination = None;
    let mut unlicensed = order(&[1], &[]);
    unlicensed.customer.license_number = None;
    assert_eq!(
        world.plan(&unlicensed, None).unwrap_err().kind,
        OutcomeKind::NeedsAttention
    );
}

#[test]
fn external_id_write_back_follows_the_created_order() {
    let mut world = World::new();
    world.external_id_key = Some("flourish");
    let plan = world.plan(&order(&[1], &[]), None).unwrap();
    assert_eq!(
        plan.steps.last(),
        Some(&OrderStep::WriteExternalId {
            key: "flourish".into()
        })
    );
}

#[test]
fn unknown_sku_needs_attention_and_writes_nothing() {
    let mut world = World::new();
    world.items = ItemIndex::default();
    let err = world.plan(&order(&[1], &[]), None).unwrap_err();
    assert_eq!(err.reason, "SKU \"OGK-PR-1G\" not found in Flourish");
}

#[test]
fn draft_combined_and_later_states_of_an_unlinked_order_are_ignored() {
    use LeafLinkStatus::*;
    for status in [Draft, Combined, Fulfilled, Shipped, Complete] {
        let mut o = order(&[1], &[]);
        o.status = status;
        assert_eq!(
            World::new().plan(&o, None).unwrap_err().kind,
            OutcomeKind::Ignored,
            "{status}"
        );
    }
}

#[test]
fn later_states_of_a_linked_order_leave_it_unchanged() {
    let mut o = order(&[1], &[]);
    let existing = linked("fac-a", FlourishStatus::Shipped, lines_of(&o));
    o.status = LeafLinkStatus::Shipped;
    assert_eq!(
        World::new().plan(&o, Some(&existing)).unwrap_err().kind,
        OutcomeKind::Unchanged
    );
}

#[test]
fn cancelled_or_rejected_order_cancels_the_linked_flourish_order() {
    for status in [LeafLinkStatus::Cancelled, LeafLinkStatus::Rejected] {
        let mut o = order(&[1], &[]);
        o.status = status;
        let existing = linked("fac-a", FlourishStatus::Allocated, vec![]);
        let plan = World::new().plan(&o, Some(&existing)).unwrap();
        assert_eq!(
            plan.steps,
            [OrderStep::CancelOrder {
                order_id: "fl-1".into(),
                facility_id: "fac-a".into()
            }]
        );
    }
}

#[test]
fn cancelled_order_never_sent_or_already_cancelled_is_unchanged() {
    let mut o = order(&[1], &[]);
    o.status = LeafLinkStatus::Cancelled;
    assert_eq!(
        World::new().plan(&o, None).unwrap_err().kind,
        OutcomeKind::Unchanged
    );
    let existing = linked("fac-a", FlourishStatus::Cancelled, vec![]);
    assert_eq!(
        World::new().plan(&o, Some(&existing)).unwrap_err().kind,
        OutcomeKind::Unchanged
    );
}

#[test]
fn cancelled_order_already_shipped_in_flourish_needs_attention() {
    let mut o = order(&[1], &[]);
    o.status = LeafLinkStatus::Cancelled;
    let existing = linked("fac-a", FlourishStatus::Shipped, vec![]);
    assert_eq!(
        World::new().plan(&o, Some(&existing)).unwrap_err().kind,
        OutcomeKind::NeedsAttention
    );
}

#[test]
fn order_cancelled_in_flourish_but_open_on_leaflink_needs_attention() {
    let o = order(&[1], &[]);
    let existing = linked("fac-a", FlourishStatus::Cancelled, lines_of(&o));
    assert_eq!(
        World::new().plan(&o, Some(&existing)).unwrap_err().kind,
        OutcomeKind::NeedsAttention
    );
}

#[test]
fn move_summary_lists_the_writes_in_order() {
    let existing = linked(
        "fac-a",
        FlourishStatus::Created,
        lines_of(&order(&[1], &[])),
    );
    let plan = World::new()
        .plan(&order(&[2], &[]), Some(&existing))
        .unwrap();
    assert_eq!(
        plan.summary(),
        "cancel Flourish order fl-1 in facility fac-a; \
         create Flourish order with 1 line(s) in facility fac-b"
    );
}

#[test]
fn plan_serialises_with_tagged_steps() {
    let plan = World::new().plan(&order(&[1], &[]), None).unwrap();
    let json = serde_json::to_value(&plan).unwrap();
    assert_eq!(json["steps"][0]["step"], "create_order");
    assert_eq!(json["steps"][0]["draft"]["destination"]["kind"], "existing");
    let back: OrderPlan = serde_json::from_value(json).unwrap();
    assert_eq!(back, plan);
}

fn with_shipping(mut order: LeafLinkOrder, dollars: i64) -> LeafLinkOrder {
    order.money.shipping = Decimal::from(dollars);
    order
}

#[test]
fn a_new_order_carries_its_discount_and_charges() {
    let mut current = with_shipping(order(&[1], &[]), 12);
    current.money.discount = Some(OrderDiscount::Percent(Decimal::from(10)));
    let plan = World::new().plan(&current, None).unwrap();
    let OrderStep::CreateOrder { draft, .. } = &plan.steps[0] else {
        panic!("{plan:?}")
    };
    assert_eq!(
        draft.adjustments.pretax_discounts[0].amount,
        Decimal::from(9)
    );
    assert_eq!(draft.adjustments.charges[0].name, money::SHIPPING);
    assert!(
        plan.summary().contains("and discount, shipping"),
        "{}",
        plan.summary()
    );
}

#[test]
fn shipping_added_on_leaflink_updates_an_unallocated_order_and_is_attention_once_allocated() {
    let before = order(&[1], &[]);
    let after = with_shipping(order(&[1], &[]), 25);
    let created = linked("fac-a", FlourishStatus::Created, lines_of(&before));
    let plan = World::new().plan(&after, Some(&created)).unwrap();
    let [OrderStep::UpdateLines { adjustments, .. }] = plan.steps.as_slice() else {
        panic!("{plan:?}")
    };
    assert_eq!(adjustments.charges[0].amount, Decimal::from(25));

    let allocated = linked("fac-a", FlourishStatus::Allocated, lines_of(&before));
    let err = World::new().plan(&after, Some(&allocated)).unwrap_err();
    assert_eq!(err.kind, OutcomeKind::NeedsAttention);
    assert!(err.reason.contains("its money"), "{}", err.reason);
}

#[test]
fn an_order_in_step_whose_leaflink_total_is_off_needs_attention_naming_both_figures() {
    let mut current = order(&[1], &[]);
    current.money.total = Some(Decimal::from(95));
    let existing = linked("fac-a", FlourishStatus::Created, lines_of(&current));
    let err = World::new().plan(&current, Some(&existing)).unwrap_err();
    assert_eq!(err.kind, OutcomeKind::NeedsAttention);
    assert!(
        err.reason
            .starts_with("totals do not reconcile: LeafLink $95.00, Flourish order fl-1 $90.00"),
        "{}",
        err.reason
    );
}

#[test]
fn a_payment_term_changed_on_leaflink_updates_an_unallocated_order_and_is_attention_once_allocated()
{
    let current = order(&[1], &[]);
    let world = World {
        payment_term: Some("8"),
        ..World::new()
    };
    let mut created = linked("fac-a", FlourishStatus::Created, lines_of(&current));
    created.payment_term = Some("7".into());
    let plan = world.plan(&current, Some(&created)).unwrap();
    let [OrderStep::UpdateLines { payment_term, .. }] = plan.steps.as_slice() else {
        panic!("{plan:?}")
    };
    assert_eq!(payment_term.as_deref(), Some("8"));
    assert_eq!(
        plan.summary(),
        "set 1 line(s) and payment term 8 on Flourish order fl-1"
    );

    created.payment_term = Some("8".into());
    let err = world.plan(&current, Some(&created)).unwrap_err();
    assert_eq!(err.kind, OutcomeKind::Unchanged, "{err}");

    let mut allocated = linked("fac-a", FlourishStatus::Allocated, lines_of(&current));
    allocated.payment_term = None;
    let err = world.plan(&current, Some(&allocated)).unwrap_err();
    assert_eq!(err.kind, OutcomeKind::NeedsAttention);
    assert!(err.reason.contains("its payment term"), "{}", err.reason);
}

#[test]
fn a_term_leaflink_no_longer_names_leaves_the_flourish_term_as_it_is() {
    let current = order(&[1], &[]);
    let mut created = linked("fac-a", FlourishStatus::Created, lines_of(&current));
    created.payment_term = Some("7".into());
    let err = World::new().plan(&current, Some(&created)).unwrap_err();
    assert_eq!(err.kind, OutcomeKind::Unchanged, "{err}");
}

fn gone(status: LeafLinkStatus) -> LeafLinkOrder {
    LeafLinkOrder {
        status,
        ..order(&[1], &[])
    }
}

#[test]
fn a_combined_order_cancels_its_created_flourish_order_removes_its_id_and_closes_the_link() {
    let world = World {
        external_id_key: Some("flourish"),
        external_id: Some("fl-1"),
        ..World::new()
    };
    let current = gone(LeafLinkStatus::Combined);
    let existing = linked("fac-a", FlourishStatus::Created, lines_of(&current));
    let plan = world.plan(&current, Some(&existing)).unwrap();
    assert_eq!(
        plan.summary(),
        "cancel Flourish order fl-1 in facility fac-a; \
         remove the Flourish order id from LeafLink external_ids.flourish; \
         close the order link (LeafLink order was combined into another order)"
    );
    assert_eq!(left_alone(&current, &existing), None);
}

#[test]
fn an_allocated_order_of_a_combined_order_is_left_alone_as_attention() {
    let world = World {
        external_id_key: Some("flourish"),
        // Another value under the key: not leafbridge's entry, so it stays.
        external_id: Some("fl-other"),
        ..World::new()
    };
    let current = gone(LeafLinkStatus::Combined);
    let existing = linked("fac-a", FlourishStatus::Allocated, lines_of(&current));
    let plan = world.plan(&current, Some(&existing)).unwrap();
    assert!(
        matches!(plan.steps.as_slice(), [OrderStep::CloseLink { .. }]),
        "{plan:?}"
    );
    let outcome = left_alone(&current, &existing).unwrap();
    assert_eq!(outcome.kind, OutcomeKind::NeedsAttention);
    assert!(
        outcome
            .reason
            .contains("already Allocated and was left as it is"),
        "{}",
        outcome.reason
    );
}

#[test]
fn a_deleted_order_closes_its_link_and_one_never_linked_is_ignored() {
    let current = gone(LeafLinkStatus::Deleted);
    let existing = linked("fac-a", FlourishStatus::Cancelled, lines_of(&current));
    let plan = World::new().plan(&current, Some(&existing)).unwrap();
    assert_eq!(
        plan.summary(),
        "close the order link (LeafLink order was deleted)"
    );
    let err = World::new().plan(&current, None).unwrap_err();
    assert_eq!(err.kind, OutcomeKind::Ignored);
    assert_eq!(err.reason, "LeafLink order 6f1c2d7e does not exist");
}
