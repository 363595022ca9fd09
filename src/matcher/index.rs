//! Lookup structures built once from candidate lists, so each plan is a few hash probes.
//!
//! Every index keeps all ids per key: duplicates are data problems the rules must see.

use std::collections::HashMap;

use super::keys::{EmailKey, LicenseKey, SkuKey, StrainKey, StrainMatching};
use super::records::{Destination, FlourishRep, Product, Staff, Strain};

/// The result of looking a key up in an index that may hold duplicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<T> {
    /// Nothing has the key.
    Missing,
    /// Exactly one record has it.
    One(T),
    /// Several records share it: ambiguous.
    Many(Vec<T>),
}

impl<T: Clone> Lookup<T> {
    /// Classifies the records found under one key.
    pub(crate) fn from_slice(found: Option<&Vec<T>>) -> Self {
        match found.map(Vec::as_slice) {
            None | Some([]) => Self::Missing,
            Some([one]) => Self::One(one.clone()),
            Some(many) => Self::Many(many.to_vec()),
        }
    }
}

/// LeafLink products by id and by SKU.
#[derive(Debug, Clone, Default)]
pub struct ProductIndex {
    by_id: HashMap<i64, Product>,
    by_sku: HashMap<SkuKey, Vec<i64>>,
}

impl ProductIndex {
    /// Indexes `products`.
    pub fn new(products: impl IntoIterator<Item = Product>) -> Self {
        let mut index = Self::default();
        for product in products {
            index
                .by_sku
                .entry(SkuKey::new(&product.sku))
                .or_default()
                .push(product.id);
            index.by_id.insert(product.id, product);
        }
        index
    }

    /// The product with this id.
    pub fn get(&self, id: i64) -> Option<&Product> {
        self.by_id.get(&id)
    }

    /// The ids of the products with this SKU.
    pub fn find_sku(&self, sku: &SkuKey) -> Lookup<i64> {
        Lookup::from_slice(self.by_sku.get(sku))
    }
}

/// Flourish items by SKU (Flow A resolves order lines here).
#[derive(Debug, Clone, Default)]
pub struct ItemIndex {
    by_sku: HashMap<SkuKey, Vec<String>>,
    /// SKUs as Flourish stores them, where that differs from the normalised key.
    stored: HashMap<SkuKey, String>,
}

impl ItemIndex {
    /// Indexes `(item id, sku)` pairs.
    pub fn new<'a>(items: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut by_sku: HashMap<SkuKey, Vec<String>> = HashMap::new();
        let mut stored = HashMap::new();
        for (id, sku) in items {
            let key = SkuKey::new(sku);
            if key.as_str() != sku {
                stored.insert(key.clone(), sku.to_owned());
            }
            by_sku.entry(key).or_default().push(id.to_owned());
        }
        Self { by_sku, stored }
    }

    /// The SKU exactly as Flourish stores it on the item matching `sku` (Flourish matches order
    /// lines to items by exact SKU), or `sku` itself when the stored one has nothing to trim.
    pub fn stored_sku<'a>(&'a self, sku: &'a str) -> &'a str {
        self.stored
            .get(&SkuKey::new(sku))
            .map_or(sku, String::as_str)
    }

    /// The item ids with this SKU.
    pub fn find(&self, sku: &SkuKey) -> Lookup<String> {
        Lookup::from_slice(self.by_sku.get(sku))
    }
}

/// LeafLink strains by normalised name.
#[derive(Debug, Clone, Default)]
pub struct StrainIndex {
    mode: StrainMatching,
    by_key: HashMap<StrainKey, Vec<i64>>,
}

impl StrainIndex {
    /// Indexes `strains` under `mode`; names that collide after normalising share a key.
    pub fn new(strains: &[Strain], mode: StrainMatching) -> Self {
        let mut by_key: HashMap<StrainKey, Vec<i64>> = HashMap::new();
        for strain in strains {
            if let Some(key) = StrainKey::new(&strain.name, mode) {
                by_key.entry(key).or_default().push(strain.id);
            }
        }
        Self { mode, by_key }
    }

    /// The matching setting this index was built with.
    pub fn mode(&self) -> StrainMatching {
        self.mode
    }

    /// The strains matching `name`.
    pub fn find(&self, name: &str) -> Lookup<i64> {
        let found = StrainKey::new(name, self.mode).and_then(|key| self.by_key.get(&key));
        Lookup::from_slice(found)
    }
}

/// Who sells: LeafLink staff e-mails and Flourish reps by e-mail.
#[derive(Debug, Clone, Default)]
pub struct RepDirectory {
    staff_email: HashMap<i64, EmailKey>,
    reps: HashMap<EmailKey, Vec<FlourishRep>>,
}

impl RepDirectory {
    /// Builds the directory from LeafLink company staff and Flourish sales reps.
    pub fn new(staff: &[Staff], reps: &[FlourishRep]) -> Self {
        let staff_email = staff
            .iter()
            .filter_map(|s| Some((s.id, EmailKey::new(s.email.as_deref()?)?)))
            .collect();
        let mut by_email: HashMap<EmailKey, Vec<FlourishRep>> = HashMap::new();
        for rep in reps {
            if let Some(key) = rep.email.as_deref().and_then(EmailKey::new) {
                by_email.entry(key).or_default().push(rep.clone());
            }
        }
        Self {
            staff_email,
            reps: by_email,
        }
    }

    /// The e-mail of a LeafLink staff member.
    pub fn staff_email(&self, staff_id: i64) -> Option<&EmailKey> {
        self.staff_email.get(&staff_id)
    }

    /// The Flourish reps with this e-mail (one per facility is the intended setup).
    pub fn flourish_reps(&self, email: &EmailKey) -> &[FlourishRep] {
        self.reps.get(email).map_or(&[], Vec::as_slice)
    }
}

/// Flourish destinations by id and licence number.
#[derive(Debug, Clone, Default)]
pub struct DestinationIndex {
    by_id: HashMap<String, Destination>,
    by_license: HashMap<LicenseKey, Vec<String>>,
}

impl DestinationIndex {
    /// Indexes `destinations`; those without a licence are reachable by id only.
    pub fn new(destinations: impl IntoIterator<Item = Destination>) -> Self {
        let mut index = Self::default();
        for dest in destinations {
            if let Some(key) = LicenseKey::new(&dest.license_number) {
                index
                    .by_license
                    .entry(key)
                    .or_default()
                    .push(dest.id.clone());
            }
            index.by_id.insert(dest.id.clone(), dest);
        }
        index
    }

    /// The destination with this id.
    pub fn get(&self, id: &str) -> Option<&Destination> {
        self.by_id.get(id)
    }

    /// The destination ids with this licence number.
    pub fn find_license(&self, license: &LicenseKey) -> Lookup<String> {
        Lookup::from_slice(self.by_license.get(license))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::records::{Address, ListingState};

    fn product(id: i64, sku: &str) -> Product {
        Product {
            id,
            sku: sku.into(),
            name: String::new(),
            description: String::new(),
            listing_state: ListingState::Available,
            brand: None,
            product_line: None,
            category: None,
            strains: vec![],
            quantity: None,
        }
    }

    #[test]
    fn product_index_finds_by_trimmed_sku_and_reports_duplicates() {
        let index = ProductIndex::new([product(1, "A "), product(2, "B"), product(3, " B")]);
        assert_eq!(index.find_sku(&SkuKey::new("A")), Lookup::One(1));
        assert_eq!(index.find_sku(&SkuKey::new("B")), Lookup::Many(vec![2, 3]));
        assert_eq!(index.find_sku(&SkuKey::new("a")), Lookup::Missing);
        assert_eq!(index.get(2).unwrap().sku, "B");
    }

    #[test]
    fn strain_index_reports_case_insensitive_collisions_as_ambiguous() {
        let strains = [
            Strain {
                id: 1,
                name: "og kush".into(),
            },
            Strain {
                id: 2,
                name: "OG Kush".into(),
            },
            Strain {
                id: 3,
                name: "Haze".into(),
            },
        ];
        let index = StrainIndex::new(&strains, StrainMatching::CaseInsensitive);
        assert_eq!(index.find("OG KUSH"), Lookup::Many(vec![1, 2]));
        assert_eq!(index.find("haze"), Lookup::One(3));
        let exact = StrainIndex::new(&strains, StrainMatching::Exact);
        assert_eq!(exact.find("OG Kush"), Lookup::One(2));
        assert_eq!(exact.find("haze"), Lookup::Missing);
    }

    #[test]
    fn rep_directory_matches_staff_and_reps_by_email_ignoring_case() {
        let staff = [Staff {
            id: 42,
            email: Some(" Ana@Brand.example".into()),
        }];
        let reps = [FlourishRep {
            id: "r1".into(),
            email: Some("ana@brand.EXAMPLE".into()),
            facility_id: "fa".into(),
        }];
        let dir = RepDirectory::new(&staff, &reps);
        let email = dir.staff_email(42).unwrap();
        assert_eq!(dir.flourish_reps(email)[0].facility_id, "fa");
        assert_eq!(dir.staff_email(7), None);
    }

    #[test]
    fn destinations_sharing_a_name_stay_apart_by_license() {
        let dest = |id: &str, lic: &str| Destination {
            id: id.into(),
            name: "Green Door".into(),
            license_number: lic.into(),
            company_email: None,
            company_phone_number: None,
            address: Address::default(),
        };
        let index = DestinationIndex::new([dest("d1", "LIC-1"), dest("d2", "LIC-2")]);
        let key = LicenseKey::new(" LIC-2").unwrap();
        assert_eq!(index.find_license(&key), Lookup::One("d2".to_owned()));
    }

    #[test]
    fn item_index_keeps_the_sku_as_flourish_stores_it() {
        let index = ItemIndex::new([("1", " X\t"), ("2", "Y")]);
        assert_eq!(index.find(&SkuKey::new("X")), Lookup::One("1".into()));
        assert_eq!(index.stored_sku("X"), " X\t");
        assert_eq!(index.stored_sku("Y"), "Y");
        assert_eq!(index.stored_sku("Z"), "Z");
    }

    #[test]
    fn item_index_reports_duplicate_skus() {
        let index = ItemIndex::new([("1", "X"), ("2", "X"), ("3", "Y")]);
        assert_eq!(
            index.find(&SkuKey::new("X")),
            Lookup::Many(vec!["1".into(), "2".into()])
        );
        assert_eq!(index.find(&SkuKey::new("Y")), Lookup::One("3".into()));
    }
}
