//! LeafLink customers ↔ Flourish destinations by licence number.

use std::collections::{BTreeMap, HashSet};

use super::Context;
use crate::flourish::model as fl;
use crate::leaflink::model as ll;
use crate::matcher::{LicenseKey, Lookup};
use crate::preflight::finding::{Finding, RecordRef, Severity, Side};

/// Customer findings.
pub fn check(cx: &Context<'_>) -> Vec<Finding> {
    let mut findings: Vec<Finding> = near_misses(cx)
        .into_iter()
        .map(|(d, c)| near_miss(d, c))
        .collect();
    for customer in cx.customers().filter(|c| license(c).is_none()) {
        findings.push(
            Finding::new(
                "customer_missing_license",
                Severity::Warning,
                format!(
                    "LeafLink customer {} has no license number; its orders cannot reach Flourish",
                    customer.name
                ),
            )
            .with([customer_ref(customer)])
            .fix(
                Side::Leaflink,
                format!(
                    "enter the license number of customer {} ({})",
                    customer.id, customer.name
                ),
            ),
        );
    }
    findings.extend(duplicates(cx));
    findings
}

fn license(customer: &ll::Customer) -> Option<LicenseKey> {
    LicenseKey::new(customer.license_number.as_deref()?)
}

fn customer_ref(customer: &ll::Customer) -> RecordRef {
    let key = customer.license_number.clone().unwrap_or_default();
    RecordRef::leaflink("customer", customer.id, key)
}

fn destination_ref(dest: &fl::Destination) -> RecordRef {
    RecordRef::flourish("destination", &dest.id, dest.fields.license_number.clone())
}

/// A licence with all whitespace removed and letters upper-cased.
fn loose(license: &str) -> String {
    license
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Customers whose licence no destination has exactly.
fn unmatched_customers<'a, 'c>(
    cx: &'c Context<'a>,
) -> impl Iterator<Item = (&'a ll::Customer, LicenseKey)> + use<'a, 'c> {
    cx.customers().filter_map(|c| {
        let key = license(c)?;
        matches!(cx.destinations.find_license(&key), Lookup::Missing).then_some((c, key))
    })
}

fn near_misses<'a>(cx: &Context<'a>) -> Vec<(&'a fl::Destination, &'a ll::Customer)> {
    let mut by_loose: BTreeMap<String, Vec<&ll::Customer>> = BTreeMap::new();
    for (customer, key) in unmatched_customers(cx) {
        by_loose
            .entry(loose(key.as_str()))
            .or_default()
            .push(customer);
    }
    let mut pairs = Vec::new();
    for dest in &cx.snapshot.flourish.destinations {
        let Some(key) = LicenseKey::new(&dest.fields.license_number) else {
            continue;
        };
        if cx.customer_licenses.contains(&key) {
            continue;
        }
        for customer in by_loose.get(&loose(key.as_str())).into_iter().flatten() {
            pairs.push((dest, *customer));
        }
    }
    pairs
}

fn near_miss(dest: &fl::Destination, customer: &ll::Customer) -> Finding {
    let (left, right) = (
        dest.fields.license_number.trim(),
        customer.license_number.as_deref().unwrap_or("").trim(),
    );
    Finding::new(
        "license_near_miss",
        Severity::Error,
        format!("Flourish license {left:?} and LeafLink license {right:?} differ only by spacing or case; they will not match"),
    )
    .with([destination_ref(dest), customer_ref(customer)])
    .fix(Side::Leaflink, format!("correct the license number of customer {} to {left}", customer.id))
}

fn duplicates(cx: &Context<'_>) -> Vec<Finding> {
    let mut groups: BTreeMap<LicenseKey, Vec<&ll::Customer>> = BTreeMap::new();
    for customer in cx.customers() {
        if let Some(key) = license(customer) {
            groups.entry(key).or_default().push(customer);
        }
    }
    let mut findings = Vec::new();
    for (key, customers) in groups.iter().filter(|(_, c)| c.len() > 1) {
        let dests = cx
            .snapshot
            .flourish
            .destinations
            .iter()
            .filter(|d| LicenseKey::new(&d.fields.license_number).as_ref() == Some(key));
        let names: Vec<&str> = customers.iter().map(|c| c.name.as_str()).collect();
        findings.push(
            Finding::new(
                "duplicate_customer_license",
                Severity::Error,
                format!(
                    "License {} is on {} LeafLink customers ({})",
                    key.as_str(),
                    customers.len(),
                    names.join(", ")
                ),
            )
            .with(customers.iter().map(|c| customer_ref(c)))
            .with(dests.map(destination_ref))
            .fix(
                Side::Leaflink,
                format!(
                    "merge or archive the duplicate customers with license {}",
                    key.as_str()
                ),
            ),
        );
    }
    findings
}

/// Destinations the first order of a customer will create.
pub fn notes(cx: &Context<'_>) -> Vec<Finding> {
    let near: HashSet<i64> = near_misses(cx).iter().map(|(_, c)| c.id).collect();
    unmatched_customers(cx)
        .filter(|(c, _)| !near.contains(&c.id))
        .map(|(customer, key)| {
            Finding::new(
                "destination_will_be_created",
                Severity::Info,
                format!(
                    "Customer {} ({}) has no Flourish destination; the first order creates it",
                    customer.name,
                    key.as_str()
                ),
            )
            .with([customer_ref(customer)])
        })
        .collect()
}
