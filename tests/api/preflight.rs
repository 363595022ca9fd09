//! Preflight against both simulators on the Canyon Farms seed: every deliberate problem is
//! reported with its severity and nothing else; refused keys and missing settings are findings.

use std::collections::BTreeMap;

use leafbridge::leaflink::LeafLinkClient;
use leafbridge::preflight::environment::Status;
use leafbridge::preflight::{self, Severity, fix};

use crate::preflight_support::{expected_shapes, fixture, shapes, start};

#[tokio::test]
async fn preflight_reports_exactly_the_deliberate_problems_of_the_seed() {
    let world = start(&fixture("seed.json")).await;
    let report = preflight::build_report(&world.settings).await;
    let reported = shapes(&report.findings);
    let expected = expected_shapes();
    let missing: Vec<_> = expected.difference(&reported).collect();
    let extra: Vec<_> = reported.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing: {missing:#?}\nextra: {extra:#?}"
    );
    assert_eq!(
        report.findings.len(),
        expected.len(),
        "one finding per expected finding"
    );
}

#[tokio::test]
async fn every_seed_finding_has_the_severity_its_check_names() {
    let world = start(&fixture("seed.json")).await;
    let report = preflight::build_report(&world.settings).await;
    let checks = fixture("expected-findings.json")["checks"].clone();
    for finding in &report.findings {
        assert_eq!(
            serde_json::to_value(finding.severity).unwrap(),
            checks[&finding.check],
            "{}",
            finding.check
        );
        assert!(finding.fix.is_some(), "{} has a fix", finding.check);
    }
    let expected = fixture("expected-findings.json");
    let count = |severity: &str| {
        let findings = expected["findings"].as_array().unwrap();
        findings
            .iter()
            .filter(|f| f["severity"] == severity)
            .count()
    };
    let summary = &report.summary;
    assert_eq!(
        (summary.errors, summary.warnings, summary.infos),
        (count("error"), count("warning"), count("info"))
    );
    assert_eq!(report.exit_code(), 1);
}

#[tokio::test]
async fn seed_routes_its_open_orders_to_the_facilities_the_fixtures_name() {
    let world = start(&fixture("seed.json")).await;
    let report = preflight::build_report(&world.settings).await;
    let routed: BTreeMap<&str, usize> = report
        .routing
        .facilities
        .iter()
        .map(|row| (row.facility_id.as_str(), row.orders))
        .collect();
    assert_eq!(routed, BTreeMap::from([("04bb2a7c", 2), ("9e31d0f5", 1)]));
    assert!(report.routing.not_routed.is_empty());
    assert_eq!(report.listing_states.get("Unavailable"), Some(&1));
}

#[tokio::test]
async fn look_alikes_of_the_seed_become_notes_not_findings() {
    let world = start(&fixture("seed.json")).await;
    let report = preflight::build_report(&world.settings).await;
    let notes: Vec<(&str, String)> = report
        .notes
        .iter()
        .map(|n| (n.check.as_str(), n.records[0].id.to_string()))
        .collect();
    assert!(
        notes.contains(&("strain_case_match", "18201".to_owned())),
        "{notes:?}"
    );
    assert!(
        notes.contains(&("destination_will_be_created", "321".to_owned())),
        "{notes:?}"
    );
    assert!(report.notes.iter().all(|n| n.severity == Severity::Info));
}

#[tokio::test]
async fn a_refused_api_key_is_an_error_finding_instead_of_data_checks() {
    let mut world = start(&fixture("seed.json")).await;
    world.settings.flourish.api_key = "wrong".into();
    world.settings.leaflink_webhook_key = false;
    let report = preflight::build_report(&world.settings).await;
    let checks: Vec<&str> = report.findings.iter().map(|f| f.check.as_str()).collect();
    assert_eq!(checks, ["api_key_rejected", "webhook_key_missing"]);
    assert_eq!(report.exit_code(), 1);
    let status = |name: &str| {
        let check = report.environment.iter().find(|c| c.name == name).unwrap();
        check.status
    };
    assert_eq!(status("Flourish API key accepted"), Status::Failed);
    assert_eq!(status("LeafLink webhook key configured"), Status::Failed);
    assert_eq!(status("Database reachable and migrated"), Status::Passed);
}

#[tokio::test]
async fn the_seed_environment_passes_every_connectivity_check() {
    let world = start(&fixture("seed.json")).await;
    let report = preflight::build_report(&world.settings).await;
    assert_eq!(report.environment.len(), 5);
    assert!(
        report
            .environment
            .iter()
            .all(|c| c.status == Status::Passed)
    );
}

#[tokio::test]
async fn a_database_without_migrations_is_reported() {
    let mut world = start(&fixture("seed.json")).await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("absent.db").display());
    world.settings.database_url = Some(url);
    let report = preflight::build_report(&world.settings).await;
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.check == "database_not_ready")
    );
    assert!(
        !dir.path().join("absent.db").exists(),
        "preflight creates no database"
    );
}

#[tokio::test]
async fn fix_safe_creates_only_the_missing_strains_in_leaflink_and_records_exact_links() {
    let mut seed = fixture("seed.json");
    let strains = seed["leaflink"]["strains"].as_array_mut().unwrap();
    strains.retain(|s| s["name"] != "Purple Punch" && s["name"] != "Tangie");
    let world = start(&seed).await;
    let inspection = preflight::inspect(&world.settings, &|_| {}).await;
    let snapshot = inspection.snapshot.expect("both platforms read");
    let fixes = fix::plan(&snapshot, &world.settings.checks);
    assert_eq!(
        fixes.strains,
        ["Purple Punch"],
        "Tangie is used by no active item"
    );
    let before = world.leaflink.dump();
    let client = LeafLinkClient::new(world.settings.leaflink.clone()).unwrap();
    let db = leafbridge::store::Db::connect(world.settings.database_url.as_deref().unwrap())
        .await
        .unwrap();
    let store = fix::LinkStore {
        db: &db,
        connection: "default",
        strain_matching: world.settings.checks.strain_matching,
    };
    let applied = fix::apply(&fixes, &client, Some(store)).await;
    assert_eq!(applied.strains_created, ["Purple Punch"]);
    assert!(applied.failures.is_empty(), "{:?}", applied.failures);
    // One strain link, two links per exactly matched item, one per matched customer.
    let expected = 1 + 2 * fixes.item_links.len() + fixes.destination_links.len();
    assert_eq!(applied.links_recorded, expected);
    use leafbridge::store::links::{self, LinkKind};
    let sku = links::get(&db.pool, "default", LinkKind::Product, "OGK-PR-1G")
        .await
        .unwrap();
    assert_eq!(sku.map(|l| l.remote_id), Some("5150".to_owned()));
    let license = links::get(
        &db.pool,
        "default",
        LinkKind::Destination,
        "C10-0000123-LIC",
    )
    .await
    .unwrap();
    assert!(license.is_some(), "the exact license match is linked");
    assert!(
        links::get(
            &db.pool,
            "default",
            LinkKind::Destination,
            "C10- 0000347-LIC"
        )
        .await
        .unwrap()
        .is_none(),
        "a near-miss license is never linked"
    );
    let after = world.leaflink.dump();
    let count = |dump: &serde_json::Value, list: &str| dump[list].as_array().map(Vec::len);
    assert_eq!(
        count(&after, "strains"),
        count(&before, "strains").map(|n| n + 1)
    );
    for list in [
        "products",
        "customers",
        "brands",
        "product_lines",
        "batches",
    ] {
        assert_eq!(after[list], before[list], "{list} unchanged");
    }
    let again = preflight::inspect(&world.settings, &|_| {}).await;
    let fixes = fix::plan(&again.snapshot.unwrap(), &world.settings.checks);
    assert!(fixes.strains.is_empty(), "nothing left to create");
}

#[tokio::test]
async fn several_leaflink_licenses_without_the_setting_leave_new_products_without_a_license() {
    let mut world = start(&fixture("seed.json")).await;
    world.settings.checks.leaflink_license = None;
    let report = preflight::build_report(&world.settings).await;
    let found: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.check == "product_license_unresolved")
        .collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].severity, Severity::Error);
    let ids: Vec<String> = found[0].records.iter().map(|r| r.id.to_string()).collect();
    assert_eq!(ids, ["7701", "7702"]);
    let fix = found[0].fix.as_ref().unwrap();
    assert!(
        fix.action.contains("LEAFBRIDGE_LEAFLINK_LICENSE"),
        "{}",
        fix.action
    );
    assert!(fix.action.contains("`C11-0004128-LIC`"), "{}", fix.action);
}
