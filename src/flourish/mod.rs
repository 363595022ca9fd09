//! Flourish External API v1: typed client, models and webhook signatures.

pub mod client;
mod de;
pub mod event;
pub mod model;
pub mod webhook;

pub use client::{
    FlourishClient, FlourishConfig, InventoryFilter, ItemFilter, OrderFilter, OrderLocked,
    order_locked,
};
