//! The report from hand-made rehearsed rows: sections, event ids, and each surprise.

use serde_json::{Value, json};

use super::*;

fn row(id: &str, entity_key: &str, outcome: &str, reason: &str, detail: Value) -> RehearsedRow {
    RehearsedRow {
        id: id.into(),
        kind: "x".into(),
        entity_key: entity_key.into(),
        outcome: outcome.into(),
        reason: Some(reason.into()),
        detail: Some(detail.to_string()),
        received_at: 0,
    }
}

fn shadowed(id: &str, entity_key: &str, plan: Value) -> RehearsedRow {
    let detail = json!({"rehearsal": true, "would_be": "synced", "plan": plan});
    row(id, entity_key, "shadowed", "planned", detail)
}

fn create_order(number: &str, destination: &str, facility: &str, rep: &str, sku: &str) -> Value {
    json!({"order_number": number, "steps": [{"step": "create_order", "facility_id": facility,
        "draft": {"original_order_id": number, "destination": {"kind": "existing", "id": destination},
                  "sales_rep_id": rep, "lines": [{"sku": sku, "order_qty": "10"}]}}]})
}

#[test]
fn orders_are_counted_per_facility_and_rep_with_their_events() {
    let rows = vec![
        shadowed(
            "e1",
            "leaflink.order:n1",
            create_order("n1", "d1", "f1", "r1", "A"),
        ),
        shadowed(
            "e2",
            "leaflink.order:n2",
            create_order("n2", "d2", "f1", "r2", "B"),
        ),
        shadowed(
            "e3",
            "leaflink.order:n3",
            create_order("n3", "d1", "f2", "r1", "A"),
        ),
        row(
            "e4",
            "leaflink.order:n4",
            "shadowed",
            "no rep yet",
            json!({"rehearsal": true, "would_be": "held", "plan": null}),
        ),
        row(
            "e5",
            "leaflink.order:n5",
            "needs_attention",
            "SKU X missing",
            json!({"rehearsal": true, "would_be": "needs_attention"}),
        ),
        // Not a rehearsal: a live problem is not part of the report.
        row(
            "e6",
            "leaflink.order:n6",
            "needs_attention",
            "SKU Y missing",
            json!({"fix": null}),
        ),
    ];
    let report = build("default", 0, 10, &rows, ReportSettings::default());
    assert_eq!(report.events, 5);
    assert_eq!(report.orders_by_facility[0].key, "f1");
    assert_eq!(report.orders_by_facility[0].event_ids, ["e1", "e2"]);
    assert_eq!(report.orders_by_sales_rep[0].key, "r1");
    assert_eq!(report.orders_by_sales_rep[0].event_ids, ["e1", "e3"]);
    assert_eq!(report.orders_held[0].key, "no rep yet");
    assert_eq!(report.attention.len(), 1);
    assert_eq!(report.attention[0].event_ids, ["e5"]);
    let [surprise] = &report.surprises[..] else {
        panic!("one surprise: {:?}", report.surprises)
    };
    assert_eq!(surprise.kind, "new_facility_for_customer");
    assert_eq!(surprise.event_ids, ["e3"]);
}

#[test]
fn items_stock_and_status_fill_their_sections_and_surprises() {
    let rows = vec![
        shadowed(
            "e1",
            "leaflink.order:n1",
            create_order("n1", "d1", "f1", "r1", "SKU-1"),
        ),
        shadowed(
            "e2",
            "flourish.item:1",
            json!({"sku": "SKU-1", "steps": [
            {"step": "create_strain", "name": "OG Kush"},
            {"step": "create_product", "sku": "SKU-1", "name": "OG"}]}),
        ),
        row(
            "e3",
            "flourish.item:2",
            "shadowed",
            "update",
            json!({"rehearsal": true,
            "would_be": "synced", "before": {"name": "Old", "price": "10"},
            "plan": {"sku": "SKU-2", "steps": [{"step": "patch_product", "product_id": 7,
                "patch": {"name": "New", "price": "15"}}]}}),
        ),
        shadowed(
            "e4",
            "flourish.inventory_summary:SKU-1",
            json!({"sku": "SKU-1", "product_id": 5, "quantity": "0", "previous": "40"}),
        ),
        shadowed(
            "e5",
            "flourish.inventory_summary:SKU-3",
            json!({"sku": "SKU-3", "product_id": 6, "quantity": "100", "previous": "90"}),
        ),
        shadowed(
            "e6",
            "flourish.order:o1",
            json!({"order_number": "n1", "steps": ["accept", "fulfill"]}),
        ),
        shadowed(
            "e7",
            "leaflink.customer:C-1",
            json!({"license_number": "c-1", "steps": [
            {"step": "create_destination", "name": "Shop", "license_number": "C-1"}]}),
        ),
        shadowed(
            "e8",
            "leaflink.customer:C 1",
            json!({"license_number": "c 1", "steps": [
            {"step": "create_destination", "name": "Shop 2", "license_number": "c 1"}]}),
        ),
    ];
    let report = build("default", 0, 10, &rows, ReportSettings::default());
    assert_eq!(report.strains_created[0].name, "OG Kush");
    assert_eq!(report.products_created[0].key, "SKU-1");
    let update = &report.products_updated[0];
    assert_eq!(update.changes[0].field, "name");
    assert_eq!(update.changes[0].before, Some(json!("Old")));
    assert_eq!(update.changes[0].after, json!("New"));
    assert_eq!(
        report.stock_updates[0].sku, "SKU-1",
        "the largest jump first"
    );
    assert_eq!(report.stock_updates[0].change, Decimal::from(-40));
    assert_eq!(report.status_transitions.len(), 2);
    assert_eq!(report.destinations_created.len(), 2);
    let kinds: Vec<&str> = report.surprises.iter().map(|s| s.kind.as_str()).collect();
    for kind in [
        "large_price_change",
        "stock_to_zero_with_open_orders",
        "near_duplicate_license",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    let zero = report
        .surprises
        .iter()
        .find(|s| s.kind == "stock_to_zero_with_open_orders")
        .unwrap();
    assert_eq!(zero.event_ids, ["e4", "e1"]);
    let strict = ReportSettings {
        price_change_percent: 60,
    };
    let report = build("default", 0, 10, &rows, strict);
    assert!(
        !report
            .surprises
            .iter()
            .any(|s| s.kind == "large_price_change")
    );
}

#[test]
fn an_order_planned_again_counts_once_where_it_would_go_last_and_is_no_surprise() {
    let rows = vec![
        shadowed(
            "e1",
            "leaflink.order:n1",
            create_order("n1", "d1", "f1", "r1", "A"),
        ),
        shadowed(
            "e2",
            "leaflink.order:n1",
            create_order("n1", "d1", "f2", "r2", "A"),
        ),
    ];
    let report = build("default", 0, 10, &rows, ReportSettings::default());
    assert_eq!(report.orders_by_facility.len(), 1);
    assert_eq!(report.orders_by_facility[0].key, "f2");
    assert_eq!(report.orders_by_facility[0].event_ids, ["e2"]);
    assert!(report.surprises.is_empty(), "{:?}", report.surprises);
}

#[test]
fn the_text_and_html_pages_cite_every_event() {
    let rows = vec![shadowed(
        "e1",
        "leaflink.order:n1",
        create_order("n1", "d1", "f<1>", "r1", "A"),
    )];
    let report = build("default", 0, 10, &rows, ReportSettings::default());
    let text = crate::operator::shadow_render::text(&report);
    assert!(
        text.contains("Surprises") && text.contains("[events: e1]"),
        "{text}"
    );
    let html = crate::operator::shadow_render::html(&report);
    assert!(html.contains("href=\"#ev-e1\"") && html.contains("id=\"ev-e1\""));
    assert!(html.contains("f&lt;1&gt;") && !html.contains("f<1>"));
}
