//! Flow D: a LeafLink customer becomes (or is linked to) a Flourish destination by licence.
//!
//! Existing destinations are linked, not overwritten, unless the operator opts into overwriting;
//! then only the fields that differ are sent.

use serde::{Deserialize, Serialize};

use crate::matcher::index::{DestinationIndex, Lookup};
use crate::matcher::keys::LicenseKey;
use crate::matcher::links::LinkSet;
use crate::matcher::outcome::{Outcome, System};
use crate::matcher::records::{Address, Customer, Destination};

/// A destination to create from a LeafLink customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDestination {
    /// Customer name (not unique in Flourish).
    pub name: String,
    /// Licence number, trimmed.
    pub license_number: String,
    /// Customer e-mail.
    pub company_email: Option<String>,
    /// Customer phone.
    pub company_phone_number: Option<String>,
    /// Postal address.
    pub address: Address,
}

impl NewDestination {
    /// The destination a customer with licence `license` becomes.
    pub fn from_customer(customer: &Customer, license: &LicenseKey) -> Self {
        Self {
            name: customer.name.trim().to_owned(),
            license_number: license.as_str().to_owned(),
            company_email: customer.email.clone(),
            company_phone_number: customer.phone.clone(),
            address: customer.address.clone(),
        }
    }
}

/// The fields of a destination to overwrite; absent fields are left alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DestinationChanges {
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New e-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_email: Option<String>,
    /// New phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_phone_number: Option<String>,
    /// New address, sent whole when any part differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
}

impl DestinationChanges {
    fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// One write of Flow D.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum CustomerStep {
    /// `POST /destinations`, then link it.
    CreateDestination(NewDestination),
    /// Record licence ↔ destination in the link table (no Flourish write).
    LinkDestination {
        /// Destination to link.
        destination_id: String,
    },
    /// `PUT /destinations/{id}` with only the differing fields.
    UpdateDestination {
        /// Destination to update.
        destination_id: String,
        /// The differing fields.
        changes: DestinationChanges,
    },
}

/// The writes for one customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerPlan {
    /// The licence the plan is for (the per-entity ordering key).
    pub license_number: String,
    /// Writes in order.
    pub steps: Vec<CustomerStep>,
}

impl CustomerPlan {
    /// All writes, in order, as one sentence.
    pub fn summary(&self) -> String {
        let steps: Vec<String> = self
            .steps
            .iter()
            .map(|step| match step {
                CustomerStep::CreateDestination(d) => format!("create destination \"{}\"", d.name),
                CustomerStep::LinkDestination { destination_id } => {
                    format!("link destination {destination_id}")
                }
                CustomerStep::UpdateDestination { destination_id, .. } => {
                    format!("update destination {destination_id}")
                }
            })
            .collect();
        format!("licence {}: {}", self.license_number, steps.join("; "))
    }
}

/// What Flow D needs to decide.
#[derive(Debug, Clone, Copy)]
pub struct CustomerInput<'a> {
    /// The customer, re-read from LeafLink.
    pub customer: &'a Customer,
    /// Flourish destinations.
    pub destinations: &'a DestinationIndex,
    /// Known links.
    pub links: &'a LinkSet,
    /// Whether LeafLink's data may overwrite an existing destination.
    pub overwrite: bool,
}

/// Plans Flow D for one customer.
pub fn plan_customer(input: CustomerInput<'_>) -> Result<CustomerPlan, Outcome> {
    let customer = input.customer;
    let license = customer_license(customer)?;
    let plan = |steps| CustomerPlan {
        license_number: license.as_str().to_owned(),
        steps,
    };
    if let Some(id) = input.links.destination(&license) {
        let Some(dest) = input.destinations.get(id) else {
            return Err(Outcome::attention(format!(
                "destination {id} linked to licence {} no longer exists in Flourish",
                license.as_str()
            )));
        };
        return match overwrite_step(&input, dest) {
            Some(step) => Ok(plan(vec![step])),
            None => Err(Outcome::unchanged(format!(
                "customer {} is already linked to destination {id}",
                customer.name
            ))),
        };
    }
    match input.destinations.find_license(&license) {
        Lookup::Missing => Ok(plan(vec![CustomerStep::CreateDestination(
            NewDestination::from_customer(customer, &license),
        )])),
        Lookup::One(id) => {
            let dest = input.destinations.get(&id).expect("indexed destination");
            let mut steps = vec![CustomerStep::LinkDestination {
                destination_id: id.clone(),
            }];
            steps.extend(overwrite_step(&input, dest));
            Ok(plan(steps))
        }
        Lookup::Many(ids) => Err(ambiguous_license(&license, &ids)),
    }
}

/// The destination a customer's orders go to: the linked one, else the one with its licence.
///
/// `Ok(None)` means none exists yet (Flow A then creates it); two destinations with the licence
/// and no link need attention.
pub fn find_destination<'a>(
    customer: &Customer,
    destinations: &'a DestinationIndex,
    links: &LinkSet,
) -> Result<Option<&'a Destination>, Outcome> {
    let Some(license) = customer.license_number.as_deref().and_then(LicenseKey::new) else {
        return Ok(None);
    };
    if let Some(dest) = links
        .destination(&license)
        .and_then(|id| destinations.get(id))
    {
        return Ok(Some(dest));
    }
    match destinations.find_license(&license) {
        Lookup::Missing => Ok(None),
        Lookup::One(id) => Ok(destinations.get(&id)),
        Lookup::Many(ids) => Err(ambiguous_license(&license, &ids)),
    }
}

/// The customer's licence, or why it cannot be matched.
pub(crate) fn customer_license(customer: &Customer) -> Result<LicenseKey, Outcome> {
    customer
        .license_number
        .as_deref()
        .and_then(LicenseKey::new)
        .ok_or_else(|| {
            Outcome::attention_fix(
                format!("customer \"{}\" has no licence number", customer.name),
                System::LeafLink,
                format!(
                    "add the licence number to customer {} in LeafLink",
                    customer.id
                ),
            )
        })
}

pub(crate) fn ambiguous_license(license: &LicenseKey, ids: &[String]) -> Outcome {
    Outcome::attention_fix(
        format!(
            "licence {} is on {} Flourish destinations ({})",
            license.as_str(),
            ids.len(),
            ids.join(", ")
        ),
        System::Flourish,
        format!(
            "keep licence `{}` on one destination only",
            license.as_str()
        ),
    )
}

fn overwrite_step(input: &CustomerInput<'_>, dest: &Destination) -> Option<CustomerStep> {
    if !input.overwrite {
        return None;
    }
    let changes = diff(input.customer, dest);
    (!changes.is_empty()).then(|| CustomerStep::UpdateDestination {
        destination_id: dest.id.clone(),
        changes,
    })
}

/// Fields where LeafLink has a value that Flourish does not; LeafLink blanks never erase data.
fn diff(customer: &Customer, dest: &Destination) -> DestinationChanges {
    let differs = |ours: &Option<String>, theirs: &Option<String>| match ours {
        Some(v) if Some(v) != theirs.as_ref() => Some(v.clone()),
        _ => None,
    };
    let name = customer.name.trim();
    let addr = &customer.address;
    let address_differs = [
        (&addr.address_line_1, &dest.address.address_line_1),
        (&addr.address_line_2, &dest.address.address_line_2),
        (&addr.city, &dest.address.city),
        (&addr.state, &dest.address.state),
        (&addr.zip_code, &dest.address.zip_code),
        (&addr.country, &dest.address.country),
    ]
    .into_iter()
    .any(|(ours, theirs)| differs(ours, theirs).is_some());
    DestinationChanges {
        name: (!name.is_empty() && name != dest.name).then(|| name.to_owned()),
        company_email: differs(&customer.email, &dest.company_email),
        company_phone_number: differs(&customer.phone, &dest.company_phone_number),
        address: address_differs.then(|| merged(addr, &dest.address)),
    }
}

/// The destination's address with every part LeafLink knows replaced.
fn merged(ours: &Address, theirs: &Address) -> Address {
    let pick = |a: &Option<String>, b: &Option<String>| a.clone().or_else(|| b.clone());
    Address {
        address_line_1: pick(&ours.address_line_1, &theirs.address_line_1),
        address_line_2: pick(&ours.address_line_2, &theirs.address_line_2),
        city: pick(&ours.city, &theirs.city),
        state: pick(&ours.state, &theirs.state),
        zip_code: pick(&ours.zip_code, &theirs.zip_code),
        country: pick(&ours.country, &theirs.country),
    }
}

#[cfg(test)]
mod tests;
