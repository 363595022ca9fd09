//! Everything preflight reads, fetched once from both platforms into plain lists.
//!
//! The checks run over this snapshot without I/O, so they are fast and testable on generated
//! data (see `benches/preflight.rs`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::future::try_join;

use super::finding::Side;
use crate::flourish::client::{InventoryFilter, ItemFilter};
use crate::flourish::model as fl;
use crate::flourish::{FlourishClient, FlourishConfig};
use crate::leaflink::client::{CustomerQuery, OrderQuery, ProductQuery};
use crate::leaflink::model as ll;
use crate::leaflink::{LeafLinkClient, LeafLinkConfig};
use crate::remote::ClientError;

/// LeafLink's side of the snapshot.
#[derive(Debug, Clone, Default)]
pub struct LeafLinkData {
    /// Brands (read-only on LeafLink).
    pub brands: Vec<ll::Brand>,
    /// Product lines of every brand.
    pub product_lines: Vec<ll::ProductLine>,
    /// Product categories.
    pub categories: Vec<ll::Category>,
    /// Strains.
    pub strains: Vec<ll::Strain>,
    /// Company staff (the sales reps of orders and customers).
    pub staff: Vec<ll::CompanyStaff>,
    /// Customers, archived ones included.
    pub customers: Vec<ll::Customer>,
    /// Products in every listing state.
    pub products: Vec<ll::Product>,
    /// Batches.
    pub batches: Vec<ll::Batch>,
    /// Open orders (Submitted, Accepted, Backorder): the ones routing applies to today.
    pub orders: Vec<ll::OrderReceived>,
    /// The company's licenses (a new product's `license`).
    pub licenses: Vec<ll::License>,
    /// Product sub-categories (a new product's `sub_category`).
    pub subcategories: Vec<ll::Subcategory>,
}

/// One lot row of a facility's inventory.
#[derive(Debug, Clone, Default)]
pub struct StockRow {
    /// The facility holding the stock.
    pub facility_id: String,
    /// The lot row as Flourish answers it.
    pub row: fl::InventoryRow,
}

/// Flourish's side of the snapshot.
#[derive(Debug, Clone, Default)]
pub struct FlourishData {
    /// Facilities.
    pub facilities: Vec<fl::Facility>,
    /// Every rep once, whichever facility lists them.
    pub sales_reps: Vec<fl::SalesRep>,
    /// Items, e-commerce active or not.
    pub items: Vec<fl::Item>,
    /// Destinations.
    pub destinations: Vec<fl::Destination>,
    /// Brands.
    pub brands: Vec<fl::Brand>,
    /// Strains.
    pub strains: Vec<fl::Strain>,
    /// Inventory of every facility, one row per lot.
    pub inventory: Vec<StockRow>,
    /// Payment terms.
    pub payment_terms: Vec<fl::PaymentTerm>,
}

/// Both platforms as read at one moment.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// LeafLink's lists.
    pub leaflink: LeafLinkData,
    /// Flourish's lists.
    pub flourish: FlourishData,
}

/// How far the read has got: `done` of `total` lists are in.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// The list just read, e.g. `LeafLink products`.
    pub step: &'static str,
    /// Lists read so far.
    pub done: usize,
    /// Lists to read.
    pub total: usize,
}

/// A platform could not be read.
#[derive(Debug, thiserror::Error)]
#[error("reading {} {step}: {error}", platform.name())]
pub struct FetchError {
    /// The platform that failed.
    pub platform: Side,
    /// The list being read.
    pub step: &'static str,
    /// The client's error.
    pub error: ClientError,
}

/// Lists read from LeafLink plus lists read from Flourish.
pub const STEPS: usize = 9 + 8;

/// Counts finished steps across both platforms, which are read at the same time.
struct Tracker<'a> {
    done: AtomicUsize,
    report: &'a (dyn Fn(Progress) + Send + Sync),
}

impl Tracker<'_> {
    fn step<T>(
        &self,
        platform: Side,
        step: &'static str,
        result: Result<T, ClientError>,
    ) -> Result<T, FetchError> {
        let value = result.map_err(|error| FetchError {
            platform,
            step,
            error,
        })?;
        let done = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        (self.report)(Progress {
            step,
            done,
            total: STEPS,
        });
        Ok(value)
    }
}

/// Reads everything preflight checks from both platforms.
pub async fn fetch(
    leaflink: &LeafLinkConfig,
    flourish: &FlourishConfig,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<Snapshot, FetchError> {
    let connect = |platform, error| FetchError {
        platform,
        step: "client setup",
        error,
    };
    let ll_client =
        LeafLinkClient::new(leaflink.clone()).map_err(|e| connect(Side::Leaflink, e))?;
    let fl_client =
        FlourishClient::new(flourish.clone()).map_err(|e| connect(Side::Flourish, e))?;
    let tracker = Tracker {
        done: AtomicUsize::new(0),
        report: progress,
    };
    let (leaflink, flourish) = try_join(
        fetch_leaflink(&ll_client, &tracker),
        fetch_flourish(&fl_client, &tracker),
    )
    .await?;
    Ok(Snapshot { leaflink, flourish })
}

async fn fetch_leaflink(
    client: &LeafLinkClient,
    t: &Tracker<'_>,
) -> Result<LeafLinkData, FetchError> {
    let side = Side::Leaflink;
    // Brands first: the cheapest read, so a refused key is found before anything else.
    let brands = t.step(side, "LeafLink brands", client.list_brands().await)?;
    Ok(LeafLinkData {
        brands,
        product_lines: t.step(
            side,
            "LeafLink product lines",
            client.list_product_lines(None).await,
        )?,
        categories: t.step(side, "LeafLink categories", client.list_categories().await)?,
        strains: t.step(side, "LeafLink strains", client.list_strains(None).await)?,
        staff: t.step(
            side,
            "LeafLink company staff",
            client.list_company_staff().await,
        )?,
        customers: t.step(
            side,
            "LeafLink customers",
            client.list_customers(&CustomerQuery::default()).await,
        )?,
        products: t.step(
            side,
            "LeafLink products",
            client.list_products(&ProductQuery::default()).await,
        )?,
        batches: t.step(side, "LeafLink batches", client.list_batches(None).await)?,
        orders: t.step(side, "LeafLink open orders", open_orders(client).await)?,
        licenses: t.step(side, "LeafLink licenses", client.list_licenses().await)?,
        subcategories: t.step(
            side,
            "LeafLink sub-categories",
            client.list_subcategories().await,
        )?,
    })
}

async fn open_orders(client: &LeafLinkClient) -> Result<Vec<ll::OrderReceived>, ClientError> {
    let mut orders = Vec::new();
    for status in [
        ll::OrderStatus::Submitted,
        ll::OrderStatus::Accepted,
        ll::OrderStatus::Backorder,
    ] {
        let query = OrderQuery {
            status: Some(status),
            ..OrderQuery::default()
        };
        orders.extend(client.list_orders_received(&query).await?);
    }
    Ok(orders)
}

async fn fetch_flourish(
    client: &FlourishClient,
    t: &Tracker<'_>,
) -> Result<FlourishData, FetchError> {
    let side = Side::Flourish;
    let facilities = t.step(side, "Flourish facilities", client.list_facilities().await)?;
    Ok(FlourishData {
        sales_reps: t.step(
            side,
            "Flourish sales reps",
            sales_reps(client, &facilities).await,
        )?,
        items: t.step(
            side,
            "Flourish items",
            client.list_items(&ItemFilter::default()).await,
        )?,
        destinations: t.step(
            side,
            "Flourish destinations",
            client.list_destinations().await,
        )?,
        brands: t.step(side, "Flourish brands", client.list_brands().await)?,
        strains: t.step(side, "Flourish strains", client.list_strains().await)?,
        payment_terms: t.step(
            side,
            "Flourish payment terms",
            client.list_payment_terms().await,
        )?,
        inventory: t.step(
            side,
            "Flourish inventory",
            inventory(client, &facilities).await,
        )?,
        facilities,
    })
}

/// Reps are listed per facility; a rep listed by several facilities is kept once.
async fn sales_reps(
    client: &FlourishClient,
    facilities: &[fl::Facility],
) -> Result<Vec<fl::SalesRep>, ClientError> {
    let mut reps = BTreeMap::new();
    for facility in facilities {
        for rep in client.list_sales_reps(&facility.id).await? {
            reps.entry(rep.sales_rep_id.clone()).or_insert(rep);
        }
    }
    Ok(reps.into_values().collect())
}

async fn inventory(
    client: &FlourishClient,
    facilities: &[fl::Facility],
) -> Result<Vec<StockRow>, ClientError> {
    let filter = InventoryFilter {
        group_by_lot: true,
        ..InventoryFilter::default()
    };
    let mut rows = Vec::new();
    for facility in facilities {
        let stock = client.inventory_summary(&facility.id, &filter).await?;
        rows.extend(stock.into_iter().map(|row| StockRow {
            facility_id: facility.id.clone(),
            row,
        }));
    }
    Ok(rows)
}
