//! The LeafLink simulator: a real axum server speaking the `/api/v2/` subset of the contract
//! with LeafLink's unfriendly rules, in-memory state, signed outgoing webhooks, and Rust methods
//! (and `/_sim/` endpoints) that act as a LeafLink user would.

mod api;
mod api_catalog;
mod control;
mod leaving;
mod money;
mod orders;
mod products;
mod rate;
mod state;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::middleware;
use parking_lot::Mutex;
use tokio::sync::oneshot;

pub use orders::{SimOrderLine, available_transitions, next_status};
pub use rate::RateLimit;
pub use state::{Company, Db as LeafLinkState, SimError};

use crate::leaflink::model::{Customer, OrderStatus, Product};
use crate::leaflink::webhook;
use crate::sim::common::{
    RetrySchedule, SimControl, WebhookOutbox, WebhookTarget, control_router, log_and_inject,
};

/// How the simulator is set up.
#[derive(Clone, Default)]
pub struct LeafLinkSimConfig {
    /// The key accepted as `Authorization: App <key>` or `Token <key>`.
    pub api_key: String,
    /// Where webhooks go (see [`webhook_target`]); none means no webhooks are sent.
    pub webhook: Option<WebhookTarget>,
}

/// A webhook target signed the LeafLink way (`LL-Signature`, base64 HMAC-SHA256).
pub fn webhook_target(url: impl Into<String>, key: impl Into<Vec<u8>>) -> WebhookTarget {
    WebhookTarget {
        url: url.into(),
        key: key.into(),
        header: webhook::SIGNATURE_HEADER,
        sign: webhook::sign,
    }
}

impl Drop for LeafLinkSim {
    /// A simulator dropped without `shutdown` still stops serving.
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// State shared by the handlers.
struct Shared {
    db: Mutex<state::Db>,
    outbox: Arc<WebhookOutbox>,
    api_key: String,
    /// `http://127.0.0.1:PORT`, for absolute `next`/`previous` links.
    origin: String,
    /// The API key's rate limit (LeafLink's figure unless a test raises it).
    bucket: Mutex<rate::Bucket>,
}

/// A running LeafLink simulator.
pub struct LeafLinkSim {
    shared: Arc<Shared>,
    control: Arc<SimControl>,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl LeafLinkSim {
    /// Binds `listen` (port 0 picks one), loads the `leaflink` seed section and starts serving.
    pub async fn start(
        listen: SocketAddr,
        config: LeafLinkSimConfig,
        seed: Option<&serde_json::Value>,
    ) -> anyhow::Result<Self> {
        let db = state::Db::from_seed(seed)?;
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            db: Mutex::new(db),
            outbox: WebhookOutbox::start(config.webhook),
            api_key: config.api_key,
            origin: format!("http://{addr}"),
            bucket: Mutex::new(rate::Bucket::new(Some(RateLimit::leaflink()))),
        });
        shared.outbox.set_retry_schedule(RetrySchedule::leaflink());
        let control = SimControl::new();
        let app = api::router()
            .merge(api_catalog::router())
            .merge(products::router())
            .merge(control::router())
            .fallback(api::not_found)
            .with_state(shared.clone())
            .merge(control_router(control.clone()))
            .layer(middleware::from_fn_with_state(shared.clone(), api::guard))
            .layer(middleware::from_fn_with_state(
                control.clone(),
                log_and_inject,
            ));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(error) = serve.await {
                tracing::error!(%error, "leaflink simulator stopped");
            }
        });
        Ok(Self {
            shared,
            control,
            addr,
            stop: Some(stop),
            task,
        })
    }

    /// `http://127.0.0.1:PORT/api/v2/`.
    pub fn base_url(&self) -> String {
        format!("{}/api/v2/", self.shared.origin)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Request log and fault injection.
    pub fn control(&self) -> Arc<SimControl> {
        self.control.clone()
    }

    /// Outgoing webhooks: target, quirks, deliveries, `flush()`.
    /// Sets the API rate limit (`None`: unlimited). The default is LeafLink's documented one;
    /// tests that make many calls may raise it.
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        *self.shared.bucket.lock() = rate::Bucket::new(limit);
    }

    pub fn outbox(&self) -> Arc<WebhookOutbox> {
        self.shared.outbox.clone()
    }

    /// The whole state in the seed section format.
    pub fn dump(&self) -> serde_json::Value {
        serde_json::to_value(&*self.shared.db.lock()).expect("state serialises")
    }

    /// Replaces the whole state with a seed section.
    pub fn reseed(&self, seed: &serde_json::Value) -> anyhow::Result<()> {
        *self.shared.db.lock() = state::Db::from_seed(Some(seed))?;
        Ok(())
    }

    /// Stops serving and waits for the server task.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }

    /// A buyer places a Submitted order; returns its number. Emits an order webhook and one
    /// product webhook per line (stock gets reserved).
    pub fn place_order(
        &self,
        customer_id: i64,
        sales_rep_staff_ids: &[i64],
        lines: &[SimOrderLine],
    ) -> Result<String, SimError> {
        let mut db = self.shared.db.lock();
        orders::place_order(
            &mut db,
            &self.shared.outbox,
            customer_id,
            sales_rep_staff_ids,
            lines,
        )
    }

    /// A user reassigns an order's sales reps (company-staff ids).
    pub fn set_order_sales_reps(&self, number: &str, staff_ids: &[i64]) -> Result<(), SimError> {
        let mut db = self.shared.db.lock();
        control::set_sales_reps(&mut db, &self.shared.outbox, number, staff_ids)
    }

    /// A user sets an order's status directly (no state-machine check, as in the UI's edit).
    pub fn set_order_status(&self, number: &str, status: OrderStatus) -> Result<(), SimError> {
        let mut db = self.shared.db.lock();
        let index = db.order_index(number)?;
        orders::set_status(&mut db, &self.shared.outbox, index, status);
        Ok(())
    }

    /// A user deletes a draft order (see `leaving::delete`); emits the `delete` webhook.
    pub fn delete_order(&self, number: &str) -> Result<(), SimError> {
        let mut db = self.shared.db.lock();
        leaving::delete(&mut db, &self.shared.outbox, number)
    }

    /// The seller combines orders of one customer (see `leaving::combine`); returns the new
    /// order's number.
    pub fn combine_orders(&self, numbers: &[&str]) -> Result<String, SimError> {
        let mut db = self.shared.db.lock();
        leaving::combine(&mut db, &self.shared.outbox, numbers)
    }

    /// A user edits an order's money (see `money::set_money`); emits an order webhook.
    pub fn set_order_money(&self, number: &str, patch: &serde_json::Value) -> Result<(), SimError> {
        let mut db = self.shared.db.lock();
        money::set_money(&mut db, &self.shared.outbox, number, patch)
    }

    /// A user edits a product (partial JSON, REST names); emits a product webhook.
    pub fn update_product(&self, id: i64, patch: &serde_json::Value) -> Result<Product, SimError> {
        products::update(&mut self.shared.db.lock(), &self.shared.outbox, id, patch)
    }

    /// A user adds or edits a customer (matched by `id`, then `license_number`). LeafLink has
    /// no customer webhook, so none is sent; `modified` moves for pollers.
    pub fn upsert_customer(&self, customer: &serde_json::Value) -> Result<Customer, SimError> {
        control::upsert_customer(&mut self.shared.db.lock(), customer)
    }
}
