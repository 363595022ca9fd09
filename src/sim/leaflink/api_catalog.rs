//! The rest of the catalogue: strains (no update), brands, product lines, categories,
//! sub-categories, licenses and batches; and the `ProductCreate` schema check of `POST /products/`.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::Shared;
use super::api::{Params, ids, only_params, page};
use super::state::{Db, SimError};
use crate::leaflink::model::{
    NewProductLine, NewStrain, ProductLine, ProductLinePatch, Strain, StrainClassification,
};

/// The `/api/v2/` catalogue routes.
pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/api/v2/strains/", get(list_strains).post(create_strain))
        .route("/api/v2/strains/{id}/", get(get_strain))
        .route("/api/v2/brands/", get(list_brands))
        .route("/api/v2/product-lines/", get(list_lines).post(create_line))
        .route(
            "/api/v2/product-lines/{id}/",
            get(get_line).patch(patch_line),
        )
        .route("/api/v2/product-categories/", get(list_categories))
        .route("/api/v2/product-subcategories/", get(list_subcategories))
        .route("/api/v2/licenses/", get(list_licenses))
        .route("/api/v2/batches/", get(list_batches))
        .route("/api/v2/batches/{id}/", get(get_batch))
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
) -> Result<(StatusCode, Json<Strain>), SimError> {
    let new: NewStrain =
        serde_json::from_value(body).map_err(|e| SimError::bad_request(e.to_string()))?;
    if new.name.trim().is_empty() {
        return Err(SimError::bad_request("name: This field is required."));
    }
    if new.strain_classification == StrainClassification::Other {
        return Err(SimError::bad_request(
            "strain_classification: not a valid choice.",
        ));
    }
    let mut db = shared.db.lock();
    let strain = Strain {
        id: db.new_id(),
        name: new.name,
        strain_classification: Some(new.strain_classification),
        company: Some(db.company.id),
    };
    db.strains.push(strain.clone());
    Ok((StatusCode::CREATED, Json(strain)))
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
) -> Result<(StatusCode, Json<ProductLine>), SimError> {
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
    Ok((StatusCode::CREATED, Json(line)))
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
    // LeafLink also filters batches by `products`; batches here carry no product, so that
    // filter is refused rather than answered unfiltered.
    only_params(&params, &["id", "production_batch_number"])?;
    // Each filter takes one value or a comma list.
    let id = ids(&params, "id", true)?;
    let lots: Option<Vec<&str>> = params
        .get("production_batch_number")
        .map(|l| l.split(',').collect());
    let batches: Vec<_> = shared
        .db
        .lock()
        .batches
        .iter()
        .filter(|b| id.as_ref().is_none_or(|ids| ids.contains(&b.id)))
        .filter(|b| {
            lots.as_ref()
                .is_none_or(|lots| lots.contains(&b.production_batch_number.as_str()))
        })
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

async fn list_subcategories(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    Query(params): Params,
) -> Result<Json<Value>, SimError> {
    let subcategories = shared.db.lock().product_subcategories.clone();
    page(&shared, &uri, &params, subcategories)
}

/// The company's licenses; `number` filters exactly, as LeafLink's filter does.
async fn list_licenses(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    Query(params): Params,
) -> Result<Json<Value>, SimError> {
    let number = params.get("number");
    let licenses: Vec<_> = shared
        .db
        .lock()
        .licenses
        .iter()
        .filter(|l| number.is_none_or(|n| &l.number == n))
        .cloned()
        .collect();
    page(&shared, &uri, &params, licenses)
}

/// The fields `ProductCreate` marks required in LeafLink's published schema.
const CREATE_REQUIRED: &[&str] = &[
    "name",
    "description",
    "retail_price",
    "wholesale_price",
    "sale_price",
    "minimum_order",
    "maximum_order",
    "listing_state",
    "inventory_management",
    "unit_of_measure",
    "unit_denomination",
    "category",
    "sub_category",
    "seller",
    "brand",
    "manufacturer",
    "strain_classification",
    "sku",
    "license",
];

/// The longest `external_ids` value LeafLink keeps.
const EXTERNAL_ID_MAX: usize = 36;

/// Checks a `POST /products/` body as the schema does: every required field present, every id
/// naming a record that exists (the sub-category under the given category), and only issued
/// `external_ids` keys. Each refusal is a 400 naming the field.
pub(super) fn check_create(db: &Db, body: &Value) -> Result<(), SimError> {
    let required = |field: &str| SimError::field(field, "This field is required.");
    for field in CREATE_REQUIRED {
        match body.get(*field) {
            None | Some(Value::Null) => return Err(required(field)),
            Some(Value::String(text)) if text.trim().is_empty() => return Err(required(field)),
            Some(_) => {}
        }
    }
    let category = pk(body, "category")?;
    exists(
        "category",
        category,
        db.product_categories.iter().any(|c| c.id == category),
    )?;
    let sub_category = pk(body, "sub_category")?;
    let parent = db
        .product_subcategories
        .iter()
        .find(|s| s.id == sub_category)
        .map(|s| s.category);
    exists("sub_category", sub_category, parent.is_some())?;
    if parent != Some(category) {
        return Err(SimError::field(
            "sub_category",
            format!("Sub-category {sub_category} does not belong to category {category}."),
        ));
    }
    let license = pk(body, "license")?;
    exists(
        "license",
        license,
        db.licenses.iter().any(|l| l.id == license),
    )?;
    let brand = pk(body, "brand")?;
    exists("brand", brand, db.brands.iter().any(|b| b.id == brand))?;
    for field in ["seller", "manufacturer"] {
        let company = pk(body, field)?;
        exists(field, company, company == db.company.id)?;
    }
    for strain in body
        .get("strains")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let id = strain
            .as_i64()
            .ok_or_else(|| SimError::field("strains", "Incorrect type. Expected pk value."))?;
        exists("strains", id, db.strains.iter().any(|s| s.id == id))?;
    }
    check_external_ids(db, body.get("external_ids"))
}

/// Only keys LeafLink issued to the company, each value at most 36 characters.
pub(super) fn check_external_ids(db: &Db, ids: Option<&Value>) -> Result<(), SimError> {
    let ids = match ids {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Object(ids)) => ids,
        Some(_) => return Err(SimError::field("external_ids", "Expected a dictionary.")),
    };
    for (key, value) in ids {
        if !db.external_id_keys.iter().any(|issued| issued == key) {
            return Err(SimError::field(
                "external_ids",
                format!("\"{key}\" is not an external id key issued to this company."),
            ));
        }
        let text = match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        if text.chars().count() > EXTERNAL_ID_MAX {
            return Err(SimError::field(
                "external_ids",
                format!("Ensure \"{key}\" has no more than {EXTERNAL_ID_MAX} characters."),
            ));
        }
    }
    Ok(())
}

/// A `license` sent as an id, as the record the product answers with (null stays null).
pub(super) fn license_record(db: &Db, sent: &Value) -> Result<Value, SimError> {
    if sent.is_null() {
        return Ok(Value::Null);
    }
    let id = sent
        .as_i64()
        .ok_or_else(|| SimError::field("license", "Incorrect type. Expected pk value."))?;
    let license = db.licenses.iter().find(|l| l.id == id);
    exists("license", id, license.is_some())?;
    Ok(json!(license))
}

fn pk(body: &Value, field: &str) -> Result<i64, SimError> {
    body.get(field)
        .and_then(Value::as_i64)
        .ok_or_else(|| SimError::field(field, "Incorrect type. Expected pk value, received str."))
}

fn exists(field: &str, id: i64, found: bool) -> Result<(), SimError> {
    if found {
        Ok(())
    } else {
        Err(SimError::field(
            field,
            format!("Invalid pk \"{id}\" - object does not exist."),
        ))
    }
}
