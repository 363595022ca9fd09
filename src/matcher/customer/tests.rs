//! Flow D tests.

use super::*;
use crate::matcher::keys::StrainMatching;
use crate::matcher::outcome::OutcomeKind;

fn customer(license: Option<&str>) -> Customer {
    Customer {
        id: 311,
        name: "Green Door Dispensary".into(),
        license_number: license.map(Into::into),
        managers: vec![],
        email: Some("buy@greendoor.example".into()),
        phone: None,
        address: Address {
            city: Some("Oakland".into()),
            ..Address::default()
        },
    }
}

fn destination(id: &str, license: &str, city: &str) -> Destination {
    Destination {
        id: id.into(),
        name: "Green Door Dispensary".into(),
        license_number: license.into(),
        company_email: Some("buy@greendoor.example".into()),
        company_phone_number: Some("555".into()),
        address: Address {
            city: Some(city.into()),
            state: Some("CA".into()),
            ..Address::default()
        },
    }
}

fn plan(
    c: &Customer,
    dests: &DestinationIndex,
    links: &LinkSet,
    overwrite: bool,
) -> Result<CustomerPlan, Outcome> {
    plan_customer(CustomerInput {
        customer: c,
        destinations: dests,
        links,
        overwrite,
    })
}

#[test]
fn customer_without_destination_creates_one_from_its_data() {
    let got = plan(
        &customer(Some(" LIC-1 ")),
        &DestinationIndex::default(),
        &LinkSet::default(),
        false,
    )
    .unwrap();
    let CustomerStep::CreateDestination(new) = &got.steps[0] else {
        panic!("{got:?}")
    };
    assert_eq!(
        (new.license_number.as_str(), new.name.as_str()),
        ("LIC-1", "Green Door Dispensary")
    );
    assert_eq!(new.address.city.as_deref(), Some("Oakland"));
}

#[test]
fn customer_without_license_needs_attention() {
    let err = plan(
        &customer(None),
        &DestinationIndex::default(),
        &LinkSet::default(),
        false,
    )
    .unwrap_err();
    assert_eq!(err.kind, OutcomeKind::NeedsAttention);
    assert_eq!(err.fix.unwrap().system, System::LeafLink);
}

#[test]
fn existing_destination_is_linked_without_overwriting() {
    let dests = DestinationIndex::new([destination("d1", "LIC-1", "Berkeley")]);
    let got = plan(&customer(Some("LIC-1")), &dests, &LinkSet::default(), false).unwrap();
    assert_eq!(
        got.steps,
        vec![CustomerStep::LinkDestination {
            destination_id: "d1".into()
        }]
    );
    assert_eq!(got.summary(), "licence LIC-1: link destination d1");
}

#[test]
fn overwrite_sends_only_the_differing_fields() {
    let dests = DestinationIndex::new([destination("d1", "LIC-1", "Berkeley")]);
    let got = plan(&customer(Some("LIC-1")), &dests, &LinkSet::default(), true).unwrap();
    let CustomerStep::UpdateDestination { changes, .. } = &got.steps[1] else {
        panic!("{got:?}")
    };
    assert_eq!(changes.name, None);
    assert_eq!(changes.company_email, None);
    assert_eq!(
        changes.company_phone_number, None,
        "a LeafLink blank never erases"
    );
    let address = changes.address.as_ref().unwrap();
    assert_eq!(
        (address.city.as_deref(), address.state.as_deref()),
        (Some("Oakland"), Some("CA"))
    );
}

#[test]
fn linked_customer_in_sync_is_unchanged_even_with_overwrite() {
    let dests = DestinationIndex::new([destination("d1", "LIC-1", "Oakland")]);
    let mut links = LinkSet::new(StrainMatching::default());
    links.link_destination("LIC-1", "d1");
    let err = plan(&customer(Some("LIC-1")), &dests, &links, true).unwrap_err();
    assert_eq!(err.kind, OutcomeKind::Unchanged);
}

#[test]
fn link_wins_over_a_license_search() {
    let dests = DestinationIndex::new([
        destination("d1", "LIC-1", "Oakland"),
        destination("d2", "LIC-1", "Oakland"),
    ]);
    let mut links = LinkSet::default();
    links.link_destination("LIC-1", "d2");
    let err = plan(&customer(Some("LIC-1")), &dests, &links, false).unwrap_err();
    assert_eq!(err.kind, OutcomeKind::Unchanged, "{err}");
}

#[test]
fn license_on_two_unlinked_destinations_needs_attention() {
    let dests = DestinationIndex::new([
        destination("d1", "LIC-1", "Oakland"),
        destination("d2", "LIC-1", "Oakland"),
    ]);
    let err = plan(&customer(Some("LIC-1")), &dests, &LinkSet::default(), false).unwrap_err();
    assert_eq!(err.kind, OutcomeKind::NeedsAttention);
    assert!(err.reason.contains("d1, d2"), "{}", err.reason);
}
