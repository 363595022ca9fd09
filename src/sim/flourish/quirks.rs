//! API behaviours that Flourish's public material leaves open, switched on to prove leafbridge
//! copes with them: lists without `meta.next`, and order lines that do not keep `lot_number`
//! (the field is leafbridge's decision, not a documented one). `PUT /_sim/quirks` sets them.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Json, State};
use axum::http::StatusCode;
use axum::routing::put;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Shared;

/// Which undocumented behaviours the simulator shows; all off by default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct ApiQuirks {
    /// List answers leave `meta.next` (and `meta.total`) out; pages are still `limit` rows long.
    #[serde(default)]
    pub omit_meta_next: bool,
    /// Orders are stored without the `lot_number` of their lines.
    #[serde(default)]
    pub drop_lot_number: bool,
}

impl ApiQuirks {
    /// Order lines as the platform keeps them.
    pub fn stored_lines(self, mut lines: Vec<Value>) -> Vec<Value> {
        if self.drop_lot_number {
            for line in &mut lines {
                if let Some(fields) = line.as_object_mut() {
                    fields.remove("lot_number");
                }
            }
        }
        lines
    }
}

/// `PUT /_sim/quirks` replaces the quirks; `GET` shows them.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/_sim/quirks", put(put_quirks).get(get_quirks))
        .with_state(shared)
}

async fn put_quirks(
    State(shared): State<Arc<Shared>>,
    Json(quirks): Json<ApiQuirks>,
) -> StatusCode {
    *shared.quirks.lock() = quirks;
    StatusCode::NO_CONTENT
}

async fn get_quirks(State(shared): State<Arc<Shared>>) -> Json<ApiQuirks> {
    Json(*shared.quirks.lock())
}
