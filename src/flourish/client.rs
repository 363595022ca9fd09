//! Typed client of the Flourish External API v1: `x-api-key` auth, the `FacilityID` header on
//! facility-scoped calls, offset pagination by 50, and inventory queries split into batches.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::model::{
    Brand, Destination, DestinationFields, Facility, InventoryRow, Item, NewOutboundOrder,
    OrderStatus, OutboundOrder, OutboundOrderUpdate, Page, PaymentTerm, SalesRep, Single, Strain,
};
use crate::remote::{ClientError, Transport, TransportConfig};

/// Flourish's production API.
pub const DEFAULT_BASE_URL: &str = "https://app.flourishsoftware.com/external/api/v1/";
/// Rows asked for per page; Flourish's own plugin pages by 50 and the simulator caps there.
pub const PAGE_LIMIT: usize = 50;
/// Most `item_id` values Flourish accepts in one inventory query.
pub const MAX_ITEM_IDS_PER_CALL: usize = 50;
/// The header carrying the API key.
pub const API_KEY_HEADER: &str = "x-api-key";
/// The header naming the facility of facility-scoped calls.
pub const FACILITY_HEADER: &str = "FacilityID";

/// How to reach one Flourish company.
#[derive(Clone, Debug)]
pub struct FlourishConfig {
    /// e.g. `https://app.flourishsoftware.com/external/api/v1/`
    pub base_url: String,
    pub api_key: crate::config::Secret,
    pub transport: TransportConfig,
}

/// Filters of `GET /items`.
#[derive(Clone, Debug, Default)]
pub struct ItemFilter {
    pub sku: Option<String>,
    pub item_ids: Vec<String>,
    pub updated_since: Option<DateTime<Utc>>,
}

/// Filters of `GET /outbound-orders` (Flourish cannot filter by `original_order_id`).
#[derive(Clone, Debug, Default)]
pub struct OrderFilter {
    pub order_status: Option<OrderStatus>,
    pub updated_since: Option<DateTime<Utc>>,
}

/// Filters of `GET /inventory/summary`.
#[derive(Clone, Debug, Default)]
pub struct InventoryFilter {
    /// Any number: the client splits them into calls of at most 50.
    pub item_ids: Vec<String>,
    pub sku: Option<String>,
    /// One row per lot instead of one per item.
    pub group_by_lot: bool,
}

/// A Flourish API client; cheap to clone.
#[derive(Clone)]
pub struct FlourishClient {
    base: Url,
    api_key: crate::config::Secret,
    transport: Transport,
}

impl std::fmt::Debug for FlourishClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlourishClient")
            .field("base", &self.base.as_str())
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

/// A query string as name/value pairs (names may repeat).
type Query = Vec<(&'static str, String)>;

impl FlourishClient {
    /// The requests this client (and its clones) sent so far.
    pub fn usage(&self) -> &std::sync::Arc<crate::remote::Usage> {
        self.transport.usage()
    }

    /// The sustained request rate this client keeps to.
    pub fn requests_per_minute(&self) -> u32 {
        self.transport.requests_per_minute()
    }

    /// This client following `mode`: in shadow mode every write fails with
    /// [`ClientError::ShadowWrite`] before anything is sent.
    pub fn with_mode(mut self, mode: crate::remote::ModeSwitch) -> Self {
        self.transport.set_mode(mode);
        self
    }

    pub fn new(config: FlourishConfig) -> Result<Self, ClientError> {
        let mut text = config.base_url.trim().to_owned();
        if !text.ends_with('/') {
            text.push('/');
        }
        let base = Url::parse(&text).map_err(|source| ClientError::InvalidBaseUrl {
            platform: "Flourish",
            source,
        })?;
        let transport = Transport::new("flourish", config.transport)?;
        Ok(Self {
            base,
            api_key: config.api_key,
            transport,
        })
    }

    /// Items, all pages.
    pub async fn list_items(&self, filter: &ItemFilter) -> Result<Vec<Item>, ClientError> {
        let mut query = Query::new();
        push_opt(&mut query, "sku", filter.sku.clone());
        query.extend(filter.item_ids.iter().map(|id| ("item_id", id.clone())));
        push_since(&mut query, filter.updated_since);
        self.list_all(&["items"], query, None).await
    }

    pub async fn get_item(&self, id: &str) -> Result<Item, ClientError> {
        self.get_one(&["items", id]).await
    }

    /// Outbound orders, all pages.
    pub async fn list_outbound_orders(
        &self,
        filter: &OrderFilter,
    ) -> Result<Vec<OutboundOrder>, ClientError> {
        let mut query = Query::new();
        push_opt(
            &mut query,
            "order_status",
            filter.order_status.as_ref().map(|s| s.to_string()),
        );
        push_since(&mut query, filter.updated_since);
        self.list_all(&["outbound-orders"], query, None).await
    }

    pub async fn get_outbound_order(&self, id: &str) -> Result<OutboundOrder, ClientError> {
        self.get_one(&["outbound-orders", id]).await
    }

    /// Creates an order in `facility_id`. Not retried on transport errors or 5xx (a retry could
    /// create a duplicate); the job layer decides after checking what exists.
    pub async fn create_outbound_order(
        &self,
        facility_id: &str,
        order: &NewOutboundOrder,
    ) -> Result<OutboundOrder, ClientError> {
        let url = self.url(&["outbound-orders"], &[])?;
        self.write(reqwest::Method::POST, url, Some(facility_id), order, false)
            .await
    }

    /// Changes lines, notes or references of an order that is still `Created`.
    pub async fn update_outbound_order(
        &self,
        facility_id: &str,
        id: &str,
        update: &OutboundOrderUpdate,
    ) -> Result<OutboundOrder, ClientError> {
        let url = self.url(&["outbound-orders", id], &[])?;
        self.write(reqwest::Method::PUT, url, Some(facility_id), update, true)
            .await
    }

    /// Cancels an order with `PUT {"order_status": "Cancelled"}`. `facility_id` is the facility
    /// the order was created in (leafbridge keeps it in the order link): a `PUT` is
    /// facility-scoped like every order write, and the order lives in that facility only.
    pub async fn cancel_outbound_order(
        &self,
        facility_id: &str,
        id: &str,
    ) -> Result<OutboundOrder, ClientError> {
        let url = self.url(&["outbound-orders", id], &[])?;
        let body = serde_json::json!({"order_status": OrderStatus::Cancelled});
        self.write(reqwest::Method::PUT, url, Some(facility_id), &body, true)
            .await
    }

    /// Every destination of the company, all pages.
    pub async fn list_destinations(&self) -> Result<Vec<Destination>, ClientError> {
        self.list_all(&["destinations"], Query::new(), None).await
    }

    /// Destinations whose name, alias or license number contains `text` (Flourish's `search`).
    pub async fn search_destinations(&self, text: &str) -> Result<Vec<Destination>, ClientError> {
        let query = vec![("search", text.to_owned())];
        self.list_all(&["destinations"], query, None).await
    }

    /// Destinations whose license number is exactly `license_number`.
    pub async fn find_destinations_by_license(
        &self,
        license_number: &str,
    ) -> Result<Vec<Destination>, ClientError> {
        let query = vec![("license_number", license_number.to_owned())];
        self.list_all(&["destinations"], query, None).await
    }

    pub async fn get_destination(&self, id: &str) -> Result<Destination, ClientError> {
        self.get_one(&["destinations", id]).await
    }

    /// Creates a destination. Not retried on transport errors or 5xx, to avoid duplicates.
    pub async fn create_destination(
        &self,
        fields: &DestinationFields,
    ) -> Result<Destination, ClientError> {
        let url = self.url(&["destinations"], &[])?;
        self.write(reqwest::Method::POST, url, None, fields, false)
            .await
    }

    pub async fn update_destination(
        &self,
        id: &str,
        fields: &DestinationFields,
    ) -> Result<Destination, ClientError> {
        let url = self.url(&["destinations", id], &[])?;
        self.write(reqwest::Method::PUT, url, None, fields, true)
            .await
    }

    /// The sales reps of one facility.
    pub async fn list_sales_reps(&self, facility_id: &str) -> Result<Vec<SalesRep>, ClientError> {
        self.list_all(&["sales-reps"], Query::new(), Some(facility_id))
            .await
    }

    pub async fn list_facilities(&self) -> Result<Vec<Facility>, ClientError> {
        self.list_all(&["facilities"], Query::new(), None).await
    }

    /// Every payment term of the company (`GET /order-payment-terms`).
    pub async fn list_payment_terms(&self) -> Result<Vec<PaymentTerm>, ClientError> {
        self.list_all(&["order-payment-terms"], Query::new(), None)
            .await
    }

    pub async fn get_facility(&self, id: &str) -> Result<Facility, ClientError> {
        self.get_one(&["facilities", id]).await
    }

    pub async fn list_brands(&self) -> Result<Vec<Brand>, ClientError> {
        self.list_all(&["brands"], Query::new(), None).await
    }

    pub async fn list_strains(&self) -> Result<Vec<Strain>, ClientError> {
        self.list_all(&["strains"], Query::new(), None).await
    }

    pub async fn get_strain(&self, id: &str) -> Result<Strain, ClientError> {
        self.get_one(&["strains", id]).await
    }

    /// Inventory of one facility. Item ids go out in batches of at most 50 per call; with no item
    /// ids, one (paginated) query covers the whole facility.
    pub async fn inventory_summary(
        &self,
        facility_id: &str,
        filter: &InventoryFilter,
    ) -> Result<Vec<InventoryRow>, ClientError> {
        let mut base = Query::new();
        push_opt(&mut base, "sku", filter.sku.clone());
        if filter.group_by_lot {
            base.push(("group_by", "lot_number".to_owned()));
        }
        if filter.item_ids.is_empty() {
            return self
                .list_all(&["inventory", "summary"], base, Some(facility_id))
                .await;
        }
        let mut rows = Vec::new();
        for batch in filter.item_ids.chunks(MAX_ITEM_IDS_PER_CALL) {
            let mut query = base.clone();
            query.extend(batch.iter().map(|id| ("item_id", id.clone())));
            rows.extend(
                self.list_all(&["inventory", "summary"], query, Some(facility_id))
                    .await?,
            );
        }
        Ok(rows)
    }

    /// Follows `limit`/`offset` until a page comes back short, `next` is `null`, or `total` rows
    /// are read. A list without `meta.next` (not every Flourish list has it) pages on by count.
    async fn list_all<T: DeserializeOwned>(
        &self,
        path: &[&str],
        query: Query,
        facility_id: Option<&str>,
    ) -> Result<Vec<T>, ClientError> {
        let mut rows = Vec::new();
        loop {
            let mut page_query = query.clone();
            page_query.push(("limit", PAGE_LIMIT.to_string()));
            page_query.push(("offset", rows.len().to_string()));
            let url = self.url(path, &page_query)?;
            let reply = self
                .transport
                .send(true, |http| {
                    self.request(http, reqwest::Method::GET, &url, facility_id)
                })
                .await?;
            let page: Page<T> = reply.json()?;
            let count = page.data.len();
            rows.extend(page.data);
            let last = count < PAGE_LIMIT
                || matches!(page.meta.next, Some(None))
                || page
                    .meta
                    .total
                    .is_some_and(|total| rows.len() as u64 >= total);
            if last {
                return Ok(rows);
            }
        }
    }

    async fn get_one<T: DeserializeOwned>(&self, path: &[&str]) -> Result<T, ClientError> {
        let url = self.url(path, &[])?;
        let reply = self
            .transport
            .send(true, |http| {
                self.request(http, reqwest::Method::GET, &url, None)
            })
            .await?;
        Ok(reply.json::<Single<T>>()?.data)
    }

    async fn write<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        url: Url,
        facility_id: Option<&str>,
        body: &B,
        idempotent: bool,
    ) -> Result<T, ClientError> {
        let bytes = bytes::Bytes::from(
            serde_json::to_vec(body).map_err(|e| ClientError::Decode(e.to_string()))?,
        );
        let reply = self
            .transport
            .send(idempotent, |http| {
                self.request(http, method.clone(), &url, facility_id)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(bytes.clone())
            })
            .await?;
        Ok(reply.json::<Single<T>>()?.data)
    }

    fn request(
        &self,
        http: &reqwest::Client,
        method: reqwest::Method,
        url: &Url,
        facility_id: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let request = http
            .request(method, url.clone())
            .header(API_KEY_HEADER, self.api_key.expose())
            .header(reqwest::header::ACCEPT, "application/json");
        match facility_id {
            Some(facility) => request.header(FACILITY_HEADER, facility),
            None => request,
        }
    }

    /// The base URL plus path segments (each percent-encoded) and a query string.
    fn url(&self, segments: &[&str], query: &[(&'static str, String)]) -> Result<Url, ClientError> {
        let mut url = crate::remote::url_with_segments(&self.base, segments)?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }
}

/// Why Flourish refused to change an order: it is past `Created`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderLocked {
    /// Inventory is (partially) allocated.
    Allocated,
    Shipped,
    Completed,
    Cancelled,
}

/// Reads the platform's refusal of an order change (`Order has already been shipped`, …) from
/// a 400 answer; `None` for any other failure. Cancelling an already cancelled order is then
/// seen as done rather than failed.
pub fn order_locked(error: &ClientError) -> Option<OrderLocked> {
    let ClientError::BadRequest { message, .. } = error else {
        return None;
    };
    let message = message.to_ascii_lowercase();
    if message.contains("already been shipped") {
        Some(OrderLocked::Shipped)
    } else if message.contains("already been completed") {
        Some(OrderLocked::Completed)
    } else if message.contains("already been cancelled")
        || message.contains("already been canceled")
    {
        Some(OrderLocked::Cancelled)
    } else if message.contains("allocat") {
        Some(OrderLocked::Allocated)
    } else {
        None
    }
}

fn push_opt(query: &mut Query, name: &'static str, value: Option<String>) {
    if let Some(value) = value {
        query.push((name, value));
    }
}

fn push_since(query: &mut Query, since: Option<DateTime<Utc>>) {
    push_opt(
        query,
        "last_updated_timestamp_start",
        since.map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true)),
    );
}
