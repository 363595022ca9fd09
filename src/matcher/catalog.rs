//! LeafLink's reference data for products: brands, product lines and categories by name.
//!
//! Brands and categories are read-only on LeafLink, so a missing name is a data problem, never
//! something leafbridge creates.

use std::collections::HashMap;

use super::index::Lookup;
use super::keys::name_key;

/// A named LeafLink record (brand or category).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// Record id.
    pub id: i64,
    /// Name as stored.
    pub name: String,
}

/// A LeafLink product line, which belongs to one brand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductLine {
    /// Product-line id.
    pub id: i64,
    /// Name as stored.
    pub name: String,
    /// Owning brand id.
    pub brand: i64,
}

/// Brands, product lines and categories indexed by exact (trimmed) name.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    brands: HashMap<String, Vec<i64>>,
    lines: HashMap<(i64, String), Vec<i64>>,
    categories: HashMap<String, Vec<i64>>,
}

impl Catalog {
    /// Indexes the three lists.
    pub fn new(brands: &[Named], lines: &[ProductLine], categories: &[Named]) -> Self {
        let mut catalog = Self::default();
        for brand in brands {
            let key = name_key(&brand.name).to_owned();
            catalog.brands.entry(key).or_default().push(brand.id);
        }
        for line in lines {
            let key = (line.brand, name_key(&line.name).to_owned());
            catalog.lines.entry(key).or_default().push(line.id);
        }
        for category in categories {
            let key = name_key(&category.name).to_owned();
            catalog.categories.entry(key).or_default().push(category.id);
        }
        catalog
    }

    /// The brands named `name`.
    pub fn brand(&self, name: &str) -> Lookup<i64> {
        Lookup::from_slice(self.brands.get(name_key(name)))
    }

    /// The product lines named `name` within `brand`.
    pub fn product_line(&self, brand: i64, name: &str) -> Lookup<i64> {
        Lookup::from_slice(self.lines.get(&(brand, name_key(name).to_owned())))
    }

    /// The categories named `name` (a LeafLink name, after the category map).
    pub fn category(&self, name: &str) -> Lookup<i64> {
        Lookup::from_slice(self.categories.get(name_key(name)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        let named = |id, name: &str| Named {
            id,
            name: name.into(),
        };
        let line = |id, name: &str, brand| ProductLine {
            id,
            name: name.into(),
            brand,
        };
        Catalog::new(
            &[named(1, "Canyon Farms"), named(2, "Other")],
            &[line(10, "Pre-Rolls", 1), line(11, "Pre-Rolls", 2)],
            &[named(20, "Pre-Rolls")],
        )
    }

    #[test]
    fn brand_names_match_exactly_after_trim() {
        let catalog = catalog();
        assert_eq!(catalog.brand(" Canyon Farms "), Lookup::One(1));
        assert_eq!(catalog.brand("canyon farms"), Lookup::Missing);
    }

    #[test]
    fn product_line_is_found_only_within_its_brand() {
        let catalog = catalog();
        assert_eq!(catalog.product_line(1, "Pre-Rolls"), Lookup::One(10));
        assert_eq!(catalog.product_line(2, "Pre-Rolls"), Lookup::One(11));
        assert_eq!(catalog.product_line(3, "Pre-Rolls"), Lookup::Missing);
    }

    #[test]
    fn categories_are_found_by_exact_name() {
        assert_eq!(catalog().category("Pre-Rolls"), Lookup::One(20));
        assert_eq!(catalog().category("Pre-Roll"), Lookup::Missing);
    }
}
