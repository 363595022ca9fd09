//! Products, strains, brands, product lines, categories and batches.

use chrono::{DateTime, FixedOffset};

use super::{LeafLinkClient, timestamp};
use crate::leaflink::model::{
    Batch, Brand, Category, License, ListingState, NewProduct, NewProductLine, NewStrain, Product,
    ProductLine, ProductLinePatch, ProductPatch, Strain, Subcategory,
};
use crate::remote::ClientError;

/// Filters for `GET /products/`.
#[derive(Clone, Debug, Default)]
pub struct ProductQuery {
    /// Any of these SKUs (sent as one comma list).
    pub skus: Vec<String>,
    pub modified_gte: Option<DateTime<FixedOffset>>,
    pub listing_state: Option<ListingState>,
}

impl LeafLinkClient {
    /// Products matching `query`. SKUs go out as one comma list, so a SKU holding a comma
    /// cannot be looked up and is refused here.
    pub async fn list_products(&self, query: &ProductQuery) -> Result<Vec<Product>, ClientError> {
        if let Some(sku) = query.skus.iter().find(|sku| sku.contains(',')) {
            return Err(ClientError::BadRequest {
                status: 400,
                message: format!("SKU {sku:?} contains a comma and cannot be filtered on"),
            });
        }
        let mut filters = Vec::new();
        if !query.skus.is_empty() {
            filters.push(("sku", query.skus.join(",")));
        }
        if let Some(at) = &query.modified_gte {
            filters.push(("modified__gte", timestamp(at)));
        }
        if let Some(state) = query.listing_state {
            filters.push(("listing_state", state.as_str().to_owned()));
        }
        self.list_all(&["products"], &filters).await
    }

    pub async fn get_product(&self, id: i64) -> Result<Product, ClientError> {
        self.get(&["products", &id.to_string()], &[]).await
    }

    /// Creates a product (not retried on transport errors: a retry could create two).
    pub async fn create_product(&self, product: &NewProduct) -> Result<Product, ClientError> {
        self.write(reqwest::Method::POST, &["products"], Some(product))
            .await
    }

    pub async fn patch_product(
        &self,
        id: i64,
        patch: &ProductPatch,
    ) -> Result<Product, ClientError> {
        self.write(
            reqwest::Method::PATCH,
            &["products", &id.to_string()],
            Some(patch),
        )
        .await
    }

    /// Strains, optionally by exact name (names match case-sensitively).
    pub async fn list_strains(&self, name: Option<&str>) -> Result<Vec<Strain>, ClientError> {
        let filters: Vec<_> = name.map(|n| ("name", n.to_owned())).into_iter().collect();
        self.list_all(&["strains"], &filters).await
    }

    pub async fn create_strain(&self, strain: &NewStrain) -> Result<Strain, ClientError> {
        self.write(reqwest::Method::POST, &["strains"], Some(strain))
            .await
    }

    pub async fn list_brands(&self) -> Result<Vec<Brand>, ClientError> {
        self.list_all(&["brands"], &[]).await
    }

    pub async fn list_product_lines(
        &self,
        brand: Option<i64>,
    ) -> Result<Vec<ProductLine>, ClientError> {
        let filters: Vec<_> = brand
            .map(|b| ("brand", b.to_string()))
            .into_iter()
            .collect();
        self.list_all(&["product-lines"], &filters).await
    }

    pub async fn create_product_line(
        &self,
        line: &NewProductLine,
    ) -> Result<ProductLine, ClientError> {
        self.write(reqwest::Method::POST, &["product-lines"], Some(line))
            .await
    }

    pub async fn patch_product_line(
        &self,
        id: i64,
        patch: &ProductLinePatch,
    ) -> Result<ProductLine, ClientError> {
        self.write(
            reqwest::Method::PATCH,
            &["product-lines", &id.to_string()],
            Some(patch),
        )
        .await
    }

    pub async fn list_categories(&self) -> Result<Vec<Category>, ClientError> {
        self.list_all(&["product-categories"], &[]).await
    }

    /// Batches, optionally by lot number (`production_batch_number`).
    pub async fn list_batches(&self, lot: Option<&str>) -> Result<Vec<Batch>, ClientError> {
        let filters: Vec<_> = lot
            .map(|l| ("production_batch_number", l.to_owned()))
            .into_iter()
            .collect();
        self.list_all(&["batches"], &filters).await
    }

    /// The batches with these ids, in one comma-list read (`id=` takes a list on batches).
    pub async fn batches_by_id(&self, ids: &[i64]) -> Result<Vec<Batch>, ClientError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        self.list_all(&["batches"], &[("id", list.join(","))]).await
    }

    pub async fn get_batch(&self, id: i64) -> Result<Batch, ClientError> {
        self.get(&["batches", &id.to_string()], &[]).await
    }

    /// The company's compliance licenses: the ids a product's `license` may take.
    pub async fn list_licenses(&self) -> Result<Vec<License>, ClientError> {
        self.list_all(&["licenses"], &[]).await
    }

    /// Every product sub-category, each with its parent category id.
    pub async fn list_subcategories(&self) -> Result<Vec<Subcategory>, ClientError> {
        self.list_all(&["product-subcategories"], &[]).await
    }
}
