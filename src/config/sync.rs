//! The rules' settings of one connection: routing, category maps, strain matching, feeding
//! facilities, listing and source-of-truth choices, pollers; and their validation.

use std::time::Duration;

use super::layers::SyncLayer;
use super::{ConfigError, invalid};
use crate::matcher::StrainMatching;
use crate::remote::Mode;

/// How orders choose their Flourish facility.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoutingSetting {
    /// The default facility of the Flourish rep with the order rep's email.
    SalesRep,
    /// Every order goes to this facility.
    Facility(String),
}

/// The rules' settings: routing, category map, strain matching, feeding facilities, pollers.
#[derive(Clone, Debug)]
pub struct SyncSettings {
    pub routing: RoutingSetting,
    /// Flourish custom category → LeafLink category name.
    pub category_map: Vec<(String, String)>,
    pub strain_matching: StrainMatching,
    /// Facilities whose stock feeds LeafLink quantities; `None`: all.
    pub feeding_facilities: Option<Vec<String>>,
    /// `external_ids` key under which Flourish's order id is written back to LeafLink.
    pub external_id_key: Option<String>,
    /// Whether LeafLink customer data may overwrite an existing Flourish destination.
    pub overwrite_destinations: bool,
    /// Poll intervals; zero turns a poller off.
    pub poll_orders: Duration,
    pub poll_customers: Duration,
    pub poll_items: Duration,
    pub poll_inventory: Duration,
    /// The LeafLink license (number or id) new products are listed under; `None`: the company's
    /// only license.
    pub leaflink_license: Option<String>,
    /// Flourish custom category (or LeafLink category) → LeafLink sub-category name or id.
    pub subcategory_map: Vec<(String, String)>,
    /// `external_ids` key (issued by LeafLink) under which a product carries its Flourish item
    /// id; `None`: no external id is written.
    pub product_external_id_key: Option<String>,
    /// Whether Flourish is the source of truth for LeafLink stock levels.
    pub manage_stock: bool,
    /// The product fields Flourish is the source of truth for.
    pub product_fields: ProductFields,
    /// How long reference data (brands, strains, facilities…) and per-pass snapshots read from
    /// the platforms are shared between jobs before they are read again.
    pub reference_ttl: Duration,
    /// `shadow` (plan, record, write nothing) or `live`: the connection's initial mode; one
    /// stored by an operator (`PUT /api/v1/mode`) wins over it.
    pub mode: Mode,
}

/// The LeafLink product fields leafbridge writes on update (`LEAFBRIDGE_PRODUCT_FIELDS`); a
/// field left out is never written nor reported as out of step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProductFields {
    pub name: bool,
    pub description: bool,
    pub brand: bool,
    pub product_line: bool,
    pub category: bool,
    pub strains: bool,
}

impl ProductFields {
    /// Every field (the default).
    pub const ALL: Self = Self {
        name: true,
        description: true,
        brand: true,
        product_line: true,
        category: true,
        strains: true,
    };
    /// No field: Flourish is not the source of truth for product information.
    pub const NONE: Self = Self {
        name: false,
        description: false,
        brand: false,
        product_line: false,
        category: false,
        strains: false,
    };

    /// Parses `all`, `none` or a comma list of `name, description, brand, product_line,
    /// category, strains`.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim() {
            "all" => return Ok(Self::ALL),
            "none" => return Ok(Self::NONE),
            _ => {}
        }
        let mut fields = Self::NONE;
        for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let slot = match name {
                "name" => &mut fields.name,
                "description" => &mut fields.description,
                "brand" => &mut fields.brand,
                "product_line" => &mut fields.product_line,
                "category" => &mut fields.category,
                "strains" => &mut fields.strains,
                other => {
                    return Err(format!(
                        "{other:?} is not one of name, description, brand, product_line, \
                         category, strains (or all, none)"
                    ));
                }
            };
            *slot = true;
        }
        Ok(fields)
    }
}

impl Default for ProductFields {
    fn default() -> Self {
        Self::ALL
    }
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            routing: RoutingSetting::SalesRep,
            category_map: Vec::new(),
            strain_matching: StrainMatching::CaseInsensitive,
            feeding_facilities: None,
            external_id_key: None,
            overwrite_destinations: false,
            poll_orders: Duration::from_secs(300),
            poll_customers: Duration::from_secs(900),
            poll_items: Duration::from_secs(900),
            poll_inventory: Duration::from_secs(300),
            leaflink_license: None,
            subcategory_map: Vec::new(),
            product_external_id_key: None,
            manage_stock: true,
            product_fields: ProductFields::ALL,
            reference_ttl: Duration::from_secs(60),
            mode: Mode::Live,
        }
    }
}

impl SyncLayer {
    /// Checks the values and fills the defaults; `setting` names a key in messages.
    pub(super) fn validate(
        self,
        setting: &dyn Fn(&str) -> String,
    ) -> Result<SyncSettings, ConfigError> {
        let defaults = SyncSettings::default();
        let routing = match self.routing {
            None => RoutingSetting::SalesRep,
            Some(text) => match text.trim() {
                "sales_rep" => RoutingSetting::SalesRep,
                other => match other.strip_prefix("facility:") {
                    Some(id) if !id.trim().is_empty() => {
                        RoutingSetting::Facility(id.trim().to_owned())
                    }
                    _ => {
                        return Err(invalid(
                            &setting("routing"),
                            "must be sales_rep or facility:<facility id>",
                        ));
                    }
                },
            },
        };
        let strain_matching = match self.strain_matching.as_deref() {
            None | Some("case_insensitive") => StrainMatching::CaseInsensitive,
            Some("exact") => StrainMatching::Exact,
            Some(other) => {
                return Err(invalid(
                    &setting("strain_matching"),
                    format!("{other:?} is not case_insensitive or exact"),
                ));
            }
        };
        let product_fields = match self.product_fields {
            Some(text) => ProductFields::parse(&text)
                .map_err(|why| invalid(&setting("product_fields"), why))?,
            None => ProductFields::ALL,
        };
        let mode = match self.mode {
            Some(text) => Mode::parse(&text).map_err(|why| invalid(&setting("mode"), why))?,
            None => Mode::Live,
        };
        let seconds =
            |value: Option<u64>, default: Duration| value.map_or(default, Duration::from_secs);
        let trimmed =
            |value: Option<String>| value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        Ok(SyncSettings {
            routing,
            category_map: self.category_map.unwrap_or_default(),
            strain_matching,
            feeding_facilities: self.feeding_facilities.filter(|list| !list.is_empty()),
            external_id_key: self.external_id_key.filter(|k| !k.trim().is_empty()),
            overwrite_destinations: self.overwrite_destinations.unwrap_or(false),
            poll_orders: seconds(self.poll_orders_seconds, defaults.poll_orders),
            poll_customers: seconds(self.poll_customers_seconds, defaults.poll_customers),
            poll_items: seconds(self.poll_items_seconds, defaults.poll_items),
            poll_inventory: seconds(self.poll_inventory_seconds, defaults.poll_inventory),
            leaflink_license: trimmed(self.leaflink_license),
            subcategory_map: self.subcategory_map.unwrap_or_default(),
            product_external_id_key: trimmed(self.product_external_id_key),
            manage_stock: self.manage_stock.unwrap_or(true),
            product_fields,
            reference_ttl: seconds(self.reference_ttl_seconds, defaults.reference_ttl),
            mode,
        })
    }
}
