//! The product catalogue: products, strains, brands, product lines, categories and batches.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::{Decimal, ExternalIds, Money};

/// Whether and how buyers see a product. `Available` and `Backorder` are orderable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ListingState {
    Available,
    Archived,
    Sample,
    Backorder,
    Internal,
    Unavailable,
    /// A value this version does not know: read, never written.
    #[serde(other)]
    Other,
}

impl ListingState {
    /// The name used in JSON and query strings.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Available => "Available",
            Self::Archived => "Archived",
            Self::Sample => "Sample",
            Self::Backorder => "Backorder",
            Self::Internal => "Internal",
            Self::Unavailable => "Unavailable",
            Self::Other => "Other",
        }
    }
}

/// A product's unit of measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UnitOfMeasure {
    Milligram,
    Gram,
    Kilogram,
    Ounce,
    Pound,
    Unit,
    Liter,
    Milliliter,
    /// A value this version does not know: read, never written.
    #[serde(other)]
    Other,
}

/// `sell_in_unit_of_measure`: `Case` means "sell in multiples" of `unit_multiplier` units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SellInUnit {
    Case,
    /// A value this version does not know: read, never written.
    #[serde(other)]
    Other,
}

/// A strain's classification, as LeafLink spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StrainClassification {
    Sativa,
    Indica,
    Hybrid,
    Na,
    #[serde(rename = "11-cbd")]
    OneToOneCbd,
    HighCbd,
    SativaHybrid,
    IndicaHybrid,
    /// A value this version does not know: read, never written.
    #[serde(other)]
    Other,
}

/// `GET /products/{id}/`. Fields the schema does not allow as null are left out when absent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Product {
    pub id: i64,
    #[serde(default)]
    pub sku: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub listing_state: ListingState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_line: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_category: Option<i64>,
    /// The company license the product is listed under (an id on create, a record in answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<License>,
    #[serde(default)]
    pub strains: Vec<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_of_measure: Option<UnitOfMeasure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sell_in_unit_of_measure: Option<SellInUnit>,
    #[serde(default = "one")]
    pub unit_multiplier: i64,
    #[serde(default)]
    pub quantity: Decimal,
    #[serde(default)]
    pub reserved_qty: Decimal,
    /// `quantity − reserved_qty`, computed by LeafLink.
    #[serde(default)]
    pub available_inventory: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wholesale_price: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retail_price: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ids: Option<ExternalIds>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<DateTime<FixedOffset>>,
    /// The parent product of a variety (child product); `None` for a parent or a plain product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<ParentProduct>,
}

/// A product's `parent`: the product it is a variety of.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParentProduct {
    pub id: i64,
}

fn one() -> i64 {
    1
}

/// `POST /products/`. LeafLink's schema marks more fields required than the contract names
/// (seller, manufacturer, license, unit denomination, sub-category, prices, order limits); the
/// schema wins, so they are all here and all sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewProduct {
    /// No commas: LeafLink's `sku` filter splits on them.
    pub sku: String,
    pub name: String,
    /// Required by LeafLink on create.
    pub description: String,
    pub listing_state: ListingState,
    pub unit_of_measure: UnitOfMeasure,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sell_in_unit_of_measure: Option<SellInUnit>,
    pub unit_multiplier: i64,
    pub brand: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_line: Option<i64>,
    pub category: i64,
    pub sub_category: i64,
    /// Required for the Flower category.
    pub strains: Vec<i64>,
    pub strain_classification: StrainClassification,
    pub quantity: Decimal,
    pub wholesale_price: Money,
    pub retail_price: Money,
    pub sale_price: Money,
    pub minimum_order: Decimal,
    pub maximum_order: Decimal,
    pub inventory_management: String,
    pub unit_denomination: i64,
    pub seller: i64,
    pub manufacturer: i64,
    pub license: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_ids: Option<ExternalIds>,
}

/// `PATCH /products/{id}/`: only the fields set are sent (full values, so a retry is harmless).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listing_state: Option<ListingState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_multiplier: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_line: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strains: Option<Vec<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wholesale_price: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_ids: Option<ExternalIds>,
}

/// `GET /strains/{id}/`. Strains cannot be updated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Strain {
    pub id: i64,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strain_classification: Option<StrainClassification>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<i64>,
}

/// `POST /strains/`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewStrain {
    pub name: String,
    pub strain_classification: StrainClassification,
}

/// `GET /brands/` (read-only).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Brand {
    pub id: i64,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<i64>,
}

/// `GET /product-lines/`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProductLine {
    pub id: i64,
    pub name: String,
    pub brand: i64,
}

/// `POST /product-lines/`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewProductLine {
    pub name: String,
    pub brand: i64,
}

/// `PATCH /product-lines/{id}/`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductLinePatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand: Option<i64>,
}

/// `GET /product-categories/` (read-only).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Category {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub slug: String,
}

/// `GET /batches/{id}/`: `production_batch_number` is the lot number.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    pub id: i64,
    pub production_batch_number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_date: Option<String>,
    /// A string in LeafLink's schema; kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<serde_json::Value>,
}

/// `GET /licenses/`: one of the company's compliance licenses. A product's `license` is this
/// `id`, never the company id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct License {
    pub id: i64,
    pub number: String,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub license_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<String>,
}

/// `GET /product-subcategories/` (read-only): its own ids, each under one parent `category`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Subcategory {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub slug: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The id of the category this sub-category belongs to.
    pub category: i64,
}
