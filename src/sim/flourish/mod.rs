//! The Flourish simulator: a real axum server with in-memory state behind
//! `/external/api/v1/`, following `contracts/flourish-v1.md` (including its traps), with the
//! shared request log, fault injection and signed outgoing webhooks.

mod api;
mod control;
mod http;
mod money;
mod orders;
mod quirks;
mod state;
mod stock;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::middleware::from_fn_with_state;
use parking_lot::Mutex;
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use self::control::StockCount;
pub use self::http::ApiError;
pub use self::orders::STATUSES;
pub use self::quirks::ApiQuirks;
use self::state::SimState;
use crate::sim::common::{
    SimControl, WebhookOutbox, WebhookTarget, control_router, log_and_inject,
};

/// How the simulated company is set up.
#[derive(Clone)]
pub struct FlourishSimConfig {
    /// The only `x-api-key` accepted.
    pub api_key: String,
    /// Where webhooks go; `None` sends none (until `PUT /_sim/webhooks`).
    pub webhook: Option<WebhookTarget>,
}

/// A webhook target signed the Flourish way (`Auth-Signature`, lowercase hex).
pub fn flourish_webhook_target(url: impl Into<String>, key: impl Into<Vec<u8>>) -> WebhookTarget {
    WebhookTarget {
        url: url.into(),
        key: key.into(),
        header: crate::flourish::webhook::SIGNATURE_HEADER,
        sign: crate::flourish::webhook::sign,
    }
}

/// What every handler shares.
pub(crate) struct Shared {
    state: Mutex<SimState>,
    outbox: Arc<WebhookOutbox>,
    api_key: String,
    /// `http://127.0.0.1:PORT`, for absolute `meta.next` links.
    origin: String,
    /// Undocumented behaviours switched on.
    quirks: Mutex<ApiQuirks>,
}

impl Shared {
    /// Runs one change under the lock, then emits the webhooks it produced.
    fn change<R, E>(&self, f: impl FnOnce(&mut SimState) -> Result<R, E>) -> Result<R, E> {
        let (result, outgoing) = {
            let mut state = self.state.lock();
            let result = f(&mut state);
            (result, std::mem::take(&mut state.outgoing))
        };
        for body in &outgoing {
            self.outbox.emit(body);
        }
        result
    }

    fn dump(&self) -> Value {
        serde_json::to_value(&*self.state.lock()).expect("state is JSON")
    }
}

/// The API behind its key check, the `/_sim/` routes, and the request log around everything.
fn app(shared: Arc<Shared>, control: Arc<SimControl>) -> axum::Router {
    api::router()
        .layer(from_fn_with_state(shared.clone(), http::require_api_key))
        .with_state(shared.clone())
        .merge(control::router(shared.clone()))
        .merge(quirks::router(shared))
        .merge(control_router(control.clone()))
        .layer(from_fn_with_state(control, log_and_inject))
}

/// A running Flourish simulator.
pub struct FlourishSim {
    addr: SocketAddr,
    shared: Arc<Shared>,
    control: Arc<SimControl>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl FlourishSim {
    /// Starts serving on `listen` (port 0 picks a free port) with the `flourish` seed section.
    pub async fn start(
        listen: SocketAddr,
        config: FlourishSimConfig,
        seed: Option<&Value>,
    ) -> anyhow::Result<Self> {
        let state = SimState::from_seed(seed).context("reading the flourish seed section")?;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("binding the Flourish simulator to {listen}"))?;
        let mut addr = listener.local_addr()?;
        if addr.ip().is_unspecified() {
            addr.set_ip(Ipv4Addr::LOCALHOST.into());
        }
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            outbox: WebhookOutbox::start(config.webhook),
            api_key: config.api_key,
            origin: format!("http://{addr}"),
            quirks: Mutex::new(ApiQuirks::default()),
        });
        let control = SimControl::new();
        let app = app(shared.clone(), control.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(error) = serve.await {
                tracing::warn!(%error, "Flourish simulator stopped with an error");
            }
        });
        Ok(Self {
            addr,
            shared,
            control,
            stop: Some(stop),
            task,
        })
    }

    /// `http://127.0.0.1:PORT/external/api/v1/`
    pub fn base_url(&self) -> String {
        format!("{}{}/", self.shared.origin, api::BASE_PATH)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Request log and fault injection.
    pub fn control(&self) -> &Arc<SimControl> {
        &self.control
    }

    /// Outgoing webhooks: target, quirks, `flush()`, deliveries.
    pub fn outbox(&self) -> &Arc<WebhookOutbox> {
        &self.shared.outbox
    }

    /// Switches undocumented API behaviours on or off.
    pub fn set_quirks(&self, quirks: ApiQuirks) {
        *self.shared.quirks.lock() = quirks;
    }

    /// The whole state in the seed section's format.
    pub fn dump(&self) -> Value {
        self.shared.dump()
    }

    /// Replaces the whole state with a seed section (no webhooks are sent).
    pub fn load_seed(&self, seed: &Value) -> anyhow::Result<()> {
        let mut state = self.shared.state.lock();
        let sparse = state.sparse_order_webhooks;
        *state = SimState::from_seed(Some(seed))?;
        state.sparse_order_webhooks = sparse;
        Ok(())
    }

    /// A user edits an item: `patch` fields are merged in and the `item` webhook goes out.
    pub fn update_item(&self, id: &str, patch: &Value) -> Result<Value, ApiError> {
        let patch = patch
            .as_object()
            .ok_or_else(|| ApiError::bad_request("patch must be an object"))?;
        self.shared
            .change(|state| control::update_item(state, id, patch))
    }

    /// A user creates (or replaces) an item; the `item` webhook goes out.
    pub fn upsert_item(&self, item: &Value) -> Result<Value, ApiError> {
        let item = item
            .as_object()
            .ok_or_else(|| ApiError::bad_request("item must be an object"))?;
        self.shared
            .change(|state| control::upsert_item(state, item.clone()))
    }

    /// A user counts stock: sets one lot's sellable quantity of an item (by id or SKU) in a
    /// facility; the `inventory_summary` webhook carries the item's new facility total.
    pub fn set_inventory(
        &self,
        facility_id: &str,
        item: &str,
        sellable_qty: f64,
        lot_number: Option<&str>,
    ) -> Result<(), ApiError> {
        let count = StockCount {
            facility_id: facility_id.to_owned(),
            item: item.to_owned(),
            sellable_qty,
            lot_number: lot_number.map(str::to_owned),
        };
        self.shared
            .change(|state| control::set_inventory(state, &count))
    }

    /// Turns the sparse outbound-order webhook on or off: when on, an `order` webhook carries
    /// only `original_order_id` and `order_status` (Flourish delivers it so at times).
    pub fn set_sparse_order_webhooks(&self, on: bool) {
        self.shared.state.lock().sparse_order_webhooks = on;
    }

    /// A user allocates, ships, completes or cancels an order; the `order` webhook goes out.
    pub fn set_order_status(&self, order_id: &str, status: &str) -> Result<Value, ApiError> {
        self.shared
            .change(|state| orders::set_status(state, order_id, status))
    }

    /// A user records the order's payment status (and the dollars received so far); the
    /// `order` webhook goes out.
    pub fn set_payment_status(
        &self,
        order_id: &str,
        status: &str,
        amount_paid: Option<f64>,
    ) -> Result<Value, ApiError> {
        self.shared
            .change(|state| money::set_payment(state, order_id, status, amount_paid))
    }

    /// Stops serving and waits (briefly) for open connections to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if tokio::time::timeout(Duration::from_secs(5), &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
        }
    }
}
