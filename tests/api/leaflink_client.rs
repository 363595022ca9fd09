//! Every LeafLink client method against the simulator, plus retries and error classification.

use leafbridge::leaflink::client::{CustomerQuery, OrderQuery, ProductQuery};
use leafbridge::leaflink::model::{
    Decimal, ListingState, Money, NewProduct, NewProductLine, NewStrain, OrderAction, OrderPatch,
    OrderStatus, ProductLinePatch, ProductPatch, StrainClassification, UnitOfMeasure,
};
use leafbridge::remote::ClientError;
use leafbridge::sim::leaflink::SimOrderLine;

use super::leaflink_support::*;

pub fn new_product(sku: &str, category: i64, strains: Vec<i64>) -> NewProduct {
    NewProduct {
        sku: sku.to_owned(),
        name: format!("New {sku}"),
        description: "Fresh".to_owned(),
        listing_state: ListingState::Available,
        unit_of_measure: UnitOfMeasure::Unit,
        sell_in_unit_of_measure: None,
        unit_multiplier: 1,
        brand: 1,
        product_line: Some(31),
        category,
        sub_category: if category == FLOWER { 15 } else { 14 },
        strains,
        strain_classification: StrainClassification::Indica,
        quantity: Decimal::from("12"),
        wholesale_price: Money::usd("10.00"),
        retail_price: Money::usd("20.00"),
        sale_price: Money::usd("0.00"),
        minimum_order: Decimal::from("1"),
        maximum_order: Decimal::from("100"),
        inventory_management: "1".to_owned(),
        unit_denomination: 1,
        seller: 1,
        manufacturer: 1,
        license: 2619,
        external_ids: None,
    }
}

#[tokio::test]
async fn order_reads_carry_line_items_customer_and_reps() {
    let sim = start_sim(0, None).await;
    let client = client(&sim);
    let orders = client
        .list_orders_received(&OrderQuery::default())
        .await
        .unwrap();
    assert_eq!(orders.len(), 1);
    let order = client.get_order_received(SEEDED_ORDER).await.unwrap();
    assert_eq!(
        order.customer.license_number.as_deref(),
        Some("C10-0000123-LIC")
    );
    assert_eq!(order.sales_reps[0].user.as_deref(), Some("Ana Ruiz"));
    let lines = order.line_items.unwrap();
    assert_eq!(
        (lines[0].product, lines[0].bulk_units, lines[0].batch),
        (5150, Some(2), Some(77))
    );
    assert_eq!(order.available_transitions, ["accepted", "rejected"]);
    let plain = client.order_line_items(SEEDED_ORDER).await.unwrap();
    assert_eq!(plain, lines);
    let logged = sim.control().requests();
    assert!(logged.iter().all(|r| r.path.ends_with('/')));
    assert!(
        logged[0]
            .query
            .as_deref()
            .unwrap()
            .contains("include_children=line_items%2Ccustomer%2Csales_reps")
    );
}

#[tokio::test]
async fn order_list_filters_by_status_and_modified_since() {
    let sim = start_sim(0, None).await;
    let client = client(&sim);
    let number = sim
        .place_order(312, &[43], &[SimOrderLine::cases(5150, 1)])
        .unwrap();
    let placed = client.get_order_received(&number).await.unwrap();
    let since = client
        .list_orders_received(&OrderQuery {
            modified_gte: placed.modified,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        since.iter().map(|o| o.number.as_str()).collect::<Vec<_>>(),
        [number.as_str()]
    );
    client
        .transition_order(&number, OrderAction::Accept)
        .await
        .unwrap();
    let accepted = OrderQuery {
        status: Some(OrderStatus::Accepted),
        ..Default::default()
    };
    assert_eq!(
        client.list_orders_received(&accepted).await.unwrap().len(),
        1
    );
    let not_accepted = OrderQuery {
        status_not: Some(OrderStatus::Accepted),
        ..Default::default()
    };
    assert_eq!(
        client.list_orders_received(&not_accepted).await.unwrap()[0].number,
        SEEDED_ORDER
    );
}

#[tokio::test]
async fn order_patch_and_transitions_follow_the_state_machine() {
    let sim = start_sim(0, None).await;
    let client = client(&sim);
    let mut ids = serde_json::Map::new();
    ids.insert("flourish".into(), "OB-1001".into());
    let patch = OrderPatch {
        external_ids: Some(ids),
        notes: None,
    };
    let patched = client
        .patch_order_received(SEEDED_ORDER, &patch)
        .await
        .unwrap();
    assert_eq!(patched.external_ids["flourish"], "OB-1001");
    let error = client
        .transition_order(SEEDED_ORDER, OrderAction::Ship)
        .await
        .unwrap_err();
    assert!(
        matches!(error, ClientError::BadRequest { status: 400, .. }),
        "{error:?}"
    );
    for (action, status) in [
        (OrderAction::Accept, OrderStatus::Accepted),
        (OrderAction::Fulfill, OrderStatus::Fulfilled),
        (OrderAction::Ship, OrderStatus::Shipped),
    ] {
        assert_eq!(
            client
                .transition_order(SEEDED_ORDER, action)
                .await
                .unwrap()
                .status,
            status
        );
    }
    let refused = client
        .transition_order(SEEDED_ORDER, OrderAction::Cancel)
        .await
        .unwrap_err();
    assert!(!refused.is_retryable());
}

#[tokio::test]
async fn customers_are_found_by_license_and_read_by_id() {
    let sim = start_sim(0, None).await;
    let client = client(&sim);
    let found = client
        .list_customers(&CustomerQuery {
            license_number: Some("C10-0000456-LIC".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(found.iter().map(|c| c.id).collect::<Vec<_>>(), [312]);
    let both = ["C10-0000123-LIC".to_owned(), "C10-0000456-LIC".to_owned()];
    assert_eq!(
        client
            .list_customers(&CustomerQuery {
                license_numbers: both.to_vec(),
                ..Default::default()
            })
            .await
            .unwrap()
            .len(),
        2
    );
    let customer = client.get_customer(311).await.unwrap();
    assert_eq!(customer.managers, [42]);
    let edited = sim
        .upsert_customer(
            &serde_json::json!({"license_number": "C10-0000456-LIC", "name": "Blue Leaf LLC"}),
        )
        .unwrap();
    let changed = client
        .list_customers(&CustomerQuery {
            modified_gte: edited.modified,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        changed.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["Blue Leaf LLC"]
    );
}

#[tokio::test]
async fn staff_brands_categories_and_batches_are_listed_and_read() {
    let sim = start_sim(0, None).await;
    let client = client(&sim);
    let staff = client.list_company_staff().await.unwrap();
    assert_eq!(
        staff
            .iter()
            .filter_map(|s| s.email.as_deref())
            .collect::<Vec<_>>(),
        ["ana@brand.example", "bo@brand.example"]
    );
    assert_eq!(
        client
            .get_company_staff(43)
            .await
            .unwrap()
            .display_name
            .as_deref(),
        Some("Bo Lee")
    );
    assert_eq!(client.list_brands().await.unwrap().len(), 2);
    assert_eq!(client.list_categories().await.unwrap()[0].slug, "flower");
    let batches = client.list_batches(Some("LOT-2026-001")).await.unwrap();
    assert_eq!(batches.iter().map(|b| b.id).collect::<Vec<_>>(), [77]);
    assert!(
        client
            .list_batches(Some("LOT-NONE"))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        client.get_batch(77).await.unwrap().production_batch_number,
        "LOT-2026-001"
    );
    assert!(matches!(
        client.get_batch(78).await.unwrap_err(),
        ClientError::NotFound { .. }
    ));
}

#[tokio::test]
async fn products_are_created_found_by_sku_and_patched() {
    let sim = start_sim(0, None).await;
    let client = client(&sim);
    let created = client
        .create_product(&new_product("NEW-1", PRE_ROLLS, vec![]))
        .await
        .unwrap();
    assert_eq!(created.available_inventory.as_f64(), Some(12.0));
    let skus = ["NEW-1".to_owned(), "OGK-PR-1G".to_owned()];
    assert_eq!(
        client
            .list_products(&ProductQuery {
                skus: skus.to_vec(),
                ..Default::default()
            })
            .await
            .unwrap()
            .len(),
        2
    );
    let patch = ProductPatch {
        quantity: Some(Decimal::from("30")),
        listing_state: Some(ListingState::Unavailable),
        ..Default::default()
    };
    let patched = client.patch_product(created.id, &patch).await.unwrap();
    assert_eq!(
        (patched.available_inventory.as_f64(), patched.listing_state),
        (Some(30.0), ListingState::Unavailable)
    );
    let hidden = client
        .list_products(&ProductQuery {
            modified_gte: patched.modified,
            listing_state: Some(ListingState::Unavailable),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        hidden.iter().map(|p| p.id).collect::<Vec<_>>(),
        [created.id]
    );
    assert_eq!(client.get_product(created.id).await.unwrap().sku, "NEW-1");
}

#[tokio::test]
async fn strains_and_product_lines_are_created_and_listed() {
    let sim = start_sim(0, None).await;
    let client = client(&sim);
    let strain = client
        .create_strain(&NewStrain {
            name: "Blue Dream".into(),
            strain_classification: StrainClassification::SativaHybrid,
        })
        .await
        .unwrap();
    assert_eq!(
        client.list_strains(Some("Blue Dream")).await.unwrap(),
        [strain]
    );
    assert!(
        client
            .list_strains(Some("blue dream"))
            .await
            .unwrap()
            .is_empty()
    );
    let line = client
        .create_product_line(&NewProductLine {
            name: "Vapes".into(),
            brand: 2,
        })
        .await
        .unwrap();
    assert_eq!(
        client.list_product_lines(Some(2)).await.unwrap(),
        std::slice::from_ref(&line)
    );
    let renamed = client
        .patch_product_line(
            line.id,
            &ProductLinePatch {
                name: Some("Carts".into()),
                brand: None,
            },
        )
        .await
        .unwrap();
    assert_eq!((renamed.name.as_str(), renamed.brand), ("Carts", 2));
    let bad = client
        .create_product_line(&NewProductLine {
            name: "X".into(),
            brand: 99,
        })
        .await
        .unwrap_err();
    assert!(matches!(bad, ClientError::BadRequest { .. }));
}

#[tokio::test]
async fn product_list_follows_next_across_pages() {
    let sim = start_sim(230, None).await;
    let products = client(&sim)
        .list_products(&ProductQuery::default())
        .await
        .unwrap();
    assert_eq!(products.len(), 232);
    let mut ids: Vec<i64> = products.iter().map(|p| p.id).collect();
    ids.dedup();
    assert_eq!(ids.len(), 232);
    let pages: Vec<_> = sim
        .control()
        .requests()
        .into_iter()
        .map(|r| r.query.unwrap_or_default())
        .collect();
    assert_eq!(pages.len(), 3);
    assert!(pages.iter().all(|q| q.contains("limit=100")), "{pages:?}");
    assert!(pages[2].contains("offset=200"), "{pages:?}");
}
