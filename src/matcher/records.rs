//! Plain records the matcher reads, independent of either platform's wire models.
//!
//! The `sync` layer converts API models into these so the rules never depend on JSON shapes.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// LeafLink product listing states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ListingState {
    /// Visible and orderable.
    Available,
    /// Hidden, kept for history.
    Archived,
    /// Hidden sample listing.
    Sample,
    /// Visible and orderable while out of stock.
    Backorder,
    /// Hidden, internal only.
    Internal,
    /// Hidden.
    Unavailable,
    /// A state this version does not know: treated as hidden, never written.
    Other,
}

impl ListingState {
    /// Whether buyers see and order the product (the states Flourish inventory feeds).
    pub fn takes_inventory(self) -> bool {
        matches!(self, Self::Available | Self::Backorder)
    }
}

/// A LeafLink product as the matcher compares it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// LeafLink product id.
    pub id: i64,
    /// SKU as stored on LeafLink.
    pub sku: String,
    /// Display name.
    pub name: String,
    /// Description (LeafLink requires one on create).
    pub description: String,
    /// Current listing state.
    pub listing_state: ListingState,
    /// Brand id.
    pub brand: Option<i64>,
    /// Product-line id.
    pub product_line: Option<i64>,
    /// Category id.
    pub category: Option<i64>,
    /// Strain ids.
    pub strains: Vec<i64>,
    /// Stock level on LeafLink.
    pub quantity: Option<Decimal>,
}

/// A LeafLink strain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Strain {
    /// Strain id.
    pub id: i64,
    /// Name as stored.
    pub name: String,
}

/// A LeafLink company-staff member (the sales reps of LeafLink orders and customers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staff {
    /// Company-staff id.
    pub id: i64,
    /// E-mail, when LeafLink has one.
    pub email: Option<String>,
}

/// A Flourish sales rep: one per person and facility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlourishRep {
    /// `sales_rep_id`.
    pub id: String,
    /// E-mail, the key shared with LeafLink staff.
    pub email: Option<String>,
    /// The rep's default facility: where their LeafLink orders go.
    pub facility_id: String,
}

/// A postal address, in Flourish destination terms.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// First line.
    pub address_line_1: Option<String>,
    /// Second line.
    pub address_line_2: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Two-letter state.
    pub state: Option<String>,
    /// Postal code.
    pub zip_code: Option<String>,
    /// Country name.
    pub country: Option<String>,
}

/// A Flourish destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destination {
    /// Destination id.
    pub id: String,
    /// Name (not unique: licences tell destinations apart).
    pub name: String,
    /// Licence number, the key shared with LeafLink customers.
    pub license_number: String,
    /// Company e-mail.
    pub company_email: Option<String>,
    /// Company phone.
    pub company_phone_number: Option<String>,
    /// Postal address.
    pub address: Address,
}

/// A LeafLink customer as Flow D and Flow A read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    /// LeafLink customer id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Licence number; customers without one cannot be matched.
    pub license_number: Option<String>,
    /// Default sales reps (company-staff ids).
    pub managers: Vec<i64>,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Postal address.
    pub address: Address,
}

/// A Flourish item (Flow B input; Flow A needs only `id` and `sku`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Flourish item id.
    pub id: String,
    /// `item_name`.
    pub name: String,
    /// `item_description`.
    pub description: Option<String>,
    /// SKU, the key shared with LeafLink products.
    pub sku: String,
    /// Brand name.
    pub brand: Option<String>,
    /// The "E-commerce Active" toggle: only these are pushed.
    pub ecommerce_active: bool,
    /// Strain name.
    pub strain_name: Option<String>,
    /// Compliance "Requires Strain".
    pub strain_required: bool,
    /// Product-line name.
    pub product_line: Option<String>,
    /// Custom category, preferred over `item_category` for the LeafLink category.
    pub custom_category: Option<String>,
    /// Flourish's own category.
    pub item_category: Option<String>,
}
