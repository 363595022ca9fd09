//! Pairs already matched once, looked up before any search so nothing is created twice.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::keys::{LicenseKey, SkuKey, StrainKey, StrainMatching};

/// Where a LeafLink order lives in Flourish.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OrderLink {
    /// Flourish outbound-order id.
    pub order_id: String,
    /// Facility that holds it.
    pub facility_id: String,
}

/// Known links between the two systems.
#[derive(Debug, Clone, Default)]
pub struct LinkSet {
    products: HashMap<SkuKey, i64>,
    destinations: HashMap<LicenseKey, String>,
    orders: HashMap<String, OrderLink>,
    strains: HashMap<StrainKey, i64>,
    strain_mode: StrainMatching,
}

impl LinkSet {
    /// An empty set whose strain links compare names under `strain_mode`.
    pub fn new(strain_mode: StrainMatching) -> Self {
        Self {
            strain_mode,
            ..Self::default()
        }
    }

    /// Remembers SKU ↔ LeafLink product id.
    pub fn link_product(&mut self, sku: &str, product_id: i64) {
        self.products.insert(SkuKey::new(sku), product_id);
    }

    /// The LeafLink product linked to a SKU.
    pub fn product(&self, sku: &SkuKey) -> Option<i64> {
        self.products.get(sku).copied()
    }

    /// Remembers licence ↔ Flourish destination id; blank licences are not linkable.
    pub fn link_destination(&mut self, license: &str, destination_id: &str) {
        if let Some(key) = LicenseKey::new(license) {
            self.destinations.insert(key, destination_id.to_owned());
        }
    }

    /// The Flourish destination linked to a licence.
    pub fn destination(&self, license: &LicenseKey) -> Option<&str> {
        self.destinations.get(license).map(String::as_str)
    }

    /// Remembers LeafLink order number ↔ Flourish order.
    pub fn link_order(&mut self, number: &str, link: OrderLink) {
        self.orders.insert(number.trim().to_owned(), link);
    }

    /// The Flourish order linked to a LeafLink order number.
    pub fn order(&self, number: &str) -> Option<&OrderLink> {
        self.orders.get(number.trim())
    }

    /// Remembers strain name ↔ LeafLink strain id.
    pub fn link_strain(&mut self, name: &str, strain_id: i64) {
        if let Some(key) = StrainKey::new(name, self.strain_mode) {
            self.strains.insert(key, strain_id);
        }
    }

    /// The LeafLink strain linked to a name.
    pub fn strain(&self, name: &str) -> Option<i64> {
        let key = StrainKey::new(name, self.strain_mode)?;
        self.strains.get(&key).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_found_through_the_same_keys_as_searches() {
        let mut links = LinkSet::new(StrainMatching::CaseInsensitive);
        links.link_product(" OGK-PR-1G", 5150);
        links.link_destination("LIC-1 ", "d1");
        links.link_strain("og kush", 9);
        let order = OrderLink {
            order_id: "o1".into(),
            facility_id: "fa".into(),
        };
        links.link_order("n-1", order.clone());

        assert_eq!(links.product(&SkuKey::new("OGK-PR-1G")), Some(5150));
        assert_eq!(links.product(&SkuKey::new("ogk-pr-1g")), None);
        assert_eq!(
            links.destination(&LicenseKey::new("LIC-1").unwrap()),
            Some("d1")
        );
        assert_eq!(links.strain("OG  KUSH"), Some(9));
        assert_eq!(links.order("n-1"), Some(&order));
    }

    #[test]
    fn blank_license_is_never_linked() {
        let mut links = LinkSet::default();
        links.link_destination("  ", "d1");
        assert!(links.destinations.is_empty());
    }
}
