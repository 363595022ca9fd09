//! The parties Flow A (orders) and Flow D (customers) share: reading a licence's destinations,
//! creating and linking a destination, and the matcher records of both platforms' parties.

use crate::flourish::model::{Destination as FlourishDestination, DestinationFields};
use crate::jobs::JobError;
use crate::leaflink::model::Customer as LeafLinkCustomer;
use crate::matcher::customer::{DestinationChanges, NewDestination};
use crate::matcher::records::{Address, Customer, Destination};
use crate::matcher::{DestinationIndex, LicenseKey, LinkSet, StrainMatching};
use crate::remote::ClientError;
use crate::store::claims::Claim;
use crate::store::links::{self, LinkKind, NewLink};
use crate::sync::cache::Freshness;
use crate::sync::record::Writes;
use crate::sync::step::StepError;
use crate::sync::{SyncContext, record_link, store_error};

/// The id of the Flourish destination linked to `license`, if any.
async fn linked_destination(
    context: &SyncContext,
    license: &LicenseKey,
) -> Result<Option<String>, JobError> {
    let link = links::get(
        &context.db.pool,
        &context.connection,
        LinkKind::Destination,
        license.as_str(),
    )
    .await
    .map_err(store_error)?;
    Ok(link.map(|link| link.remote_id))
}

/// Like [`destinations_for`], from the listing of every destination shared by the jobs of a
/// pass (as recent as `want`): the linked one and those whose licence equals `license` once
/// trimmed.
pub(crate) async fn listed_destinations_for(
    context: &SyncContext,
    license: &LicenseKey,
    want: Freshness,
) -> Result<(DestinationIndex, LinkSet), JobError> {
    let mut links = LinkSet::new(StrainMatching::default());
    let linked = linked_destination(context, license).await?;
    if let Some(id) = &linked {
        links.link_destination(license.as_str(), id);
    }
    let listing = context.listed_destinations(want).await?;
    let found: Vec<Destination> = listing
        .iter()
        .filter(|d| {
            linked.as_deref() == Some(d.id.as_str())
                || LicenseKey::new(&d.fields.license_number).as_ref() == Some(license)
        })
        .map(to_destination)
        .collect();
    Ok((DestinationIndex::new(found), links))
}

/// The destinations that may belong to `license`: the linked one and those carrying it.
pub(crate) async fn destinations_for(
    context: &SyncContext,
    license: &LicenseKey,
) -> Result<(DestinationIndex, LinkSet), JobError> {
    let mut links = LinkSet::new(StrainMatching::default());
    let mut found = Vec::new();
    if let Some(id) = linked_destination(context, license).await? {
        match context.flourish.get_destination(&id).await {
            Ok(dest) => found.push(to_destination(&dest)),
            Err(ClientError::NotFound { .. }) => {}
            Err(error) => return Err(error.into()),
        }
        links.link_destination(license.as_str(), &id);
    }
    let mut searched = context
        .flourish
        .find_destinations_by_license(license.as_str())
        .await?;
    if searched.is_empty() {
        // A stored license with stray whitespace escapes the exact filter; `search` (a
        // substring match) still finds it, and only licenses equal once trimmed are kept.
        searched = context
            .flourish
            .search_destinations(license.as_str())
            .await?;
        searched.retain(|d| LicenseKey::new(&d.fields.license_number).as_ref() == Some(license));
    }
    for dest in &searched {
        if !found.iter().any(|d| d.id == dest.id) {
            found.push(to_destination(dest));
        }
    }
    Ok((DestinationIndex::new(found), links))
}

/// `POST /destinations` and link it to its licence; returns the new id. Concurrent jobs (and
/// replicas) wanting a destination for one licence take turns under a claim, and a job that
/// finds one created meanwhile links it instead.
pub(crate) async fn create_destination(
    context: &SyncContext,
    new: &NewDestination,
    writes: &mut Writes,
) -> Result<String, StepError> {
    let key = format!("flourish.destination:{}", new.license_number.trim());
    let claim = match Claim::take(&context.db.writes, &context.connection, &key).await {
        Ok(Some(claim)) => claim,
        Ok(None) => {
            let message = format!("another job is still creating {key}");
            return Err(StepError::Job(JobError::retryable(message)));
        }
        Err(error) => return Err(StepError::Job(store_error(error))),
    };
    let result = create_destination_once(context, new, writes).await;
    let released = claim.release(&context.db.writes).await;
    let id = result?;
    released.map_err(|error| StepError::Job(store_error(error)))?;
    Ok(id)
}

async fn create_destination_once(
    context: &SyncContext,
    new: &NewDestination,
    writes: &mut Writes,
) -> Result<String, StepError> {
    let found = context
        .flourish
        .find_destinations_by_license(&new.license_number)
        .await?;
    if let Some(existing) = found.into_iter().next() {
        link_destination(context, &new.license_number, &existing.id).await?;
        return Ok(existing.id);
    }
    let fields = new_fields(new);
    let created = context.flourish.create_destination(&fields).await?;
    context.caches.destinations.invalidate().await;
    writes.push("flourish", "create_destination", Some(created.id.clone()));
    link_destination(context, &new.license_number, &created.id).await?;
    Ok(created.id)
}

/// Records licence → destination.
pub(crate) async fn link_destination(
    context: &SyncContext,
    license: &str,
    destination_id: &str,
) -> Result<(), JobError> {
    let link = NewLink::found(LinkKind::Destination, license, destination_id);
    record_link(context, &link).await
}

/// A LeafLink customer as the matcher reads it.
pub(crate) fn to_customer(customer: &LeafLinkCustomer) -> Customer {
    Customer {
        id: customer.id,
        name: customer.name.clone(),
        license_number: customer.license_number.clone(),
        managers: customer.managers.clone(),
        email: customer.email.clone().filter(|e| !e.trim().is_empty()),
        phone: customer.phone.clone().filter(|p| !p.trim().is_empty()),
        address: Address {
            address_line_1: customer.address.clone(),
            address_line_2: None,
            city: customer.city.clone(),
            state: customer.state.clone(),
            zip_code: customer.zipcode.clone(),
            country: customer.country.as_deref().map(country_name),
        },
    }
}

/// Flourish wants the country's full name where LeafLink keeps an ISO code.
fn country_name(code: &str) -> String {
    match code.trim().to_ascii_uppercase().as_str() {
        "US" | "USA" => "United States".to_owned(),
        "CA" | "CAN" => "Canada".to_owned(),
        _ => code.trim().to_owned(),
    }
}

/// A Flourish destination as the matcher reads it.
pub(crate) fn to_destination(dest: &FlourishDestination) -> Destination {
    let f = &dest.fields;
    Destination {
        id: dest.id.clone(),
        name: f.name.clone(),
        license_number: f.license_number.clone(),
        company_email: f.company_email.clone(),
        company_phone_number: f.company_phone_number.clone(),
        address: Address {
            address_line_1: f.address_line_1.clone(),
            address_line_2: f.address_line_2.clone(),
            city: f.city.clone(),
            state: f.state.clone(),
            zip_code: f.zip_code.clone(),
            country: f.country.clone(),
        },
    }
}

fn new_fields(new: &NewDestination) -> DestinationFields {
    let a = &new.address;
    DestinationFields {
        name: new.name.clone(),
        license_number: new.license_number.clone(),
        company_email: new.company_email.clone(),
        company_phone_number: new.company_phone_number.clone(),
        address_line_1: a.address_line_1.clone(),
        address_line_2: a.address_line_2.clone(),
        city: a.city.clone(),
        state: a.state.clone(),
        zip_code: a.zip_code.clone(),
        country: a.country.clone(),
        ..DestinationFields::default()
    }
}

/// The whole destination with the changes laid over it: `PUT` replaces what it is sent, and
/// name and licence always go out, so they must be the current ones.
pub(crate) fn updated_fields(
    current: Option<&Destination>,
    changes: &DestinationChanges,
) -> DestinationFields {
    let mut fields = current.map_or_else(DestinationFields::default, |d| {
        new_fields(&NewDestination {
            name: d.name.clone(),
            license_number: d.license_number.clone(),
            company_email: d.company_email.clone(),
            company_phone_number: d.company_phone_number.clone(),
            address: d.address.clone(),
        })
    });
    if let Some(name) = &changes.name {
        fields.name = name.clone();
    }
    if changes.company_email.is_some() {
        fields.company_email = changes.company_email.clone();
    }
    if changes.company_phone_number.is_some() {
        fields.company_phone_number = changes.company_phone_number.clone();
    }
    if let Some(a) = &changes.address {
        fields.address_line_1 = a.address_line_1.clone();
        fields.address_line_2 = a.address_line_2.clone();
        fields.city = a.city.clone();
        fields.state = a.state.clone();
        fields.zip_code = a.zip_code.clone();
        fields.country = a.country.clone();
    }
    fields
}
