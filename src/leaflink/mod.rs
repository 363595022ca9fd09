//! LeafLink Marketplace V2: typed client, models and webhook signatures.

pub mod client;
pub mod model;
pub mod webhook;

pub use client::{AuthScheme, LeafLinkClient, LeafLinkConfig};
