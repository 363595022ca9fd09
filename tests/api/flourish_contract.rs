//! Hand-written payloads in the shape of `contracts/flourish-v1.md` decode into the models:
//! the contract's item webhook example, list and single envelopes, and an order answer.

use leafbridge::flourish::event::{ResourceType, WebhookEnvelope};
use leafbridge::flourish::model::{
    Destination, DestinationType, Facility, InventoryRow, Item, OrderStatus, OutboundOrder, Page,
    SalesRep, Single,
};

/// The item webhook example from the contract, verbatim.
const ITEM_WEBHOOK: &str = r#"{"resource_type": "item", "data": {"id": 151, "item_name": "OG Kush Pre-Roll 1g",
  "sku": "OGK-PR-1G", "brand": "Canyon Farms", "ecommerce_active": true,
  "strain_name": "OG KUSH", "strain_required": true, "product_line": "Pre-Rolls",
  "custom_category": "Pre-Roll", "uom": "Each", "price": 9.0}}"#;

#[test]
fn the_contract_item_webhook_decodes() {
    let envelope: WebhookEnvelope = serde_json::from_str(ITEM_WEBHOOK).expect("envelope");
    assert_eq!(envelope.resource_type, ResourceType::Item);
    let item: Item = serde_json::from_value(envelope.data).expect("item");
    assert_eq!(
        (item.id.as_str(), item.sku.as_str(), item.price),
        ("151", "OGK-PR-1G", Some(9.0))
    );
    assert!(item.ecommerce_active && item.strain_required);
    assert_eq!(item.custom_category.as_deref(), Some("Pre-Roll"));
    let envelope = leafbridge::envelope::flourish(ITEM_WEBHOOK.as_bytes()).expect("envelope");
    assert_eq!(envelope.entity_key, "flourish.item:151");
}

#[test]
fn a_list_envelope_with_meta_decodes() {
    let json = r#"{"data": [{"sales_rep_id": 7, "first_name": "John", "last_name": "Smith",
        "email": "john@example.com", "facility_id": "04bb2a7c", "extra": 1}],
        "meta": {"total": "1", "offset": 0, "limit": 50, "next": null}}"#;
    let page: Page<SalesRep> = serde_json::from_str(json).expect("page");
    assert_eq!(
        (
            page.data[0].sales_rep_id.as_str(),
            page.meta.total,
            page.meta.next
        ),
        ("7", Some(1), Some(None))
    );
}

#[test]
fn an_order_answer_decodes_with_status_names_as_published() {
    let json = r#"{"data": {"id": "5001", "order_status": "Partially Allocated",
        "original_order_id": "LL-1042", "order_timestamp": "2026-03-01T17:04:05.000Z",
        "destination": {"id": 701}, "sales_rep": null,
        "order_lines": [{"sku": "OGK-PR-1G", "order_qty": "10", "unit_price": "0.90",
                         "discount_price": null, "lot_number": "B-1"}],
        "notes": [{"subject": "LeafLink", "note": "Call first", "internal_only": true}]}}"#;
    let order: Single<OutboundOrder> = serde_json::from_str(json).expect("order");
    let order = order.data;
    assert_eq!(order.order_status, OrderStatus::PartiallyAllocated);
    assert_eq!(order.destination.map(|d| d.id), Some("701".into()));
    assert_eq!(
        (
            order.order_lines[0].order_qty,
            order.order_lines[0].unit_price
        ),
        (10.0, Some(0.9))
    );
    let other_shape = r#"{"id": 5, "order_status": "Created", "destination": {"id": null, "name": "x"},
        "sales_rep": {"sales_rep_id": 501, "email": "a@b.c"}}"#;
    let other_shape: OutboundOrder = serde_json::from_str(other_shape).expect("order");
    assert_eq!(
        (other_shape.destination, other_shape.sales_rep.map(|r| r.id)),
        (None, Some("501".into()))
    );
    let unknown: OrderStatus = serde_json::from_str(r#""On Hold""#).expect("status");
    assert_eq!(unknown, OrderStatus::Unknown("On Hold".into()));
    assert_eq!(
        serde_json::to_string(&OrderStatus::PartiallyAllocated).expect("json"),
        r#""Partially Allocated""#
    );
}

#[test]
fn destinations_facilities_and_inventory_rows_decode() {
    let destination = r#"{"id": "d1", "type": "Dispensary", "name": "Green Leaf", "alias": null,
        "license_number": "C10-01", "company_email": "buy@example.com", "company_phone_number": "555",
        "address_line_1": "1 Main St", "address_line_2": "", "city": "Oakland", "state": "CA",
        "zip_code": "94607", "country": "United States"}"#;
    let destination: Destination = serde_json::from_str(destination).expect("destination");
    assert_eq!(destination.fields.kind, Some(DestinationType::Dispensary));
    assert_eq!(destination.fields.country.as_deref(), Some("United States"));
    let written = serde_json::to_value(&destination.fields).expect("json");
    assert_eq!(written["type"], "Dispensary");
    assert!(
        written.get("id").is_none(),
        "a destination body never carries an id"
    );
    let facility: Facility = serde_json::from_str(
        r#"{"id": "04bb2a7c", "facility_name": "North", "facility_type": "Distributor",
            "sales_rep_required_for_outbound": true}"#,
    )
    .expect("facility");
    assert!(facility.sales_rep_required_for_outbound);
    let row: InventoryRow =
        serde_json::from_str(r#"{"item_id": 151, "sku": "OGK-PR-1G", "sellable_qty": "12.5"}"#)
            .expect("row");
    assert_eq!(
        (row.item_id.as_str(), row.sellable_qty, row.lot_number),
        ("151", 12.5, None)
    );
}
