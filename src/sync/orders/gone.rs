//! Flow A for a LeafLink order that went away: its re-read answers 404 (deleted), so the
//! matcher is given the order as `Deleted` with the Flourish order its open link leads to, and
//! plans the link's closing (see `crate::matcher::order::gone`). An order never linked is
//! ignored, as before.

use chrono::Utc;

use crate::jobs::JobError;
use crate::matcher::Outcome;
use crate::matcher::order::{LeafLinkOrder, LeafLinkStatus, OrderMoney, Routing};
use crate::matcher::records::{Address, Customer};
use crate::sync::SyncContext;

use super::load::{Loaded, Loading};

/// What Flow A decides from for LeafLink order `number`, which LeafLink no longer has.
pub(super) async fn deleted(context: &SyncContext, number: &str) -> Result<Loading, JobError> {
    let Some(linked) = super::linked::linked_by_number(context, number).await? else {
        return Ok(Err(Outcome::ignored(format!(
            "LeafLink order {number} does not exist"
        ))));
    };
    Ok(Ok(Loaded {
        order: LeafLinkOrder {
            number: number.to_owned(),
            status: LeafLinkStatus::Deleted,
            sales_reps: Vec::new(),
            customer: Customer {
                id: 0,
                name: String::new(),
                license_number: None,
                managers: Vec::new(),
                email: None,
                phone: None,
                address: Address::default(),
            },
            lines: Vec::new(),
            money: OrderMoney::default(),
        },
        created_on: Utc::now(),
        external_ids: Default::default(),
        reps: Default::default(),
        routing: Routing::BySalesRep,
        destination: None,
        items: Default::default(),
        linked: Some(linked),
        adopted: None,
        payment_term: None,
    }))
}
