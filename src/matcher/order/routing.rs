//! Flow A, step 3: which Flourish facility (and rep) an order goes to.
//!
//! In routing by sales rep, the LeafLink rep's e-mail picks the Flourish rep, and that rep's
//! default facility receives the order. A person selling for two facilities has two Flourish
//! reps under two e-mails, so the e-mail on the LeafLink order decides the facility.

use serde::{Deserialize, Serialize};

use crate::matcher::index::RepDirectory;
use crate::matcher::keys::EmailKey;
use crate::matcher::outcome::{Outcome, System};
use crate::matcher::records::FlourishRep;

use super::LeafLinkOrder;

/// How orders are spread over Flourish facilities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Routing {
    /// The default facility of the Flourish rep with the order rep's e-mail.
    BySalesRep,
    /// Every order goes to one facility; the rep is attached when resolvable.
    SingleFacility {
        /// The facility receiving all orders.
        facility_id: String,
        /// The facility's `sales_rep_required_for_outbound`.
        rep_required: bool,
    },
}

/// Where an order goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    /// Receiving facility.
    pub facility_id: String,
    /// Flourish `sales_rep_id` to attach, when one is known.
    pub sales_rep_id: Option<String>,
}

/// Routes `order`, or says why it is held or needs attention.
pub fn route(
    order: &LeafLinkOrder,
    reps: &RepDirectory,
    routing: &Routing,
) -> Result<Route, Outcome> {
    let emails = rep_emails(order, reps);
    match routing {
        Routing::BySalesRep => route_by_rep(order, reps, &emails),
        Routing::SingleFacility {
            facility_id,
            rep_required,
        } => {
            let rep = emails.iter().find_map(|email| {
                reps.flourish_reps(email)
                    .iter()
                    .find(|rep| rep.facility_id == *facility_id)
            });
            if rep.is_none() && *rep_required {
                return Err(Outcome::held(format!(
                    "order held: facility {facility_id} requires a sales rep and no rep of the \
                     order or the customer is a Flourish sales rep there"
                )));
            }
            Ok(Route {
                facility_id: facility_id.clone(),
                sales_rep_id: rep.map(|r| r.id.clone()),
            })
        }
    }
}

/// The order's reps' e-mails, else the customer's default reps' e-mails, in listed order.
fn rep_emails<'a>(order: &LeafLinkOrder, reps: &'a RepDirectory) -> Vec<&'a EmailKey> {
    let staff = if order.sales_reps.is_empty() {
        &order.customer.managers
    } else {
        &order.sales_reps
    };
    staff
        .iter()
        .filter_map(|id| reps.staff_email(*id))
        .collect()
}

fn route_by_rep(
    order: &LeafLinkOrder,
    reps: &RepDirectory,
    emails: &[&EmailKey],
) -> Result<Route, Outcome> {
    if order.sales_reps.is_empty() && order.customer.managers.is_empty() {
        return Err(Outcome::held(
            "order held: no sales rep on the order or the customer",
        ));
    }
    // The first listed rep known to Flourish decides; later reps are co-sellers.
    for email in emails {
        match reps.flourish_reps(email) {
            [] => continue,
            [rep] => return Ok(to_route(rep)),
            several => return single_facility_or_ambiguous(email, several),
        }
    }
    let tried: Vec<&str> = emails.iter().map(|e| e.as_str()).collect();
    Err(Outcome::held(if tried.is_empty() {
        "order held: the order's sales reps have no e-mail in LeafLink".to_owned()
    } else {
        format!(
            "order held: no Flourish sales rep has the e-mail {}",
            tried.join(", ")
        )
    }))
}

/// Several Flourish reps sharing one e-mail route only if they agree on the facility.
fn single_facility_or_ambiguous(email: &EmailKey, reps: &[FlourishRep]) -> Result<Route, Outcome> {
    if reps.iter().all(|r| r.facility_id == reps[0].facility_id) {
        return Ok(to_route(&reps[0]));
    }
    Err(Outcome::attention_fix(
        format!(
            "the e-mail {} belongs to Flourish sales reps in {} facilities, so the order's \
             facility is ambiguous",
            email.as_str(),
            reps.len()
        ),
        System::Flourish,
        format!(
            "give each facility's sales rep for {} its own e-mail, matching the LeafLink user \
             who sells for that facility",
            email.as_str()
        ),
    ))
}

fn to_route(rep: &FlourishRep) -> Route {
    Route {
        facility_id: rep.facility_id.clone(),
        sales_rep_id: Some(rep.id.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::order::tests::{directory, order};
    use crate::matcher::outcome::OutcomeKind;

    #[test]
    fn order_rep_routes_to_the_default_facility_of_the_flourish_rep_with_that_email() {
        let got = route(&order(&[1], &[]), &directory(), &Routing::BySalesRep).unwrap();
        assert_eq!(got.facility_id, "fac-a");
        assert_eq!(got.sales_rep_id.as_deref(), Some("rep-a"));
    }

    #[test]
    fn one_person_selling_for_two_facilities_under_two_emails_reaches_two_facilities() {
        let dir = directory();
        let a = route(&order(&[1], &[]), &dir, &Routing::BySalesRep).unwrap();
        let b = route(&order(&[2], &[]), &dir, &Routing::BySalesRep).unwrap();
        assert_eq!(
            (a.facility_id.as_str(), b.facility_id.as_str()),
            ("fac-a", "fac-b")
        );
    }

    #[test]
    fn customer_default_rep_routes_an_order_without_a_rep() {
        let got = route(&order(&[], &[2]), &directory(), &Routing::BySalesRep).unwrap();
        assert_eq!(got.facility_id, "fac-b");
    }

    #[test]
    fn order_rep_wins_over_the_customer_default_rep() {
        let got = route(&order(&[1], &[2]), &directory(), &Routing::BySalesRep).unwrap();
        assert_eq!(got.facility_id, "fac-a");
    }

    #[test]
    fn order_without_any_rep_is_held() {
        let err = route(&order(&[], &[]), &directory(), &Routing::BySalesRep).unwrap_err();
        assert_eq!(err.kind, OutcomeKind::Held);
        assert_eq!(
            err.reason,
            "order held: no sales rep on the order or the customer"
        );
    }

    #[test]
    fn rep_without_a_flourish_counterpart_holds_the_order() {
        let err = route(&order(&[3], &[]), &directory(), &Routing::BySalesRep).unwrap_err();
        assert_eq!(err.kind, OutcomeKind::Held);
        assert!(
            err.reason.contains("nobody@brand.example"),
            "{}",
            err.reason
        );
    }

    #[test]
    fn one_email_on_reps_of_two_facilities_needs_attention() {
        let err = route(&order(&[4], &[]), &directory(), &Routing::BySalesRep).unwrap_err();
        assert_eq!(err.kind, OutcomeKind::NeedsAttention);
        assert_eq!(err.fix.unwrap().system, System::Flourish);
    }

    #[test]
    fn single_facility_attaches_the_rep_when_resolvable() {
        let routing = Routing::SingleFacility {
            facility_id: "fac-b".into(),
            rep_required: false,
        };
        let with_rep = route(&order(&[2], &[]), &directory(), &routing).unwrap();
        assert_eq!(with_rep.sales_rep_id.as_deref(), Some("rep-b"));
        let without = route(&order(&[], &[]), &directory(), &routing).unwrap();
        assert_eq!(
            (without.facility_id.as_str(), without.sales_rep_id),
            ("fac-b", None)
        );
    }

    #[test]
    fn single_facility_requiring_a_rep_holds_an_order_without_one() {
        let routing = Routing::SingleFacility {
            facility_id: "fac-b".into(),
            rep_required: true,
        };
        let err = route(&order(&[1], &[]), &directory(), &routing).unwrap_err();
        assert_eq!(err.kind, OutcomeKind::Held);
    }
}
