//! Sales reps: LeafLink staff ↔ Flourish reps by e-mail, reps without a facility, customers whose
//! default rep does not resolve, and where today's open orders would be routed.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::Context;
use crate::leaflink::model as ll;
use crate::matcher::EmailKey;
use crate::matcher::order::{LeafLinkOrder, LeafLinkStatus, Routing, route};
use crate::matcher::records::Customer;
use crate::preflight::finding::{Finding, RecordRef, Severity, Side};

/// Sales-rep findings. When no Flourish rep carries an e-mail, one finding says so instead of
/// one per staff member and customer: the rep list itself is the problem.
pub fn check(cx: &Context<'_>) -> Vec<Finding> {
    if let Some(finding) = reps_without_emails(cx) {
        let mut findings = vec![finding];
        findings.extend(reps_without_facility(cx));
        return findings;
    }
    let mut findings = Vec::new();
    for staff in cx
        .snapshot
        .leaflink
        .staff
        .iter()
        .filter(|s| s.is_active && !has_rep(cx, s))
    {
        let email = staff.email.as_deref().unwrap_or("").trim();
        findings.push(
            Finding::new(
                "staff_without_flourish_rep",
                Severity::Warning,
                format!("LeafLink staff {} ({email}) matches no Flourish sales rep; their orders will be held", name(staff)),
            )
            .with([staff_ref(staff)])
            .fix(Side::Flourish, format!("create a sales rep with the e-mail {email} and a default facility")),
        );
    }
    findings.extend(reps_without_facility(cx));
    findings.extend(unresolved_managers(cx));
    findings
}

/// Flourish's rep e-mail is not confirmed by its public material: a rep list without a single
/// e-mail cannot route by sales rep at all, and single-facility routing is the way out.
fn reps_without_emails(cx: &Context<'_>) -> Option<Finding> {
    let reps = &cx.snapshot.flourish.sales_reps;
    if reps.is_empty() || !cx.rep_emails.is_empty() {
        return None;
    }
    let (severity, consequence) = match &cx.settings.routing {
        Routing::BySalesRep => (
            Severity::Error,
            "orders cannot be routed by sales rep and will all be held",
        ),
        Routing::SingleFacility { .. } => (
            Severity::Info,
            "orders go to the configured facility without a sales rep",
        ),
    };
    let facilities: Vec<String> = cx
        .snapshot
        .flourish
        .facilities
        .iter()
        .map(|f| format!("facility:{} ({})", f.id, f.facility_name))
        .collect();
    let choices = match facilities.as_slice() {
        [] => "facility:<facility id>".to_owned(),
        list => list.join(" or "),
    };
    let records = reps
        .iter()
        .map(|rep| RecordRef::flourish("sales_rep", &rep.sales_rep_id, rep_name(rep)));
    Some(
        Finding::new(
            "sales_reps_without_email",
            severity,
            format!("None of the {} Flourish sales reps has an e-mail; {consequence}", reps.len()),
        )
        .with(records)
        .fix(Side::Leafbridge, format!("use single-facility routing: set LEAFBRIDGE_ROUTING to {choices}; or give the Flourish sales reps the e-mails of the LeafLink staff")),
    )
}

fn rep_name(rep: &crate::flourish::model::SalesRep) -> String {
    let who = format!(
        "{} {}",
        rep.first_name.as_deref().unwrap_or(""),
        rep.last_name.as_deref().unwrap_or("")
    );
    who.trim().to_owned()
}

fn reps_without_facility(cx: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for rep in &cx.snapshot.flourish.sales_reps {
        if rep
            .facility_id
            .as_deref()
            .is_some_and(|f| !f.trim().is_empty())
        {
            continue;
        }
        findings.push(
            Finding::new(
                "sales_rep_without_facility",
                Severity::Warning,
                format!("Flourish sales rep {} has no default facility; orders they sell cannot be routed", rep_name(rep)),
            )
            .with([RecordRef::flourish("sales_rep", &rep.sales_rep_id, rep.email.clone().unwrap_or_default())])
            .fix(Side::Flourish, format!("set the default facility of sales rep {}", rep.sales_rep_id)),
        );
    }
    findings
}

fn name(staff: &ll::CompanyStaff) -> String {
    staff
        .display_name
        .clone()
        .unwrap_or_else(|| staff.id.to_string())
}

fn staff_ref(staff: &ll::CompanyStaff) -> RecordRef {
    RecordRef::leaflink(
        "company_staff",
        staff.id,
        staff.email.clone().unwrap_or_default(),
    )
}

fn has_rep(cx: &Context<'_>, staff: &ll::CompanyStaff) -> bool {
    staff
        .email
        .as_deref()
        .and_then(EmailKey::new)
        .is_some_and(|e| cx.rep_emails.contains(&e))
}

fn unresolved_managers(cx: &Context<'_>) -> Vec<Finding> {
    let staff: HashMap<i64, &ll::CompanyStaff> = cx
        .snapshot
        .leaflink
        .staff
        .iter()
        .map(|s| (s.id, s))
        .collect();
    let mut findings = Vec::new();
    for customer in cx.customers() {
        let bad: Vec<i64> = customer
            .managers
            .iter()
            .copied()
            .filter(|id| staff.get(id).is_none_or(|s| !has_rep(cx, s)))
            .collect();
        if bad.is_empty() {
            continue;
        }
        let records = bad.iter().map(|id| match staff.get(id) {
            Some(s) => staff_ref(s),
            None => RecordRef::leaflink("company_staff", *id, "unknown"),
        });
        let names: Vec<String> = bad
            .iter()
            .map(|id| {
                staff
                    .get(id)
                    .map_or(format!("unknown staff {id}"), |s| name(s))
            })
            .collect();
        findings.push(
            Finding::new(
                "customer_default_rep_unresolved",
                Severity::Warning,
                format!("Customer {}'s default rep ({}) is no Flourish sales rep; orders without a rep will be held", customer.name, names.join(", ")),
            )
            .with([RecordRef::leaflink("customer", customer.id, customer.license_number.clone().unwrap_or_default())])
            .with(records)
            .fix(Side::Leaflink, format!("give customer {} an active sales rep who is a Flourish sales rep", customer.id)),
        );
    }
    findings
}

/// Open orders per receiving facility under the configured routing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingTable {
    /// One row per facility receiving at least one order.
    pub facilities: Vec<RouteRow>,
    /// Orders that would be held or need attention instead, with the reason.
    pub not_routed: BTreeMap<String, usize>,
}

/// One facility's share of the open orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteRow {
    pub facility_id: String,
    pub facility_name: String,
    pub orders: usize,
}

/// Routes every open LeafLink order the way sync would today.
pub fn routing_table(cx: &Context<'_>) -> RoutingTable {
    let customers: HashMap<i64, &ll::Customer> = cx
        .snapshot
        .leaflink
        .customers
        .iter()
        .map(|c| (c.id, c))
        .collect();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut table = RoutingTable::default();
    for order in &cx.snapshot.leaflink.orders {
        let input = as_matcher_order(order, customers.get(&order.customer.id).copied());
        match route(&input, &cx.reps, &cx.settings.routing) {
            Ok(route) => *counts.entry(route.facility_id).or_insert(0) += 1,
            Err(outcome) => *table.not_routed.entry(outcome.reason).or_insert(0) += 1,
        }
    }
    let names: HashMap<&str, &str> = cx
        .snapshot
        .flourish
        .facilities
        .iter()
        .map(|f| (f.id.as_str(), f.facility_name.as_str()))
        .collect();
    table.facilities = counts
        .into_iter()
        .map(|(id, orders)| RouteRow {
            facility_name: names
                .get(id.as_str())
                .unwrap_or(&"unknown facility")
                .to_string(),
            facility_id: id,
            orders,
        })
        .collect();
    table
}

/// Routing reads only reps and the customer's default reps: lines are left out.
fn as_matcher_order(order: &ll::OrderReceived, customer: Option<&ll::Customer>) -> LeafLinkOrder {
    let managers = customer
        .map(|c| c.managers.clone())
        .or_else(|| order.customer.managers.clone())
        .unwrap_or_default();
    LeafLinkOrder {
        number: order.number.clone(),
        status: LeafLinkStatus::Submitted,
        sales_reps: order.sales_reps.iter().map(|r| r.id).collect(),
        customer: Customer {
            id: order.customer.id,
            name: order.customer.name.clone().unwrap_or_default(),
            license_number: order.customer.license_number.clone(),
            managers,
            email: None,
            phone: None,
            address: Default::default(),
        },
        lines: Vec::new(),
        money: Default::default(),
    }
}
