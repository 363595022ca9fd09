//! Flow E: a Flourish order status moves the linked LeafLink order along.
//!
//! LeafLink's `available_transitions` lists the *states* an order can move to (lower case, e.g.
//! `["fulfilled", "rejected"]` for an Accepted order); each state is reached by one action. The
//! plan is the whole walk along LeafLink's machine to the state the Flourish status asks for, and
//! its first step must be a state LeafLink offers, so a write is never refused for being out of
//! order. The seller ends an order it will not fill with `reject`: `cancel` is the buyer's.

use serde::{Deserialize, Serialize};

use super::order::{FlourishStatus, LeafLinkStatus};
use super::outcome::Outcome;

/// A LeafLink order transition (`POST /orders-received/{number}/transition/{action}/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    /// To `accepted`.
    Accept,
    /// To `backorder`.
    Backorder,
    /// To `fulfilled`.
    Fulfill,
    /// To `shipped`.
    Ship,
    /// To `complete`.
    Complete,
    /// To `rejected`: the seller refuses the order.
    Reject,
    /// To `cancelled`: the buyer's action, never planned by leafbridge.
    Cancel,
}

impl Transition {
    /// Every transition, each with the state it leads to.
    const ALL: [Self; 7] = [
        Self::Accept,
        Self::Backorder,
        Self::Fulfill,
        Self::Ship,
        Self::Complete,
        Self::Reject,
        Self::Cancel,
    ];

    /// The action name in LeafLink's path.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::Backorder => "backorder",
            Self::Fulfill => "fulfill",
            Self::Ship => "ship",
            Self::Complete => "complete",
            Self::Reject => "reject",
            Self::Cancel => "cancel",
        }
    }

    /// The state this transition leads to, as `available_transitions` names it.
    pub fn state(self) -> &'static str {
        match self {
            Self::Accept => "accepted",
            Self::Backorder => "backorder",
            Self::Fulfill => "fulfilled",
            Self::Ship => "shipped",
            Self::Complete => "complete",
            Self::Reject => "rejected",
            Self::Cancel => "cancelled",
        }
    }

    /// The transition that reaches `state` (an entry of `available_transitions`).
    pub fn for_state(state: &str) -> Option<Self> {
        let state = state.trim();
        Self::ALL
            .into_iter()
            .find(|t| t.state().eq_ignore_ascii_case(state))
    }

    /// Whether `available_transitions` offers this transition.
    pub fn offered_in(self, available: &[String]) -> bool {
        available
            .iter()
            .any(|state| Self::for_state(state) == Some(self))
    }
}

/// Everything Flow E decides from.
#[derive(Debug, Clone, Copy)]
pub struct StatusInput<'a> {
    /// The linked LeafLink order number; `None` when the Flourish order is not linked.
    pub order_number: Option<&'a str>,
    /// The Flourish order's status.
    pub flourish_status: FlourishStatus,
    /// The LeafLink order's status, re-read.
    pub leaflink_status: LeafLinkStatus,
    /// The LeafLink order's `available_transitions` (state names).
    pub available_transitions: &'a [String],
}

/// The walk to make: every step, in order. The first is offered now; each later step is made
/// only when the order, as the previous step left it, offers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusPlan {
    /// LeafLink order number.
    pub order_number: String,
    /// The transitions, first to last (never empty).
    pub steps: Vec<Transition>,
}

impl StatusPlan {
    /// One sentence per step.
    pub fn step_summaries(&self) -> Vec<String> {
        self.steps
            .iter()
            .map(|step| step_summary(*step, &self.order_number))
            .collect()
    }

    /// The walk as one sentence.
    pub fn summary(&self) -> String {
        self.step_summaries().join("; ")
    }
}

/// One step as a sentence, e.g. `ship LeafLink order n-1`.
pub fn step_summary(step: Transition, order_number: &str) -> String {
    format!("{} LeafLink order {order_number}", step.as_str())
}

/// Plans Flow E for one Flourish order status.
pub fn plan_status(input: StatusInput<'_>) -> Result<StatusPlan, Outcome> {
    let Some(number) = input.order_number else {
        return Err(Outcome::ignored(
            "Flourish order is not linked to a LeafLink order",
        ));
    };
    let steps = walk(input.flourish_status, input.leaflink_status)?;
    let first = steps[0];
    if !first.offered_in(input.available_transitions) {
        return Err(Outcome::ignored(format!(
            "LeafLink does not offer `{}` for an order in {} (offers: {})",
            first.state(),
            input.leaflink_status,
            offers(input.available_transitions)
        )));
    }
    Ok(StatusPlan {
        order_number: number.to_owned(),
        steps,
    })
}

/// What `available_transitions` lists, for a reason.
pub fn offers(available: &[String]) -> String {
    if available.is_empty() {
        "nothing".to_owned()
    } else {
        available.join(", ")
    }
}

/// LeafLink's forward path, in order.
const FORWARD: [(LeafLinkStatus, Transition); 4] = [
    (LeafLinkStatus::Accepted, Transition::Accept),
    (LeafLinkStatus::Fulfilled, Transition::Fulfill),
    (LeafLinkStatus::Shipped, Transition::Ship),
    (LeafLinkStatus::Complete, Transition::Complete),
];

/// Where an order stands on the forward path (`None` when it is off it).
fn rank(status: LeafLinkStatus) -> Option<usize> {
    use LeafLinkStatus as L;
    match status {
        L::Submitted => Some(0),
        // A backordered order has been accepted; it goes on with `fulfill`.
        L::Accepted | L::Backorder => Some(1),
        L::Fulfilled => Some(2),
        L::Shipped => Some(3),
        L::Complete => Some(4),
        L::Draft | L::Rejected | L::Combined | L::Cancelled | L::Deleted | L::Other => None,
    }
}

/// Every step from `leaflink` to the state `flourish` asks for, or why there is none.
fn walk(flourish: FlourishStatus, leaflink: LeafLinkStatus) -> Result<Vec<Transition>, Outcome> {
    let target = match flourish {
        FlourishStatus::Allocated => LeafLinkStatus::Accepted,
        FlourishStatus::Shipped => LeafLinkStatus::Shipped,
        FlourishStatus::Completed => LeafLinkStatus::Complete,
        FlourishStatus::Cancelled => return reject(leaflink),
        FlourishStatus::Created | FlourishStatus::PartiallyAllocated => {
            return Err(Outcome::ignored(format!(
                "Flourish status {flourish} has no LeafLink counterpart"
            )));
        }
    };
    let Some(from) = rank(leaflink) else {
        return Err(closed(flourish, leaflink));
    };
    let to = rank(target).unwrap_or(0);
    if from >= to {
        return Err(Outcome::unchanged(format!(
            "LeafLink order is already {leaflink}: Flourish status {flourish} asks for nothing more"
        )));
    }
    Ok(FORWARD[from..to].iter().map(|(_, step)| *step).collect())
}

/// A cancelled Flourish order: the seller rejects the LeafLink order while it is still open.
fn reject(leaflink: LeafLinkStatus) -> Result<Vec<Transition>, Outcome> {
    use LeafLinkStatus as L;
    match leaflink {
        L::Submitted | L::Accepted | L::Backorder | L::Fulfilled | L::Shipped => {
            Ok(vec![Transition::Reject])
        }
        L::Rejected | L::Cancelled => Err(Outcome::unchanged(format!(
            "LeafLink order is already {leaflink}"
        ))),
        L::Draft | L::Complete | L::Combined | L::Deleted | L::Other => {
            Err(closed(FlourishStatus::Cancelled, leaflink))
        }
    }
}

fn closed(flourish: FlourishStatus, leaflink: LeafLinkStatus) -> Outcome {
    Outcome::ignored(format!(
        "LeafLink order is {leaflink}: it cannot follow Flourish status {flourish}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::outcome::OutcomeKind;

    fn plan(
        fl: FlourishStatus,
        ll: LeafLinkStatus,
        offered: &[&str],
    ) -> Result<StatusPlan, Outcome> {
        let offered: Vec<String> = offered.iter().map(|s| (*s).to_owned()).collect();
        plan_status(StatusInput {
            order_number: Some("n-1"),
            flourish_status: fl,
            leaflink_status: ll,
            available_transitions: &offered,
        })
    }

    #[test]
    fn every_offered_state_maps_to_its_action() {
        let cases = [
            ("accepted", "accept"),
            ("fulfilled", "fulfill"),
            ("shipped", "ship"),
            ("complete", "complete"),
            ("rejected", "reject"),
            ("cancelled", "cancel"),
            ("backorder", "backorder"),
        ];
        for (state, action) in cases {
            let transition = Transition::for_state(state).unwrap();
            assert_eq!(transition.as_str(), action, "{state}");
            assert_eq!(transition.state(), state);
        }
        assert_eq!(
            Transition::for_state(" Fulfilled "),
            Some(Transition::Fulfill)
        );
        assert_eq!(
            Transition::for_state("fulfill"),
            None,
            "an action is not a state"
        );
    }

    #[test]
    fn flourish_statuses_walk_leaflink_orders_to_the_matching_state() {
        use FlourishStatus as F;
        use LeafLinkStatus as L;
        use Transition::*;
        let cases: [(F, L, &[&str], &[Transition]); 8] = [
            (
                F::Allocated,
                L::Submitted,
                &["accepted", "rejected"],
                &[Accept],
            ),
            (
                F::Shipped,
                L::Submitted,
                &["accepted", "rejected"],
                &[Accept, Fulfill, Ship],
            ),
            (
                F::Shipped,
                L::Accepted,
                &["fulfilled", "rejected"],
                &[Fulfill, Ship],
            ),
            (
                F::Shipped,
                L::Backorder,
                &["fulfilled", "rejected"],
                &[Fulfill, Ship],
            ),
            (
                F::Completed,
                L::Submitted,
                &["accepted"],
                &[Accept, Fulfill, Ship, Complete],
            ),
            (
                F::Completed,
                L::Fulfilled,
                &["shipped", "complete"],
                &[Ship, Complete],
            ),
            (
                F::Cancelled,
                L::Submitted,
                &["accepted", "rejected"],
                &[Reject],
            ),
            (
                F::Cancelled,
                L::Shipped,
                &["complete", "rejected"],
                &[Reject],
            ),
        ];
        for (fl, ll, offered, steps) in cases {
            let got = plan(fl, ll, offered).unwrap();
            assert_eq!(got.steps, steps, "{fl} from {ll}");
        }
    }

    #[test]
    fn plan_summaries_name_every_step() {
        let got = plan(
            FlourishStatus::Shipped,
            LeafLinkStatus::Accepted,
            &["fulfilled", "rejected"],
        )
        .unwrap();
        assert_eq!(
            got.step_summaries(),
            ["fulfill LeafLink order n-1", "ship LeafLink order n-1"]
        );
        assert_eq!(
            got.summary(),
            "fulfill LeafLink order n-1; ship LeafLink order n-1"
        );
    }

    #[test]
    fn cancelled_is_a_rejection_never_a_cancellation() {
        for ll in [
            LeafLinkStatus::Submitted,
            LeafLinkStatus::Accepted,
            LeafLinkStatus::Fulfilled,
        ] {
            let got = plan(FlourishStatus::Cancelled, ll, &["cancelled", "rejected"]).unwrap();
            assert_eq!(got.steps, [Transition::Reject], "from {ll}");
        }
        let err = plan(
            FlourishStatus::Cancelled,
            LeafLinkStatus::Accepted,
            &["cancelled"],
        )
        .unwrap_err();
        assert_eq!(err.kind, OutcomeKind::Ignored);
    }

    #[test]
    fn allocated_does_not_accept_an_order_past_submitted() {
        let err = plan(
            FlourishStatus::Allocated,
            LeafLinkStatus::Accepted,
            &["fulfilled"],
        )
        .unwrap_err();
        assert_eq!(err.kind, OutcomeKind::Unchanged);
    }

    #[test]
    fn first_step_leaflink_does_not_offer_is_not_attempted() {
        let err = plan(
            FlourishStatus::Shipped,
            LeafLinkStatus::Accepted,
            &["rejected"],
        )
        .unwrap_err();
        assert_eq!(err.kind, OutcomeKind::Ignored);
        assert_eq!(
            err.reason,
            "LeafLink does not offer `fulfilled` for an order in Accepted (offers: rejected)"
        );
        // Action names are not states: an order listing them offers nothing.
        let err = plan(
            FlourishStatus::Shipped,
            LeafLinkStatus::Fulfilled,
            &["ship"],
        )
        .unwrap_err();
        assert_eq!(err.kind, OutcomeKind::Ignored);
    }

    #[test]
    fn order_already_at_or_past_the_target_status_is_unchanged() {
        let err = plan(
            FlourishStatus::Shipped,
            LeafLinkStatus::Shipped,
            &["complete"],
        )
        .unwrap_err();
        assert_eq!(err.kind, OutcomeKind::Unchanged);
        let err = plan(FlourishStatus::Shipped, LeafLinkStatus::Complete, &[]).unwrap_err();
        assert_eq!(err.kind, OutcomeKind::Unchanged);
        let err = plan(FlourishStatus::Cancelled, LeafLinkStatus::Rejected, &[]).unwrap_err();
        assert_eq!(err.kind, OutcomeKind::Unchanged);
    }

    #[test]
    fn closed_leaflink_orders_are_ignored() {
        let err = plan(FlourishStatus::Shipped, LeafLinkStatus::Rejected, &[]).unwrap_err();
        assert_eq!(err.kind, OutcomeKind::Ignored);
        let err = plan(FlourishStatus::Cancelled, LeafLinkStatus::Complete, &[]).unwrap_err();
        assert_eq!(err.kind, OutcomeKind::Ignored);
    }

    #[test]
    fn created_and_partially_allocated_are_ignored() {
        for fl in [FlourishStatus::Created, FlourishStatus::PartiallyAllocated] {
            assert_eq!(
                plan(fl, LeafLinkStatus::Submitted, &["accepted"])
                    .unwrap_err()
                    .kind,
                OutcomeKind::Ignored
            );
        }
    }

    #[test]
    fn unlinked_flourish_order_is_ignored() {
        let err = plan_status(StatusInput {
            order_number: None,
            flourish_status: FlourishStatus::Shipped,
            leaflink_status: LeafLinkStatus::Accepted,
            available_transitions: &[],
        });
        assert_eq!(err.unwrap_err().kind, OutcomeKind::Ignored);
    }
}
