//! Product endpoints with LeafLink's validation rules (no commas in SKUs, a description on
//! create, strains for Flower, known listing states) and `available_inventory` kept computed.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::Shared;
use super::api::{Params, ids, only_params, page, since};
use super::state::{Db, SimError, recompute_available};
use crate::leaflink::model::{Decimal, ListingState, Product, SellInUnit, UnitOfMeasure};
use crate::sim::common::WebhookOutbox;

/// The `/api/v2/products/` routes.
pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/api/v2/products/", get(list_products).post(create_product))
        .route(
            "/api/v2/products/{id}/",
            get(get_product).patch(patch_product),
        )
}

/// Fields a client may not set: LeafLink computes them.
const COMPUTED: &[&str] = &["id", "reserved_qty", "available_inventory", "modified"];

fn validate_product(db: &Db, product: &Product) -> Result<(), SimError> {
    // Clients read unknown choices as `Other`; the platform accepts only its own.
    let unknown = [
        (
            "listing_state",
            product.listing_state == ListingState::Other,
        ),
        (
            "unit_of_measure",
            product.unit_of_measure == Some(UnitOfMeasure::Other),
        ),
        (
            "sell_in_unit_of_measure",
            product.sell_in_unit_of_measure == Some(SellInUnit::Other),
        ),
    ];
    if let Some((field, _)) = unknown.iter().find(|(_, other)| *other) {
        return Err(SimError::bad_request(format!(
            "{field}: not a valid choice."
        )));
    }
    if product.sku.trim().is_empty() {
        return Err(SimError::bad_request("sku: This field is required."));
    }
    if product.sku.contains(',') {
        return Err(SimError::bad_request("sku: SKUs may not contain commas."));
    }
    if product.sku.chars().count() > 255 {
        return Err(SimError::bad_request(
            "sku: Ensure this field has no more than 255 characters.",
        ));
    }
    if db.is_flower(product.category) && product.strains.is_empty() {
        return Err(SimError::bad_request(
            "strains: Strains are required for the Flower category.",
        ));
    }
    Ok(())
}

fn to_product(value: Value) -> Result<Product, SimError> {
    serde_json::from_value(value).map_err(|e| SimError::bad_request(e.to_string()))
}

fn without_computed(body: &Value) -> Result<serde_json::Map<String, Value>, SimError> {
    let mut fields = body
        .as_object()
        .cloned()
        .ok_or_else(|| SimError::bad_request("expected a JSON object"))?;
    for name in COMPUTED {
        fields.remove(*name);
    }
    Ok(fields)
}

/// Creates a product as `POST /products/` does; emits a `create` product webhook.
pub fn create(db: &mut Db, outbox: &WebhookOutbox, body: &Value) -> Result<Product, SimError> {
    super::api_catalog::check_create(db, body)?;
    let mut fields = without_computed(body)?;
    // Sent as an id, answered as the license record.
    let license = fields
        .remove("license")
        .and_then(|id| id.as_i64())
        .and_then(|id| db.licenses.iter().find(|l| l.id == id).cloned());
    if fields
        .get("description")
        .and_then(Value::as_str)
        .is_none_or(|d| d.trim().is_empty())
    {
        return Err(SimError::bad_request(
            "description: This field is required.",
        ));
    }
    fields.insert("id".to_owned(), json!(0));
    let mut product = to_product(Value::Object(fields))?;
    validate_product(db, &product)?;
    product.id = db.new_id();
    product.license = license;
    product.reserved_qty = Decimal::from_f64(0.0);
    recompute_available(&mut product);
    product.modified = Some(db.tick());
    db.products.push(product.clone());
    outbox.emit(&json!({"action": "create", "type": "product", "data": product}));
    Ok(product)
}

/// Applies a partial update (the API's PATCH or a user's edit); emits an `edit` webhook.
pub fn update(
    db: &mut Db,
    outbox: &WebhookOutbox,
    id: i64,
    patch: &Value,
) -> Result<Product, SimError> {
    let mut fields = without_computed(patch)?;
    super::api_catalog::check_external_ids(db, fields.get("external_ids"))?;
    if let Some(license) = fields.get_mut("license") {
        *license = super::api_catalog::license_record(db, license)?;
    }
    let current = db.product_mut(id)?.clone();
    let mut merged = serde_json::to_value(&current).expect("product serialises");
    for (name, value) in fields {
        merged[name] = value;
    }
    let mut product = to_product(merged)?;
    validate_product(db, &product)?;
    recompute_available(&mut product);
    product.modified = Some(db.tick());
    *db.product_mut(id)? = product.clone();
    outbox.emit(&json!({"action": "edit", "type": "product", "data": product}));
    // Editing a parent product touches its varieties: LeafLink sends one webhook per child.
    let children: Vec<usize> = (0..db.products.len())
        .filter(|&i| db.products[i].parent.as_ref().is_some_and(|p| p.id == id))
        .collect();
    for index in children {
        let now = db.tick();
        let child = &mut db.products[index];
        child.modified = Some(now);
        outbox.emit(&json!({"action": "edit", "type": "product", "data": child}));
    }
    Ok(product)
}

async fn list_products(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    Query(params): Params,
) -> Result<Json<Value>, SimError> {
    only_params(&params, &["sku", "id", "modified__gte", "listing_state"])?;
    let modified = since(&params, "modified__gte")?;
    // Products filter on one id only (the published schema takes a number, not a list).
    let id = ids(&params, "id", false)?;
    let state: Option<ListingState> = match params.get("listing_state") {
        Some(text) => Some(
            serde_json::from_value(json!(text))
                .map_err(|_| SimError::bad_request("bad listing_state"))?,
        ),
        None => None,
    };
    let skus: Option<Vec<&str>> = params.get("sku").map(|s| s.split(',').collect());
    let db = shared.db.lock();
    let products: Vec<Product> = db
        .products
        .iter()
        .filter(|p| {
            skus.as_ref()
                .is_none_or(|list| list.contains(&p.sku.as_str()))
        })
        .filter(|p| id.as_ref().is_none_or(|ids| ids.contains(&p.id)))
        .filter(|p| state.is_none_or(|s| p.listing_state == s))
        .filter(|p| modified.is_none_or(|at| p.modified.is_some_and(|m| m >= at)))
        .cloned()
        .collect();
    page(&shared, &uri, &params, products)
}

async fn get_product(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<i64>,
) -> Result<Json<Product>, SimError> {
    Ok(Json(shared.db.lock().product_mut(id)?.clone()))
}

async fn create_product(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<Value>,
) -> Result<(StatusCode, Json<Product>), SimError> {
    let product = create(&mut shared.db.lock(), &shared.outbox, &body)?;
    Ok((StatusCode::CREATED, Json(product)))
}

async fn patch_product(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<i64>,
    Json(body): Json<Value>,
) -> Result<Json<Product>, SimError> {
    Ok(Json(update(
        &mut shared.db.lock(),
        &shared.outbox,
        id,
        &body,
    )?))
}
