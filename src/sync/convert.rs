//! LeafLink catalogue records as the matcher sees them, shared by the item flow and preflight.

use crate::leaflink::model as ll;
use crate::matcher::Catalog;
use crate::matcher::catalog::{Named, ProductLine};
use crate::matcher::records::Strain;

/// Brands, product lines and categories as the matcher's catalogue.
pub fn catalog(
    brands: &[ll::Brand],
    lines: &[ll::ProductLine],
    categories: &[ll::Category],
) -> Catalog {
    let named = |id: i64, name: &str| Named {
        id,
        name: name.to_owned(),
    };
    let brands: Vec<Named> = brands.iter().map(|b| named(b.id, &b.name)).collect();
    let categories: Vec<Named> = categories.iter().map(|c| named(c.id, &c.name)).collect();
    let lines: Vec<ProductLine> = lines
        .iter()
        .map(|l| ProductLine {
            id: l.id,
            name: l.name.clone(),
            brand: l.brand,
        })
        .collect();
    Catalog::new(&brands, &lines, &categories)
}

/// LeafLink strains as matcher records.
pub fn strains(strains: &[ll::Strain]) -> Vec<Strain> {
    strains
        .iter()
        .map(|s| Strain {
            id: s.id,
            name: s.name.clone(),
        })
        .collect()
}
