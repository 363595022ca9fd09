//! Reads shared between jobs: reference data (brands, strains, facilities…) read once and kept
//! for `LEAFBRIDGE_REFERENCE_TTL_SECONDS`, and per-pass snapshots (every LeafLink product, one
//! facility's stock) that the jobs of one resync or burst share. A job that must not see a
//! figure older than its trigger says so (`not_before`); a flow that is about to write re-reads
//! fresh first, so a shared value never causes a write a fresh read would not.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use tokio::sync::Mutex;

use crate::flourish::InventoryFilter;
use crate::flourish::model::{
    Destination, Facility, InventoryRow, Item, OutboundOrder, PaymentTerm, SalesRep,
};
use crate::jobs::{JobContext, JobError};
use crate::leaflink::client::CustomerQuery;
use crate::leaflink::model::{
    Brand, Category, CompanyStaff, Customer, License, OrderReceived, Product, ProductLine, Strain,
    Subcategory,
};
use crate::remote::ClientError;
use crate::store::{events, now_ms, resyncs};

use super::listings::Listing;
use super::{SyncContext, store_error};

/// How old a shared value may be.
#[derive(Clone, Copy, Debug)]
pub struct Freshness {
    /// Read at or after this (ms since the epoch); `None`: any read within the time-to-live.
    pub not_before: Option<i64>,
    /// The asker is one of the jobs of a resync, which share listings of everything; other
    /// jobs read the one record they need rather than list them all.
    pub pass: bool,
}

impl Freshness {
    /// Any value within the time-to-live.
    pub const SHARED: Self = Self {
        not_before: None,
        pass: false,
    };

    /// A value read from now on: the platform is asked again (unless a read that started after
    /// this call already answered).
    pub fn fresh() -> Self {
        Self {
            not_before: Some(now_ms()),
            pass: false,
        }
    }

    /// A value read no earlier than `at` (ms since the epoch), e.g. when the job's event came.
    pub fn since(at: i64) -> Self {
        Self {
            not_before: Some(at),
            pass: false,
        }
    }

    /// Nothing older than the job's event (webhook or poll): a value read after it arrived, as
    /// the jobs of one burst share. A resync's job takes what was read since the resync began,
    /// so the listings the resync made to find its entities serve its jobs.
    pub async fn of_event(ctx: &SyncContext, job: &JobContext) -> Result<Self, JobError> {
        if let Some(began) = resync_began(ctx, job).await? {
            return Ok(Self {
                not_before: Some(began),
                pass: true,
            });
        }
        let event = events::get(&ctx.db.pool, &ctx.connection, &job.event_id)
            .await
            .map_err(store_error)?;
        Ok(match event {
            Some(event) => Self::since(event.event.received_at),
            None => Self::fresh(),
        })
    }
}

impl Freshness {
    /// Whether a value read at `read_at` serves the asker at `now`: younger than the
    /// time-to-live and read no earlier than the asker wants.
    fn accepts(&self, read_at: i64, now: i64, ttl_ms: i64) -> bool {
        now - read_at < ttl_ms && self.not_before.is_none_or(|at| read_at >= at)
    }
}

/// When the operator resync that stored the job's event began (`None`: not a resync's job).
async fn resync_began(ctx: &SyncContext, job: &JobContext) -> Result<Option<i64>, JobError> {
    let id = job.body["resync"]["id"].as_str();
    let Some(id) = id.filter(|_| job.source == "operator") else {
        return Ok(None);
    };
    resyncs::created_at(&ctx.db.pool, &ctx.connection, id)
        .await
        .map_err(store_error)
}

/// One shared value: read by the first job that needs it, then served until it is older than
/// the time-to-live; jobs that ask meanwhile wait for that one read instead of making their own.
#[derive(Debug)]
pub struct Shared<T> {
    slot: Mutex<Option<(i64, Arc<T>)>>,
}

impl<T> Default for Shared<T> {
    fn default() -> Self {
        Self {
            slot: Mutex::new(None),
        }
    }
}

impl<T> Shared<T> {
    /// The shared value if it is recent enough, else what `load` reads now.
    pub async fn get<E, F, Fut>(&self, ttl_ms: i64, want: Freshness, load: F) -> Result<Arc<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut slot = self.slot.lock().await;
        let now = now_ms();
        if let Some((read_at, value)) = slot.as_ref()
            && want.accepts(*read_at, now, ttl_ms)
        {
            return Ok(Arc::clone(value));
        }
        let value = Arc::new(load().await?);
        *slot = Some((now, Arc::clone(&value)));
        Ok(value)
    }

    /// The shared value if it is recent enough, without reading.
    pub async fn peek(&self, ttl_ms: i64, want: Freshness) -> Option<Arc<T>> {
        let slot = self.slot.lock().await;
        let (read_at, value) = slot.as_ref()?;
        want.accepts(*read_at, now_ms(), ttl_ms)
            .then(|| Arc::clone(value))
    }

    /// Keeps `value`, read from `read_at` on, unless a newer read is held.
    pub async fn put(&self, read_at: i64, value: T) {
        let mut slot = self.slot.lock().await;
        if slot.as_ref().is_none_or(|(held, _)| *held <= read_at) {
            *slot = Some((read_at, Arc::new(value)));
        }
    }

    /// Forgets the value: the next job reads it again.
    pub async fn invalidate(&self) {
        *self.slot.lock().await = None;
    }
}

/// Everything shared between the jobs of this process.
#[derive(Debug, Default)]
pub struct Caches {
    pub brands: Shared<Vec<Brand>>,
    pub product_lines: Shared<Vec<ProductLine>>,
    pub categories: Shared<Vec<Category>>,
    pub strains: Shared<Vec<Strain>>,
    pub licenses: Shared<Vec<License>>,
    pub subcategories: Shared<Vec<Subcategory>>,
    pub company_staff: Shared<Vec<CompanyStaff>>,
    pub facilities: Shared<Vec<Facility>>,
    /// Flourish payment terms.
    pub payment_terms: Shared<Vec<PaymentTerm>>,
    sales_reps: Mutex<HashMap<String, Arc<Shared<Vec<SalesRep>>>>>,
    /// Every LeafLink product, by id and SKU.
    pub(crate) products: Shared<Listing<i64, Product>>,
    /// Every Flourish item, by id and SKU.
    pub(crate) items: Shared<Listing<String, Item>>,
    /// Every LeafLink order received, kept by a resync that listed them all.
    pub(crate) orders: Shared<Listing<String, OrderReceived>>,
    /// Every Flourish outbound order.
    pub(crate) outbound_orders: Shared<Vec<OutboundOrder>>,
    /// Every LeafLink customer.
    customers: Shared<Vec<Customer>>,
    /// Every Flourish destination.
    pub destinations: Shared<Vec<Destination>>,
    /// LeafLink's open orders by product.
    pub(crate) open_orders: Shared<super::open_orders::OpenOrders>,
    /// Each facility's whole inventory summary.
    stock: Mutex<HashMap<String, Arc<Shared<Vec<InventoryRow>>>>>,
}

impl SyncContext {
    pub(crate) fn ttl_ms(&self) -> i64 {
        i64::try_from(self.settings.reference_ttl.as_millis()).unwrap_or(i64::MAX)
    }

    /// LeafLink brands.
    pub async fn brands(&self, want: Freshness) -> Result<Arc<Vec<Brand>>, ClientError> {
        let client = &self.leaflink;
        self.caches
            .brands
            .get(self.ttl_ms(), want, || client.list_brands())
            .await
    }

    /// LeafLink product lines (every brand's).
    pub async fn product_lines(
        &self,
        want: Freshness,
    ) -> Result<Arc<Vec<ProductLine>>, ClientError> {
        let client = &self.leaflink;
        self.caches
            .product_lines
            .get(self.ttl_ms(), want, || client.list_product_lines(None))
            .await
    }

    /// LeafLink product categories.
    pub async fn categories(&self, want: Freshness) -> Result<Arc<Vec<Category>>, ClientError> {
        let client = &self.leaflink;
        self.caches
            .categories
            .get(self.ttl_ms(), want, || client.list_categories())
            .await
    }

    /// LeafLink strains (all of them).
    pub async fn strains(&self, want: Freshness) -> Result<Arc<Vec<Strain>>, ClientError> {
        let client = &self.leaflink;
        self.caches
            .strains
            .get(self.ttl_ms(), want, || client.list_strains(None))
            .await
    }

    /// LeafLink licenses of the company.
    pub async fn licenses(&self, want: Freshness) -> Result<Arc<Vec<License>>, ClientError> {
        let client = &self.leaflink;
        self.caches
            .licenses
            .get(self.ttl_ms(), want, || client.list_licenses())
            .await
    }

    /// LeafLink product sub-categories.
    pub async fn subcategories(
        &self,
        want: Freshness,
    ) -> Result<Arc<Vec<Subcategory>>, ClientError> {
        let client = &self.leaflink;
        self.caches
            .subcategories
            .get(self.ttl_ms(), want, || client.list_subcategories())
            .await
    }

    /// LeafLink company staff.
    pub async fn company_staff(
        &self,
        want: Freshness,
    ) -> Result<Arc<Vec<CompanyStaff>>, ClientError> {
        let client = &self.leaflink;
        self.caches
            .company_staff
            .get(self.ttl_ms(), want, || client.list_company_staff())
            .await
    }

    /// Flourish facilities.
    pub async fn facilities(&self, want: Freshness) -> Result<Arc<Vec<Facility>>, ClientError> {
        let client = &self.flourish;
        self.caches
            .facilities
            .get(self.ttl_ms(), want, || client.list_facilities())
            .await
    }

    /// Flourish payment terms.
    pub async fn payment_terms(
        &self,
        want: Freshness,
    ) -> Result<Arc<Vec<PaymentTerm>>, ClientError> {
        let client = &self.flourish;
        self.caches
            .payment_terms
            .get(self.ttl_ms(), want, || client.list_payment_terms())
            .await
    }

    /// Flourish sales reps of one facility.
    pub async fn sales_reps(
        &self,
        facility_id: &str,
        want: Freshness,
    ) -> Result<Arc<Vec<SalesRep>>, ClientError> {
        let shared = {
            let mut map = self.caches.sales_reps.lock().await;
            Arc::clone(map.entry(facility_id.to_owned()).or_default())
        };
        let client = &self.flourish;
        shared
            .get(self.ttl_ms(), want, || client.list_sales_reps(facility_id))
            .await
    }

    /// LeafLink product `id`: from the snapshot of every product when it holds it and is recent
    /// enough (a resync's job lists every product for the pass), else read by id. Only a
    /// resync's job lists every product; any other reads the one it needs.
    pub async fn product(&self, id: i64, want: Freshness) -> Result<Product, ClientError> {
        let client = &self.leaflink;
        if !want.pass {
            return match self.product_if_read(id, want).await {
                Some(product) => Ok(product),
                None => client.get_product(id).await,
            };
        }
        let snapshot = self.listed_products(want).await?;
        match snapshot.get(&id) {
            Some(product) => Ok(product.clone()),
            None => client.get_product(id).await,
        }
    }

    /// Flourish item `id` from the listing of every item shared by the jobs of a pass (a resync
    /// or a poll), read as recently as `want`; `None` when the listing does not hold it.
    pub async fn listed_item(
        &self,
        id: &str,
        want: Freshness,
    ) -> Result<Option<Item>, ClientError> {
        let listing = self.listed_items(want).await?;
        Ok(listing.get(id).cloned())
    }

    /// Keeps a listing of every Flourish item, begun at `read_at`, for the jobs of a pass.
    pub async fn keep_items(&self, read_at: i64, items: &[Item]) {
        let listing = Listing::new(items.to_vec(), |i| i.id.clone(), |i| &i.sku);
        self.caches.items.put(read_at, listing).await;
    }

    /// Keeps a listing of every LeafLink customer, begun at `read_at`, for the jobs of a pass.
    pub async fn keep_customers(&self, read_at: i64, customers: Vec<Customer>) {
        self.caches.customers.put(read_at, customers).await;
    }

    /// Every LeafLink customer, listed once for the jobs of a pass as recent as `want`.
    pub async fn listed_customers(
        &self,
        want: Freshness,
    ) -> Result<Arc<Vec<Customer>>, ClientError> {
        let client = &self.leaflink;
        let every = CustomerQuery::default();
        self.caches
            .customers
            .get(self.ttl_ms(), want, || client.list_customers(&every))
            .await
    }

    /// Every Flourish destination, listed once for the jobs of a pass as recent as `want`.
    pub async fn listed_destinations(
        &self,
        want: Freshness,
    ) -> Result<Arc<Vec<Destination>>, ClientError> {
        let client = &self.flourish;
        self.caches
            .destinations
            .get(self.ttl_ms(), want, || client.list_destinations())
            .await
    }

    /// LeafLink product `id` from the snapshot when it was read as recently as `want`; `None`
    /// (nothing read) otherwise.
    pub async fn product_if_read(&self, id: i64, want: Freshness) -> Option<Product> {
        let snapshot = self.caches.products.peek(self.ttl_ms(), want).await?;
        snapshot.get(&id).cloned()
    }

    /// One facility's whole inventory summary when it was read as recently as `want`; `None`
    /// (nothing read) otherwise.
    pub async fn facility_stock_if_read(
        &self,
        facility_id: &str,
        want: Freshness,
    ) -> Option<Arc<Vec<InventoryRow>>> {
        let shared = Arc::clone(self.caches.stock.lock().await.get(facility_id)?);
        shared.peek(self.ttl_ms(), want).await
    }

    /// The whole inventory summary of one facility, shared by the jobs of a pass.
    pub async fn facility_stock(
        &self,
        facility_id: &str,
        want: Freshness,
    ) -> Result<Arc<Vec<InventoryRow>>, ClientError> {
        let shared = {
            let mut map = self.caches.stock.lock().await;
            Arc::clone(map.entry(facility_id.to_owned()).or_default())
        };
        let client = &self.flourish;
        let whole = InventoryFilter::default();
        shared
            .get(self.ttl_ms(), want, || {
                client.inventory_summary(facility_id, &whole)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_shared_value_is_read_once_until_stale_or_too_old_for_the_asker() {
        let shared = Shared::<u32>::default();
        let reads = std::sync::atomic::AtomicU32::new(0);
        let read =
            || async { Ok::<_, ()>(reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1) };
        assert_eq!(
            *shared.get(60_000, Freshness::SHARED, read).await.unwrap(),
            1
        );
        assert_eq!(
            *shared.get(60_000, Freshness::SHARED, read).await.unwrap(),
            1
        );
        // Read before the asker's trigger: read again.
        let later = Freshness::since(now_ms() + 1_000);
        assert_eq!(*shared.get(60_000, later, read).await.unwrap(), 2);
        // Stale: read again.
        assert_eq!(*shared.get(0, Freshness::SHARED, read).await.unwrap(), 3);
        shared.invalidate().await;
        assert_eq!(
            *shared.get(60_000, Freshness::SHARED, read).await.unwrap(),
            4
        );
        // A failed read keeps nothing.
        let failing = Shared::<u32>::default();
        assert!(
            failing
                .get(60_000, Freshness::SHARED, || async { Err(()) })
                .await
                .is_err()
        );
        assert_eq!(
            *failing.get(60_000, Freshness::SHARED, read).await.unwrap(),
            5
        );
    }
}
