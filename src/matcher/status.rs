//! Flow E: a Flourish order status moves the linked LeafLink order along.
//!
//! Only transitions LeafLink itself offers are attempted, so a write can never be refused for
//! being out of order.

use serde::{Deserialize, Serialize};

use super::order::{FlourishStatus, LeafLinkStatus};
use super::outcome::Outcome;

/// A LeafLink order transition (`POST /orders-received/{number}/transition/{action}/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    /// Accept a submitted order.
    Accept,
    /// Mark shipped.
    Ship,
    /// Mark complete.
    Complete,
    /// Cancel.
    Cancel,
}

impl Transition {
    /// The action name in LeafLink's path.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::Ship => "ship",
            Self::Complete => "complete",
            Self::Cancel => "cancel",
        }
    }

    /// Whether the LeafLink order is already where this transition leads (or past it).
    fn reached(self, status: LeafLinkStatus) -> bool {
        use LeafLinkStatus::*;
        match self {
            Self::Accept => matches!(
                status,
                Accepted | Backorder | Fulfilled | Shipped | Complete
            ),
            Self::Ship => matches!(status, Shipped | Complete),
            Self::Complete => status == Complete,
            Self::Cancel => matches!(status, Cancelled | Rejected),
        }
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
    /// The LeafLink order's `available_transitions`.
    pub available_transitions: &'a [String],
}

/// The transition to make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusPlan {
    /// LeafLink order number.
    pub order_number: String,
    /// The transition.
    pub action: Transition,
}

impl StatusPlan {
    /// The write as one sentence.
    pub fn summary(&self) -> String {
        format!(
            "{} LeafLink order {}",
            self.action.as_str(),
            self.order_number
        )
    }
}

/// Plans Flow E for one Flourish order status.
pub fn plan_status(input: StatusInput<'_>) -> Result<StatusPlan, Outcome> {
    let Some(number) = input.order_number else {
        return Err(Outcome::ignored(
            "Flourish order is not linked to a LeafLink order",
        ));
    };
    let action = wanted(input.flourish_status, input.leaflink_status)?;
    if action.reached(input.leaflink_status) {
        return Err(Outcome::unchanged(format!(
            "LeafLink order is already {}",
            input.leaflink_status
        )));
    }
    let offered = input
        .available_transitions
        .iter()
        .any(|t| t.trim().eq_ignore_ascii_case(action.as_str()));
    if !offered {
        return Err(Outcome::ignored(format!(
            "LeafLink does not offer `{}` for an order in {} (offers: {})",
            action.as_str(),
            input.leaflink_status,
            input.available_transitions.join(", ")
        )));
    }
    Ok(StatusPlan {
        order_number: number.to_owned(),
        action,
    })
}

fn wanted(flourish: FlourishStatus, leaflink: LeafLinkStatus) -> Result<Transition, Outcome> {
    match flourish {
        FlourishStatus::Shipped => Ok(Transition::Ship),
        FlourishStatus::Completed => Ok(Transition::Complete),
        FlourishStatus::Cancelled => Ok(Transition::Cancel),
        // Accepting is only a step forward from Submitted; elsewhere it is a no-op or a regress.
        FlourishStatus::Allocated if leaflink == LeafLinkStatus::Submitted => {
            Ok(Transition::Accept)
        }
        FlourishStatus::Allocated => Err(Outcome::unchanged(format!(
            "Flourish order is Allocated and the LeafLink order is {leaflink}: nothing to accept"
        ))),
        FlourishStatus::Created | FlourishStatus::PartiallyAllocated => Err(Outcome::ignored(
            format!("Flourish status {flourish} has no LeafLink counterpart"),
        )),
    }
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
    fn flourish_statuses_map_to_leaflink_transitions() {
        use FlourishStatus as F;
        use LeafLinkStatus as L;
        let cases = [
            (F::Shipped, L::Fulfilled, Transition::Ship),
            (F::Completed, L::Shipped, Transition::Complete),
            (F::Cancelled, L::Accepted, Transition::Cancel),
            (F::Allocated, L::Submitted, Transition::Accept),
        ];
        for (fl, ll, action) in cases {
            let got = plan(fl, ll, &["accept", "ship", "complete", "cancel"]).unwrap();
            assert_eq!(got.action, action, "{fl} from {ll}");
            assert_eq!(
                got.summary(),
                format!("{} LeafLink order n-1", action.as_str())
            );
        }
    }

    #[test]
    fn allocated_does_not_accept_an_order_past_submitted() {
        let err = plan(
            FlourishStatus::Allocated,
            LeafLinkStatus::Accepted,
            &["accept"],
        )
        .unwrap_err();
        assert_eq!(err.kind, OutcomeKind::Unchanged);
    }

    #[test]
    fn transition_leaflink_does_not_offer_is_not_attempted() {
        let err = plan(
            FlourishStatus::Shipped,
            LeafLinkStatus::Accepted,
            &["fulfill", "cancel"],
        )
        .unwrap_err();
        assert_eq!(err.kind, OutcomeKind::Ignored);
        assert_eq!(
            err.reason,
            "LeafLink does not offer `ship` for an order in Accepted (offers: fulfill, cancel)"
        );
    }

    #[test]
    fn order_already_at_the_target_status_is_unchanged() {
        let err = plan(
            FlourishStatus::Shipped,
            LeafLinkStatus::Shipped,
            &["complete"],
        )
        .unwrap_err();
        assert_eq!(err.kind, OutcomeKind::Unchanged);
        let err = plan(FlourishStatus::Cancelled, LeafLinkStatus::Rejected, &[]).unwrap_err();
        assert_eq!(err.kind, OutcomeKind::Unchanged);
    }

    #[test]
    fn created_and_partially_allocated_are_ignored() {
        for fl in [FlourishStatus::Created, FlourishStatus::PartiallyAllocated] {
            assert_eq!(
                plan(fl, LeafLinkStatus::Submitted, &["accept"])
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
