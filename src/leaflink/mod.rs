//! LeafLink Marketplace V2: typed client, models and webhook signatures.

pub mod client;
pub mod model;
pub mod webhook;

pub use client::{AuthScheme, LeafLinkClient, LeafLinkConfig};

/// LeafLink's production API root (the sandbox, reset nightly, is `https://www.sandbox.leaflink.com/api/v2/`).
pub const DEFAULT_BASE_URL: &str = "https://app.leaflink.com/api/v2/";
