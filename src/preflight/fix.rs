//! `--fix-safe`: the fixes that cannot hurt, shown before they are applied. Creating a strain
//! that LeafLink lacks is what the first sync would do anyway; recording a link for an exact
//! match changes nothing on either platform. Nothing else is ever written by preflight.

use std::collections::BTreeMap;

use super::checks::{CheckSettings, Context};
use super::snapshot::Snapshot;
use crate::leaflink::LeafLinkClient;
use crate::leaflink::model::{NewStrain, StrainClassification};
use crate::matcher::{LicenseKey, Lookup, SkuKey, StrainKey};
use crate::store::links::{self, LinkKind, NewLink};

/// An item and the one product with its SKU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemLink {
    pub sku: String,
    pub item_id: String,
    pub product_id: i64,
}

/// A customer and the one destination with its licence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestinationLink {
    pub license: String,
    pub customer_id: i64,
    pub destination_id: String,
}

/// The safe fixes for one snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SafeFixes {
    /// Strain names e-commerce items use that LeafLink lacks (one per normalised name).
    pub strains: Vec<String>,
    pub item_links: Vec<ItemLink>,
    pub destination_links: Vec<DestinationLink>,
}

impl SafeFixes {
    /// True when there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.strains.is_empty() && self.item_links.is_empty() && self.destination_links.is_empty()
    }

    /// One line per action, for showing before applying.
    pub fn describe(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .strains
            .iter()
            .map(|s| format!("create strain {s:?} in LeafLink"))
            .collect();
        lines.extend(self.item_links.iter().map(|l| {
            format!(
                "link item {} to product {} (SKU {})",
                l.item_id, l.product_id, l.sku
            )
        }));
        lines.extend(self.destination_links.iter().map(|l| {
            format!(
                "link customer {} to destination {} (license {})",
                l.customer_id, l.destination_id, l.license
            )
        }));
        lines
    }
}

/// Works out the safe fixes from a snapshot.
pub fn plan(snapshot: &Snapshot, settings: &CheckSettings) -> SafeFixes {
    let cx = Context::new(snapshot, settings);
    let mut strains: BTreeMap<StrainKey, String> = BTreeMap::new();
    for item in &cx.active_items {
        let Some(name) = item
            .strain_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        else {
            continue;
        };
        if let (Lookup::Missing, Some(key)) = (
            cx.strains.find(name),
            StrainKey::new(name, settings.strain_matching),
        ) {
            strains.entry(key).or_insert_with(|| name.to_owned());
        }
    }
    SafeFixes {
        strains: strains.into_values().collect(),
        item_links: item_links(&cx),
        destination_links: destination_links(&cx),
    }
}

fn item_links(cx: &Context<'_>) -> Vec<ItemLink> {
    let mut links = Vec::new();
    for item in &cx.active_items {
        let sku = SkuKey::new(&item.sku);
        if let (Lookup::One(item_id), [product]) = (cx.items.find(&sku), cx.products_with(&sku)) {
            links.push(ItemLink {
                sku: sku.as_str().to_owned(),
                item_id,
                product_id: product.id,
            });
        }
    }
    links
}

fn destination_links(cx: &Context<'_>) -> Vec<DestinationLink> {
    let mut per_license: BTreeMap<LicenseKey, Vec<i64>> = BTreeMap::new();
    for customer in cx.customers() {
        if let Some(key) = customer.license_number.as_deref().and_then(LicenseKey::new) {
            per_license.entry(key).or_default().push(customer.id);
        }
    }
    let mut links = Vec::new();
    for (license, customers) in per_license {
        if let ([customer_id], Lookup::One(destination_id)) =
            (customers.as_slice(), cx.destinations.find_license(&license))
        {
            links.push(DestinationLink {
                license: license.as_str().to_owned(),
                customer_id: *customer_id,
                destination_id,
            });
        }
    }
    links
}

/// What `apply` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    pub strains_created: Vec<String>,
    pub links_recorded: usize,
    /// Actions that could not be made, with the reason.
    pub failures: Vec<String>,
}

/// Where `--fix-safe` records links: the service's database and connection.
#[derive(Clone, Copy)]
pub struct LinkStore<'a> {
    pub db: &'a crate::store::Db,
    pub connection: &'a str,
    pub strain_matching: crate::matcher::StrainMatching,
}

/// Applies `fixes`: creates the strains in LeafLink and, with a store, records the links the
/// sync would record on its first pass (exact matches only).
pub async fn apply(
    fixes: &SafeFixes,
    leaflink: &LeafLinkClient,
    store: Option<LinkStore<'_>>,
) -> Applied {
    let mut applied = Applied::default();
    for name in &fixes.strains {
        // Flourish items carry no classification; LeafLink's "not applicable" is the honest value.
        let strain = NewStrain {
            name: name.clone(),
            strain_classification: StrainClassification::Na,
        };
        match leaflink.create_strain(&strain).await {
            Ok(created) => {
                if let Some(store) = store
                    && let Some(key) = StrainKey::new(&created.name, store.strain_matching)
                {
                    let id = created.id.to_string();
                    record(store, LinkKind::Strain, key.as_str(), &id, &mut applied).await;
                }
                applied.strains_created.push(created.name);
            }
            Err(error) => applied.failures.push(format!("strain {name:?}: {error}")),
        }
    }
    if let Some(store) = store {
        record_links(fixes, store, &mut applied).await;
    }
    applied
}

/// Records the exact-match links: SKU and item id → product, license → destination.
async fn record_links(fixes: &SafeFixes, store: LinkStore<'_>, applied: &mut Applied) {
    for link in &fixes.item_links {
        let product = link.product_id.to_string();
        record(
            store,
            LinkKind::Product,
            SkuKey::new(&link.sku).as_str(),
            &product,
            applied,
        )
        .await;
        record(store, LinkKind::Item, &link.item_id, &product, applied).await;
    }
    for link in &fixes.destination_links {
        if let Some(license) = LicenseKey::new(&link.license) {
            record(
                store,
                LinkKind::Destination,
                license.as_str(),
                &link.destination_id,
                applied,
            )
            .await;
        }
    }
}

async fn record(
    store: LinkStore<'_>,
    kind: LinkKind,
    key: &str,
    remote_id: &str,
    applied: &mut Applied,
) {
    let link = NewLink::found(kind, key, remote_id);
    match links::upsert(
        &store.db.pool,
        store.connection,
        &link,
        crate::store::now_ms(),
    )
    .await
    {
        Ok(_) => applied.links_recorded += 1,
        Err(error) => applied
            .failures
            .push(format!("link {} {key}: {error}", kind.as_str())),
    }
}
