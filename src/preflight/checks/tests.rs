//! Rules on small hand-made snapshots; the seed tests in `tests/api/preflight.rs` cover the
//! full dataset through the simulators.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::{CheckSettings, run_checks};
use crate::matcher::order::Routing;
use crate::matcher::{CategoryMap, FeedingFacilities, StrainMatching};
use crate::preflight::snapshot::{FlourishData, LeafLinkData, Snapshot};

fn list<T: serde::de::DeserializeOwned>(value: Value) -> Vec<T> {
    serde_json::from_value(value).expect("valid test records")
}

fn item(id: &str, sku: &str, strain: &str) -> Value {
    json!({"id": id, "sku": sku, "brand": "B", "ecommerce_active": true, "strain_name": strain,
           "strain_required": true, "custom_category": "Flower"})
}

fn product(id: i64, sku: &str) -> Value {
    json!({"id": id, "sku": sku, "listing_state": "Available", "brand": 1})
}

/// One brand `B`, category `Flower` with its sub-category `Flower`, one license, strains
/// `og kush`, `Blue Dream` and `BLUE DREAM`, one facility `f1`; items and products as given.
fn snapshot(items: Value, products: Value) -> Snapshot {
    let strains = json!([{"id": 1, "name": "og kush"}, {"id": 2, "name": "Blue Dream"},
                         {"id": 3, "name": "BLUE DREAM"}]);
    Snapshot {
        leaflink: LeafLinkData {
            brands: list(json!([{"id": 1, "name": "B"}])),
            categories: list(json!([{"id": 1, "name": "Flower"}])),
            subcategories: list(json!([{"id": 4, "name": "Flower", "category": 1}])),
            licenses: list(json!([{"id": 9, "number": "C11-1"}])),
            strains: list(strains),
            products: list(products),
            ..LeafLinkData::default()
        },
        flourish: FlourishData {
            facilities: list(json!([{"id": "f1", "facility_name": "One"}])),
            items: list(items),
            ..FlourishData::default()
        },
    }
}

/// Findings as `(check, record ids)`, sorted.
fn checks_of(snapshot: &Snapshot, settings: &CheckSettings) -> Vec<(String, Vec<String>)> {
    let mut found: Vec<_> = run_checks(snapshot, settings)
        .findings
        .into_iter()
        .map(|f| {
            (
                f.check,
                f.records.iter().map(|r| r.id.to_string()).collect(),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn sku_typo_is_one_near_miss_and_neither_side_is_reported_missing() {
    let snap = snapshot(
        json!([item("10", "AB-12_X", "og kush")]),
        json!([product(5, " ab 12x")]),
    );
    let mut found = checks_of(&snap, &CheckSettings::default());
    found.retain(|(check, _)| check != "strain_ambiguous" && check != "stray_whitespace");
    assert_eq!(
        found,
        [(
            "sku_near_miss".to_owned(),
            vec!["10".to_owned(), "5".to_owned()]
        )]
    );
}

#[test]
fn an_exact_match_rules_out_a_near_miss_for_both_skus() {
    let items = json!([item("10", "AB-12", "og kush")]);
    let snap = snapshot(items, json!([product(5, "AB-12"), product(6, "ab12")]));
    let mut found = checks_of(&snap, &CheckSettings::default());
    found.retain(|(check, _)| check != "strain_ambiguous");
    assert_eq!(
        found,
        [(
            "product_missing_in_flourish".to_owned(),
            vec!["6".to_owned()]
        )]
    );
}

#[test]
fn exact_strain_matching_sees_no_ambiguity_but_a_strain_to_create() {
    let snap = snapshot(
        json!([item("10", "A", "OG KUSH")]),
        json!([product(5, "A")]),
    );
    let settings = CheckSettings {
        strain_matching: StrainMatching::Exact,
        ..CheckSettings::default()
    };
    let results = run_checks(&snap, &settings);
    assert!(results.findings.is_empty(), "{:?}", results.findings);
    let notes: Vec<&str> = results.notes.iter().map(|n| n.check.as_str()).collect();
    assert_eq!(notes, ["strain_will_be_created"]);
    let insensitive = run_checks(&snap, &CheckSettings::default());
    let checks: Vec<&str> = insensitive
        .findings
        .iter()
        .map(|f| f.check.as_str())
        .collect();
    assert_eq!(
        checks,
        ["strain_ambiguous"],
        "Blue Dream collides, used by no item"
    );
    assert_eq!(insensitive.notes[0].check, "strain_case_match");
}

#[test]
fn a_category_mapped_to_a_missing_leaflink_category_is_unresolved() {
    let snap = snapshot(
        json!([item("10", "A", "og kush")]),
        json!([product(5, "A")]),
    );
    let settings = CheckSettings {
        category_map: CategoryMap::new([("Flower", "Bud")]),
        ..CheckSettings::default()
    };
    let found = checks_of(&snap, &settings);
    assert!(
        found.contains(&("category_unresolved".to_owned(), vec!["10".to_owned()])),
        "{found:?}"
    );
}

#[test]
fn a_category_without_a_subcategory_and_several_licenses_without_the_setting_are_findings() {
    let mut snap = snapshot(
        json!([item("10", "A", "og kush"), item("11", "NEW", "og kush")]),
        json!([product(5, "A")]),
    );
    snap.leaflink.subcategories = list(json!([{"id": 4, "name": "Indoor", "category": 1}]));
    snap.leaflink.licenses =
        list(json!([{"id": 9, "number": "C11-1"}, {"id": 8, "number": "C11-2"}]));
    let listing = |(check, _): &(String, Vec<String>)| check.contains("unresolved");
    let mut found = checks_of(&snap, &CheckSettings::default());
    found.retain(listing);
    assert_eq!(
        found,
        [
            (
                "product_license_unresolved".to_owned(),
                vec!["9".to_owned(), "8".to_owned()]
            ),
            (
                "subcategory_unresolved".to_owned(),
                vec!["10".to_owned(), "11".to_owned()]
            ),
        ]
    );
    let settings = CheckSettings {
        leaflink_license: Some("C11-2".into()),
        subcategory_map: vec![("Flower".into(), "Indoor".into())],
        ..CheckSettings::default()
    };
    let mut found = checks_of(&snap, &settings);
    found.retain(listing);
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn a_key_with_stray_whitespace_is_one_finding_on_its_side_and_no_near_miss() {
    let snap = snapshot(
        json!([item("10", "A", "og kush"), item("11", " B", "og kush")]),
        json!([product(5, "A  "), product(6, "B")]),
    );
    let mut found = checks_of(&snap, &CheckSettings::default());
    found.retain(|(check, _)| check != "strain_ambiguous");
    assert_eq!(
        found,
        [
            ("stray_whitespace".to_owned(), vec!["11".to_owned()]),
            ("stray_whitespace".to_owned(), vec!["5".to_owned()]),
        ]
    );
}

#[test]
fn inactive_items_are_never_checked() {
    let mut bad = item("10", "ZZ", "");
    bad["ecommerce_active"] = json!(false);
    bad["brand"] = json!("Nowhere");
    let snap = snapshot(json!([bad]), json!([]));
    let found = checks_of(&snap, &CheckSettings::default());
    assert_eq!(
        found,
        [(
            "strain_ambiguous".to_owned(),
            vec!["2".to_owned(), "3".to_owned()]
        )]
    );
}

#[test]
fn facilities_named_in_settings_must_exist_in_flourish() {
    let snap = snapshot(json!([]), json!([]));
    let settings = CheckSettings {
        feeding: FeedingFacilities::Only(HashSet::from(["f1".to_owned(), "f9".to_owned()])),
        routing: Routing::SingleFacility {
            facility_id: "f8".into(),
            rep_required: false,
        },
        ..CheckSettings::default()
    };
    let found: Vec<String> = run_checks(&snap, &settings)
        .findings
        .iter()
        .filter(|f| f.check == "facility_unknown")
        .map(|f| f.records[0].key.clone())
        .collect();
    assert_eq!(found, ["f9", "f8"]);
}

#[test]
fn settings_leafbridge_does_not_manage_are_not_checked() {
    let sync = crate::config::SyncSettings {
        feeding_facilities: Some(vec!["f9".into()]),
        manage_stock: false,
        product_fields: crate::config::ProductFields::parse("name,description").unwrap(),
        ..crate::config::SyncSettings::default()
    };
    let settings = CheckSettings::from_sync(&sync);
    assert_eq!(settings.feeding, FeedingFacilities::All);
    assert!(!settings.product_lines_managed);
    let mut item = item("10", "A", "og kush");
    item["product_line"] = json!("Nowhere");
    let snap = snapshot(json!([item]), json!([product(5, "A")]));
    let found = checks_of(&snap, &settings);
    assert!(
        found
            .iter()
            .all(|(check, _)| check != "facility_unknown"
                && check != "product_line_missing_in_leaflink"),
        "{found:?}"
    );
    let managed = CheckSettings::from_sync(&crate::config::SyncSettings {
        manage_stock: true,
        product_fields: crate::config::ProductFields::ALL,
        ..sync
    });
    let found = checks_of(&snap, &managed);
    let checks: Vec<&str> = found.iter().map(|(check, _)| check.as_str()).collect();
    assert!(checks.contains(&"facility_unknown"), "{checks:?}");
    assert!(
        checks.contains(&"product_line_missing_in_leaflink"),
        "{checks:?}"
    );
}

fn order(number: &str, term: &str) -> Value {
    json!({"number": number, "status": "Submitted", "customer": {"id": 1},
           "created_on": "2026-01-02T03:04:05Z", "payment_term": term})
}

#[test]
fn an_open_orders_payment_term_without_a_flourish_match_is_one_finding_per_term() {
    let mut snap = snapshot(json!([]), json!([]));
    snap.leaflink.orders = list(json!([
        order("o1", "Net 45"),
        order("o2", " net 45"),
        order("o3", "NET 30"),
        order("o4", ""),
    ]));
    snap.flourish.payment_terms = list(json!([{"id": 8, "name": "Net 30 "}]));
    let mut found = checks_of(&snap, &CheckSettings::default());
    found.retain(|(check, _)| check == "payment_term_without_flourish_match");
    assert_eq!(
        found,
        [(
            "payment_term_without_flourish_match".to_owned(),
            vec!["o1".to_owned(), "o2".to_owned()]
        )]
    );
}

/// Two cases of ten of product 5 (SKU `A`) at $90 a case, $25 shipping, and LeafLink's `total`.
fn priced_order(number: &str, total: &str) -> Value {
    let usd = |amount: &str| json!({"amount": amount, "currency": "USD"});
    json!({"number": number, "short_id": number, "status": "Submitted", "customer": {"id": 1},
           "created_on": "2026-01-02T03:04:05Z",
           "line_items": [{"id": 1, "product": 5, "quantity": "20.0000", "unit_multiplier": 10,
                           "bulk_units": 2, "ordered_unit_price": usd("90.00"),
                           "sale_price": usd("90.00")}],
           "shipping_charge": usd("25.00"), "total": usd(total)})
}

#[test]
fn an_open_order_whose_total_is_not_what_flourish_would_total_is_a_finding() {
    let mut snap = snapshot(
        json!([item("10", "A", "og kush")]),
        json!([product(5, "A")]),
    );
    snap.leaflink.orders = list(json!([
        priced_order("in-step", "205.00"),
        priced_order("off", "200.00"),
    ]));
    let results = run_checks(&snap, &CheckSettings::default());
    let found: Vec<&crate::preflight::finding::Finding> = results
        .findings
        .iter()
        .filter(|f| f.check == "order_total_would_not_reconcile")
        .collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].summary,
        "LeafLink order off totals $200.00, but what leafbridge would send Flourish comes to \
         $205.00 (lines $180.00, discount $0.00, tax $0.00, shipping $25.00, credits $0.00); \
         the order would be written and need attention"
    );
}
