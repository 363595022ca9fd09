//! Flourish behaviours its public material leaves open: lists without `meta.next`, no
//! `discount_price: null`, order webhooks carrying only `original_order_id`, lots that do not
//! stick on order lines, and sales reps without e-mails.

use leafbridge::flourish::ItemFilter;
use leafbridge::flourish::model::{IdRef, NewOutboundOrder, OrderLine};
use leafbridge::preflight::{self, Severity};
use leafbridge::remote::ClientError;
use leafbridge::sim::common::DeliveryQuirks;
use leafbridge::sim::flourish::ApiQuirks;
use serde_json::json;

use crate::flourish_support::*;
use crate::sync_orders_support::*;
use crate::world::spawn_world;

#[tokio::test]
async fn paging_goes_on_past_full_pages_when_a_list_leaves_meta_next_out() {
    let sim = start_sim(&seed_with_items(120)).await;
    let client = client_with_key(&sim, API_KEY);
    sim.set_quirks(ApiQuirks {
        omit_meta_next: true,
        ..ApiQuirks::default()
    });

    let items = client.list_items(&ItemFilter::default()).await.unwrap();

    assert_eq!(items.len(), 122);
    // 50 + 50 + 22: the short third page ends the listing.
    assert_eq!(requests_to(&sim, "/items").len(), 3);
    let answer: serde_json::Value = reqwest::Client::new()
        .get(format!("{}items", sim.base_url()))
        .header("x-api-key", API_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(answer["meta"].get("next").is_none(), "{}", answer["meta"]);
}

fn order_without_discount() -> NewOutboundOrder {
    NewOutboundOrder {
        original_order_id: "LL-77".into(),
        order_timestamp: "2026-03-01T17:04:05.000Z".into(),
        destination: IdRef::new("701"),
        sales_rep: Some(IdRef::new("501")),
        order_lines: vec![OrderLine {
            sku: "OGK-PR-1G".into(),
            order_qty: 10.0,
            unit_price: Some(0.9),
            discount_price: None,
            lot_number: Some("LOT-A".into()),
        }],
        notes: Vec::new(),
        adjustments: Default::default(),
        payment_term: None,
    }
}

#[tokio::test]
async fn a_line_without_a_discount_leaves_discount_price_out_and_null_is_refused() {
    let (sim, client) = setup().await;
    client
        .create_outbound_order(NORTH, &order_without_discount())
        .await
        .unwrap();
    let sent = &requests_to(&sim, "/outbound-orders")[0].body["order_lines"][0];
    assert!(sent.get("discount_price").is_none(), "{sent}");

    for bad in [json!(null), json!("")] {
        let mut body = serde_json::to_value(order_without_discount()).unwrap();
        body["order_lines"][0]["discount_price"] = bad.clone();
        let answer = reqwest::Client::new()
            .post(format!("{}outbound-orders", sim.base_url()))
            .header("x-api-key", API_KEY)
            .header("FacilityID", NORTH)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 400, "discount_price {bad}");
    }
}

#[tokio::test]
async fn a_status_webhook_with_only_original_order_id_moves_the_linked_leaflink_order() {
    let world = spawn_world().await;
    let number = place(&world, 311, &[42], &[one_case_of_ten()]);
    world.settle().await;
    let id = only_flourish_order(&world, &number)["id"].clone();
    // The platform's own webhook for this change is lost; a shorter one arrives instead.
    world.flourish.outbox().set_quirks(DeliveryQuirks {
        drop_next: 1,
        ..DeliveryQuirks::default()
    });
    world
        .flourish
        .set_order_status(id.as_str().unwrap(), "Shipped")
        .unwrap();
    world.settle().await;
    assert_eq!(
        leaflink_order(&world, &number)["status"],
        json!("Submitted")
    );

    let body = json!({"resource_type": "order",
        "data": {"original_order_id": number, "order_status": "Shipped"}});
    assert!(world.app.post_flourish(&body).await.status().is_success());
    world.settle().await;

    assert_eq!(leaflink_order(&world, &number)["status"], json!("Shipped"));
    let key = format!("flourish.order:number:{number}");
    assert_eq!(last_outcome(&world, &key).await.0, "synced");

    let stranger = json!({"resource_type": "order",
        "data": {"original_order_id": "not-ours", "order_status": "Shipped"}});
    world.app.post_flourish(&stranger).await;
    world.settle().await;
    let (outcome, reason) = last_outcome(&world, "flourish.order:number:not-ours").await;
    assert_eq!(outcome, "ignored");
    assert!(reason.contains("not-ours"), "{reason}");
    assert_all_processed(&world).await;
}

#[tokio::test]
async fn a_lot_flourish_does_not_keep_needs_attention_and_the_order_stays() {
    let world = spawn_world().await;
    world.flourish.set_quirks(ApiQuirks {
        drop_lot_number: true,
        ..ApiQuirks::default()
    });
    trigger_order(&world, ANA_ORDER, "first").await;
    world.settle().await;

    let order = only_flourish_order(&world, ANA_ORDER);
    assert!(line(&order, "OGK-PR-1G").get("lot_number").is_none());
    let key = format!("leaflink.order:{ANA_ORDER}");
    let (outcome, reason) = last_outcome(&world, &key).await;
    assert_eq!(outcome, "needs_attention");
    assert!(
        reason.contains("OGK-PR-1G (lot CFC-PR-261020-OGK)")
            && reason.contains("CF-FL-OGK-35 (lot CFC-261012-OGK)"),
        "{reason}"
    );
    assert!(order_link(&world, ANA_ORDER).await.is_some());

    // With lots kept, the same order is written again and counts as synced.
    world.flourish.set_quirks(ApiQuirks::default());
    trigger_order(&world, ANA_ORDER, "second").await;
    world.settle().await;
    assert_eq!(last_outcome(&world, &key).await.0, "synced");
    let order = only_flourish_order(&world, ANA_ORDER);
    assert_eq!(
        line(&order, "OGK-PR-1G")["lot_number"],
        json!("CFC-PR-261020-OGK")
    );
    assert_all_processed(&world).await;
}

#[tokio::test]
async fn reps_without_emails_are_one_finding_that_names_single_facility_routing() {
    let mut seed = crate::preflight_support::fixture("seed.json");
    for rep in seed["flourish"]["sales_reps"].as_array_mut().unwrap() {
        rep.as_object_mut().unwrap().remove("email");
    }
    let world = crate::preflight_support::start(&seed).await;
    let report = preflight::build_report(&world.settings).await;

    let about_reps: Vec<_> = report
        .findings
        .iter()
        .filter(|f| {
            [
                "sales_reps_without_email",
                "staff_without_flourish_rep",
                "customer_default_rep_unresolved",
            ]
            .contains(&f.check.as_str())
        })
        .collect();
    assert_eq!(about_reps.len(), 1, "{about_reps:#?}");
    let finding = about_reps[0];
    assert_eq!(finding.check, "sales_reps_without_email");
    assert_eq!(finding.severity, Severity::Error);
    let fix = finding.fix.as_ref().unwrap();
    assert!(
        fix.action.contains("LEAFBRIDGE_ROUTING to facility:"),
        "{}",
        fix.action
    );
}

#[tokio::test]
async fn a_full_page_that_says_next_is_null_ends_the_listing() {
    // 48 extra items and the seed's 2: exactly one page of 50.
    let sim = start_sim(&seed_with_items(48)).await;
    let client = client_with_key(&sim, API_KEY);
    let items = client.list_items(&ItemFilter::default()).await.unwrap();
    assert_eq!(items.len(), 50);
    assert_eq!(requests_to(&sim, "/items").len(), 1);
}

#[tokio::test]
async fn too_early_is_retried_at_once_and_a_conflict_goes_back_as_retryable() {
    let (sim, client) = setup().await;
    sim.control().fail_next(1, 425);
    assert_eq!(client.list_brands().await.unwrap().len(), 1);
    assert_eq!(requests_to(&sim, "/brands").len(), 2);

    sim.control().fail_next(1, 409);
    let error = client
        .create_outbound_order(NORTH, &order_without_discount())
        .await
        .expect_err("conflict");
    assert!(
        matches!(error, ClientError::Transient { status: 409, .. }),
        "{error:?}"
    );
    assert!(error.is_retryable());
    assert_eq!(requests_to(&sim, "/outbound-orders").len(), 1);
}
