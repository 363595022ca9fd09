//! The indexes shared by all checks, built once per run.

use std::collections::{HashMap, HashSet};

use super::CheckSettings;
use crate::flourish::model as fl;
use crate::leaflink::model as ll;
use crate::matcher::records::{Destination, FlourishRep, Staff, Strain};
use crate::matcher::{
    Catalog, DestinationIndex, EmailKey, ItemIndex, LicenseKey, RepDirectory, SkuKey, StrainIndex,
};
use crate::preflight::snapshot::Snapshot;

/// The snapshot with its lookups.
pub struct Context<'a> {
    pub snapshot: &'a Snapshot,
    pub settings: &'a CheckSettings,
    /// Items with the "E-commerce Active" toggle on: the only ones sync pushes.
    pub active_items: Vec<&'a fl::Item>,
    /// Products that are not archived.
    pub listed_products: Vec<&'a ll::Product>,
    /// Every Flourish item by SKU.
    pub items: ItemIndex,
    /// Every LeafLink product (any state) by SKU.
    pub products_by_sku: HashMap<SkuKey, Vec<&'a ll::Product>>,
    /// LeafLink strains by normalised name.
    pub strains: StrainIndex,
    /// Brands, product lines and categories by name.
    pub catalog: Catalog,
    /// Staff e-mails and Flourish reps by e-mail.
    pub reps: RepDirectory,
    /// E-mails of every Flourish rep, with or without a default facility.
    pub rep_emails: HashSet<EmailKey>,
    /// Destinations by licence.
    pub destinations: DestinationIndex,
    /// Licences of non-archived customers.
    pub customer_licenses: HashSet<LicenseKey>,
}

impl<'a> Context<'a> {
    /// Builds every index from `snapshot`.
    pub fn new(snapshot: &'a Snapshot, settings: &'a CheckSettings) -> Self {
        let (leaflink, flourish) = (&snapshot.leaflink, &snapshot.flourish);
        let mut products_by_sku: HashMap<SkuKey, Vec<&ll::Product>> = HashMap::new();
        for product in &leaflink.products {
            products_by_sku
                .entry(SkuKey::new(&product.sku))
                .or_default()
                .push(product);
        }
        Self {
            snapshot,
            settings,
            active_items: flourish
                .items
                .iter()
                .filter(|i| i.ecommerce_active)
                .collect(),
            listed_products: leaflink.products.iter().filter(|p| is_listed(p)).collect(),
            items: ItemIndex::new(
                flourish
                    .items
                    .iter()
                    .map(|i| (i.id.as_str(), i.sku.as_str())),
            ),
            products_by_sku,
            strains: StrainIndex::new(&strains(leaflink), settings.strain_matching),
            catalog: catalog(leaflink),
            reps: rep_directory(snapshot),
            rep_emails: flourish
                .sales_reps
                .iter()
                .filter_map(|r| EmailKey::new(r.email.as_deref()?))
                .collect(),
            destinations: DestinationIndex::new(flourish.destinations.iter().map(destination)),
            customer_licenses: customers(snapshot)
                .filter_map(|c| LicenseKey::new(c.license_number.as_deref()?))
                .collect(),
        }
    }

    /// The LeafLink products with this SKU, in any state.
    pub fn products_with(&self, sku: &SkuKey) -> &[&'a ll::Product] {
        self.products_by_sku.get(sku).map_or(&[], Vec::as_slice)
    }

    /// Non-archived LeafLink customers.
    pub fn customers(&self) -> impl Iterator<Item = &'a ll::Customer> + use<'a> {
        customers(self.snapshot)
    }
}

/// A product buyers or staff can still see: anything but `Archived`.
pub fn is_listed(product: &ll::Product) -> bool {
    product.listing_state != ll::ListingState::Archived
}

fn customers(snapshot: &Snapshot) -> impl Iterator<Item = &ll::Customer> {
    snapshot.leaflink.customers.iter().filter(|c| !c.archived)
}

fn strains(leaflink: &crate::preflight::snapshot::LeafLinkData) -> Vec<Strain> {
    crate::sync::convert::strains(&leaflink.strains)
}

fn catalog(leaflink: &crate::preflight::snapshot::LeafLinkData) -> Catalog {
    crate::sync::convert::catalog(
        &leaflink.brands,
        &leaflink.product_lines,
        &leaflink.categories,
    )
}

/// Reps without a default facility stay out of the directory: no order can route through them.
fn rep_directory(snapshot: &Snapshot) -> RepDirectory {
    let staff: Vec<_> = snapshot
        .leaflink
        .staff
        .iter()
        .map(|s| Staff {
            id: s.id,
            email: s.email.clone(),
        })
        .collect();
    let reps: Vec<_> = snapshot
        .flourish
        .sales_reps
        .iter()
        .filter_map(|r| {
            let facility = r
                .facility_id
                .as_deref()
                .map(str::trim)
                .filter(|f| !f.is_empty())?;
            Some(FlourishRep {
                id: r.sales_rep_id.clone(),
                email: r.email.clone(),
                facility_id: facility.to_owned(),
            })
        })
        .collect();
    RepDirectory::new(&staff, &reps)
}

fn destination(dest: &fl::Destination) -> Destination {
    Destination {
        id: dest.id.clone(),
        name: dest.fields.name.clone(),
        license_number: dest.fields.license_number.clone(),
        company_email: None,
        company_phone_number: None,
        address: Default::default(),
    }
}
