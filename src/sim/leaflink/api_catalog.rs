//! The catalogue endpoints: products (with LeafLink's validation rules), strains (no update),
//! brands, product lines, categories and batches.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::Shared;
use super::api::{Params, page, since};
use super::state::{Db, SimError, recompute_available};
use crate::leaflink::model::{
    Decimal, ListingState, NewProductLine, NewStrain, Product, ProductLine, ProductLinePatch,
    Strain,
};
use crate::sim::common::WebhookOutbox;

/// Fields a client may not set: LeafLink computes them.
const COMPUTED: &[&str] = &["id", "reserved_qty", "available_inventory", "modified"];

/// The `/api/v2/` catalogue routes.
pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/api/v2/products/", get(list_products).post(create_product))
        .route(
            "/api/v2/products/{id}/",
            get(get_product).patch(patch_product),
        )
        .route("/api/v2/strains/", get(list_strains).post(create_strain))
        .route("/api/v2/strains/{id}/", get(get_strain))
        .route("/api/v2/brands/", get(list_brands))
        .route("/api/v2/product-lines/", get(list_lines).post(create_line))
        .route(
            "/api/v2/product-lines/{id}/",
            get(get_line).patch(patch_line),
        )
        .route("/api/v2/product-categories/", get(list_categories))
        .route("/api/v2/batches/", get(list_batches))
        .route("/api/v2/batches/{id}/", get(get_batch))
}

fn validate_product(db: &Db, product: &Product) -> Result<(), SimError> {
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
    let mut fields = without_computed(body)?;
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
    let fields = without_computed(patch)?;
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
    Ok(product)
}

async fn list_products(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    Query(params): Params,
) -> Result<Json<Value>, SimError> {
    let modified = since(&params, "modified__gte")?;
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
) -> Result<(axum::http::StatusCode, Json<Product>), SimError> {
    let product = create(&mut shared.db.lock(), &shared.outbox, &body)?;
    Ok((axum::http::StatusCode::CREATED, Json(product)))
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

async fn list_strains(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    Query(params): Params,
) -> Result<Json<Value>, SimError> {
    let name = params.get("name");
    let strains: Vec<Strain> = shared
        .db
        .lock()
        .strains
        .iter()
        .filter(|s| name.is_none_or(|n| &s.name == n))
        .cloned()
        .collect();
    page(&shared, &uri, &params, strains)
}

async fn get_strain(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<i64>,
) -> Result<Json<Strain>, SimError> {
    let db = shared.db.lock();
    db.strains
        .iter()
        .find(|s| s.id == id)
        .cloned()
        .map(Json)
        .ok_or_else(|| SimError::not_found("strain"))
}

async fn create_strain(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<Value>,
) -> Result<(axum::http::StatusCode, Json<Strain>), SimError> {
    let new: NewStrain =
        serde_json::from_value(body).map_err(|e| SimError::bad_request(e.to_string()))?;
    if new.name.trim().is_empty() {
        return Err(SimError::bad_request("name: This field is required."));
    }
    let mut db = shared.db.lock();
    let strain = Strain {
        id: db.new_id(),
        name: new.name,
        strain_classification: Some(new.strain_classification),
        company: Some(db.company.id),
    };
    db.strains.push(strain.clone());
    Ok((axum::http::StatusCode::CREATED, Json(strain)))
}

async fn list_brands(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    Query(params): Params,
) -> Result<Json<Value>, SimError> {
    let brands = shared.db.lock().brands.clone();
    page(&shared, &uri, &params, brands)
}

async fn list_lines(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    Query(params): Params,
) -> Result<Json<Value>, SimError> {
    let brand = params
        .get("brand")
        .map(|b| b.parse::<i64>())
        .transpose()
        .map_err(|_| SimError::bad_request("bad brand"))?;
    let lines: Vec<ProductLine> = shared
        .db
        .lock()
        .product_lines
        .iter()
        .filter(|l| brand.is_none_or(|b| l.brand == b))
        .cloned()
        .collect();
    page(&shared, &uri, &params, lines)
}

async fn get_line(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<i64>,
) -> Result<Json<ProductLine>, SimError> {
    let db = shared.db.lock();
    db.product_lines
        .iter()
        .find(|l| l.id == id)
        .cloned()
        .map(Json)
        .ok_or_else(|| SimError::not_found("product line"))
}

async fn create_line(
    State(shared): State<Arc<Shared>>,
    Json(body): Json<Value>,
) -> Result<(axum::http::StatusCode, Json<ProductLine>), SimError> {
    let new: NewProductLine =
        serde_json::from_value(body).map_err(|e| SimError::bad_request(e.to_string()))?;
    let mut db = shared.db.lock();
    check_line(&db, &new.name, new.brand)?;
    let line = ProductLine {
        id: db.new_id(),
        name: new.name,
        brand: new.brand,
    };
    db.product_lines.push(line.clone());
    Ok((axum::http::StatusCode::CREATED, Json(line)))
}

fn check_line(db: &Db, name: &str, brand: i64) -> Result<(), SimError> {
    if name.trim().is_empty() || name.chars().count() > 100 {
        return Err(SimError::bad_request("name: 1 to 100 characters required."));
    }
    if !db.brands.iter().any(|b| b.id == brand) {
        return Err(SimError::bad_request(format!(
            "brand: Invalid pk \"{brand}\" - object does not exist."
        )));
    }
    Ok(())
}

async fn patch_line(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<i64>,
    Json(patch): Json<ProductLinePatch>,
) -> Result<Json<ProductLine>, SimError> {
    let mut db = shared.db.lock();
    let mut line = db
        .product_lines
        .iter()
        .find(|l| l.id == id)
        .cloned()
        .ok_or_else(|| SimError::not_found("product line"))?;
    line.name = patch.name.unwrap_or(line.name);
    line.brand = patch.brand.unwrap_or(line.brand);
    check_line(&db, &line.name, line.brand)?;
    let slot = db
        .product_lines
        .iter_mut()
        .find(|l| l.id == id)
        .expect("found above");
    *slot = line.clone();
    Ok(Json(line))
}

async fn list_categories(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    Query(params): Params,
) -> Result<Json<Value>, SimError> {
    let categories = shared.db.lock().product_categories.clone();
    page(&shared, &uri, &params, categories)
}

async fn list_batches(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    Query(params): Params,
) -> Result<Json<Value>, SimError> {
    let lot = params.get("production_batch_number");
    let batches: Vec<_> = shared
        .db
        .lock()
        .batches
        .iter()
        .filter(|b| lot.is_none_or(|l| &b.production_batch_number == l))
        .cloned()
        .collect();
    page(&shared, &uri, &params, batches)
}

async fn get_batch(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<i64>,
) -> Result<Json<Value>, SimError> {
    let db = shared.db.lock();
    let batch = db
        .batches
        .iter()
        .find(|b| b.id == id)
        .ok_or_else(|| SimError::not_found("batch"))?;
    Ok(Json(json!(batch)))
}
