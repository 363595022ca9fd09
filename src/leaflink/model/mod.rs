//! LeafLink V2 JSON shapes: the REST resources the client reads and writes, and the webhook
//! envelope. Names follow LeafLink's OpenAPI document; unknown fields are ignored and optional
//! fields stay optional so a richer payload never breaks a read.

mod catalog;
mod event;
mod money;
mod order;
mod party;
mod scalar;

pub use catalog::*;
pub use event::*;
pub use money::*;
pub use order::*;
pub use party::*;
pub use scalar::*;

use serde::{Deserialize, Serialize};

/// One page of a LeafLink list: `next`/`previous` are absolute URLs or null.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub count: u64,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub results: Vec<T>,
}

/// `external_ids`: the seller's own keys for a record (values of at most 36 characters).
pub type ExternalIds = serde_json::Map<String, serde_json::Value>;
