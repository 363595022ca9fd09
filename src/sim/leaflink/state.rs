//! The simulator's in-memory LeafLink: one seller company's records in their REST shapes, the
//! seed/dump format, id allocation and a strictly increasing clock for `modified`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use crate::leaflink::model::{
    Batch, Brand, Category, CompanyStaff, Customer, Decimal, License, ListingState, OrderReceived,
    OrderStatus, Product, ProductLine, SellInUnit, Strain, StrainClassification, Subcategory,
    UnitOfMeasure,
};

/// The seller company the simulator speaks for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Company {
    pub id: i64,
    pub name: String,
}

impl Default for Company {
    fn default() -> Self {
        Self {
            id: 1,
            name: "Simulated Brand Co".to_owned(),
        }
    }
}

/// Everything the simulator holds; (de)serialises as the `leaflink` section of a seed file.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Db {
    pub company: Company,
    pub brands: Vec<Brand>,
    pub product_lines: Vec<ProductLine>,
    pub product_categories: Vec<Category>,
    pub strains: Vec<Strain>,
    pub company_staff: Vec<CompanyStaff>,
    pub customers: Vec<Customer>,
    pub products: Vec<Product>,
    pub batches: Vec<Batch>,
    pub orders: Vec<OrderReceived>,
    /// The company's compliance licenses (`GET /licenses/`).
    pub licenses: Vec<License>,
    /// `GET /product-subcategories/`, each under one category.
    pub product_subcategories: Vec<Subcategory>,
    /// The `external_ids` keys LeafLink has issued to this company; others are refused.
    pub external_id_keys: Vec<String>,
    /// `/order-payments/`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub order_payments: Vec<crate::leaflink::model::OrderPayment>,
    #[serde(skip)]
    next_id: i64,
    #[serde(skip)]
    last_tick: Option<DateTime<Utc>>,
}

impl Db {
    /// Loads a seed section; the products' `available_inventory` is recomputed.
    pub fn from_seed(seed: Option<&serde_json::Value>) -> anyhow::Result<Self> {
        let mut db: Db = match seed {
            Some(section) => serde_json::from_value(section.clone()).map_err(|e| {
                anyhow::anyhow!("invalid leaflink seed section: {}", locate(section, &e))
            })?,
            None => Db::default(),
        };
        if let Some(place) = db.unknown_choice() {
            anyhow::bail!("invalid leaflink seed section: {place}: not a value LeafLink offers");
        }
        // LeafLink's order numbers are UUIDs (its API document says so); a seed that uses
        // anything else would let the bridge pass against a simulator LeafLink never matches.
        if let Some(i) = db
            .orders
            .iter()
            .position(|o| crate::envelope::check_order_number(&o.number).is_err())
        {
            anyhow::bail!(
                "invalid leaflink seed section: orders[{i}].number {:?} is not a UUID",
                db.orders[i].number
            );
        }
        db.next_id = db.highest_id().max(999) + 1;
        let now = db.tick();
        for product in &mut db.products {
            recompute_available(product);
            product.modified.get_or_insert(now);
        }
        for customer in &mut db.customers {
            customer.modified.get_or_insert(now);
        }
        let payments = db.order_payments.clone();
        for order in &mut db.orders {
            order.modified.get_or_insert(now);
            // LeafLink computes an order's total; a seed may still set one on purpose.
            let total = order.money.total.take();
            super::money::recompute(order, &payments);
            if total.is_some() {
                order.money.total = total;
            }
        }
        Ok(db)
    }

    /// Where the seed uses a choice the models only read (`Other`): LeafLink never answers one.
    fn unknown_choice(&self) -> Option<String> {
        let product = self.products.iter().position(|p| {
            p.listing_state == ListingState::Other
                || p.unit_of_measure == Some(UnitOfMeasure::Other)
                || p.sell_in_unit_of_measure == Some(SellInUnit::Other)
        });
        let strain = self
            .strains
            .iter()
            .position(|s| s.strain_classification == Some(StrainClassification::Other));
        let order = self
            .orders
            .iter()
            .position(|o| o.status == OrderStatus::Other);
        product
            .map(|i| format!("products[{i}]"))
            .or_else(|| strain.map(|i| format!("strains[{i}]")))
            .or_else(|| order.map(|i| format!("orders[{i}]")))
    }

    fn highest_id(&self) -> i64 {
        let ids = self
            .brands
            .iter()
            .map(|x| x.id)
            .chain(self.product_lines.iter().map(|x| x.id))
            .chain(self.product_categories.iter().map(|x| x.id))
            .chain(self.strains.iter().map(|x| x.id))
            .chain(self.company_staff.iter().map(|x| x.id))
            .chain(self.customers.iter().map(|x| x.id))
            .chain(self.products.iter().map(|x| x.id))
            .chain(self.batches.iter().map(|x| x.id))
            .chain(self.licenses.iter().map(|x| x.id))
            .chain(self.product_subcategories.iter().map(|x| x.id))
            .chain(
                self.orders
                    .iter()
                    .flat_map(|o| o.line_items.iter().flatten().map(|l| l.id)),
            )
            .chain(self.order_payments.iter().map(|p| p.id));
        ids.max().unwrap_or(0)
    }

    /// A fresh id, unique across every kind of record.
    pub fn new_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id - 1
    }

    /// Now, strictly after the previous tick, so `modified__gte` polling never misses a change.
    pub fn tick(&mut self) -> DateTime<FixedOffset> {
        let mut now = Utc::now();
        now = now - chrono::Duration::nanoseconds(i64::from(now.timestamp_subsec_nanos() % 1000));
        if let Some(last) = self.last_tick
            && now <= last
        {
            now = last + chrono::Duration::microseconds(1);
        }
        self.last_tick = Some(now);
        now.fixed_offset()
    }

    pub fn product_mut(&mut self, id: i64) -> Result<&mut Product, SimError> {
        self.products
            .iter_mut()
            .find(|p| p.id == id)
            .ok_or_else(|| SimError::not_found("product"))
    }

    pub fn order_index(&self, number: &str) -> Result<usize, SimError> {
        self.orders
            .iter()
            .position(|o| o.number == number)
            .ok_or_else(|| SimError::not_found("order"))
    }

    pub fn customer(&self, id: i64) -> Option<&Customer> {
        self.customers.iter().find(|c| c.id == id)
    }

    pub fn staff(&self, id: i64) -> Option<&CompanyStaff> {
        self.company_staff.iter().find(|s| s.id == id)
    }

    /// Refuses sales reps that are not company staff.
    pub fn check_staff(&self, ids: &[i64]) -> Result<(), SimError> {
        match ids.iter().find(|id| self.staff(**id).is_none()) {
            Some(id) => Err(SimError::bad_request(format!(
                "company staff {id} does not exist"
            ))),
            None => Ok(()),
        }
    }

    /// Whether `category` is LeafLink's Flower category (its strains are mandatory).
    pub fn is_flower(&self, category: Option<i64>) -> bool {
        self.product_categories.iter().any(|c| {
            Some(c.id) == category && (c.name.eq_ignore_ascii_case("flower") || c.slug == "flower")
        })
    }
}

/// Names the first list item that does not parse, e.g. `products[3]: missing field ...`.
fn locate(section: &serde_json::Value, error: &serde_json::Error) -> String {
    let probe = |list: &str, item: &serde_json::Value| -> Result<(), serde_json::Error> {
        let mut one = serde_json::json!({});
        one[list] = serde_json::json!([item]);
        serde_json::from_value::<Db>(one).map(|_| ())
    };
    let lists = section.as_object().into_iter().flatten();
    for (list, items) in lists {
        for (index, item) in items.as_array().into_iter().flatten().enumerate() {
            if let Err(e) = probe(list, item) {
                return format!("{list}[{index}]: {e}");
            }
        }
    }
    error.to_string()
}

/// `available_inventory = quantity − reserved_qty`; all three are written with four decimal
/// places, as LeafLink answers them whatever form they were sent in.
pub fn recompute_available(product: &mut Product) {
    let quantity = product.quantity.as_f64().unwrap_or(0.0);
    let reserved = product.reserved_qty.as_f64().unwrap_or(0.0);
    product.quantity = Decimal::from_f64(quantity);
    product.reserved_qty = Decimal::from_f64(reserved);
    product.available_inventory = Decimal::from_f64(quantity - reserved);
}

/// An error answer in LeafLink's style: `{"detail": "..."}`, or for a refused field of a write
/// `{"<field>": ["..."]}`.
#[derive(Debug)]
pub struct SimError {
    pub status: StatusCode,
    pub detail: String,
    /// The field a validation error is about.
    pub field: Option<String>,
}

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field {
            Some(field) => write!(
                f,
                "LeafLink simulator refused ({}): {field}: {}",
                self.status, self.detail
            ),
            None => write!(
                f,
                "LeafLink simulator refused ({}): {}",
                self.status, self.detail
            ),
        }
    }
}

impl std::error::Error for SimError {}

impl SimError {
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            detail: detail.into(),
            field: None,
        }
    }

    /// A 400 about one field, answered as `{"<field>": ["<message>"]}`.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            detail: message.into(),
            field: Some(field.to_owned()),
        }
    }

    /// The API key's company may not do this (LeafLink answers 403 with a `detail`).
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            detail: detail.into(),
            field: None,
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            detail: format!("{what} not found"),
            field: None,
        }
    }
}

impl IntoResponse for SimError {
    fn into_response(self) -> Response {
        let body = match &self.field {
            Some(field) => serde_json::json!({ field.as_str(): [self.detail] }),
            None => serde_json::json!({"detail": self.detail}),
        };
        (self.status, Json(body)).into_response()
    }
}
