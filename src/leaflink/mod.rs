//! LeafLink Marketplace V2: typed client, models and webhook signatures.

pub mod webhook;
