//! Flourish External API v1: typed client, models and webhook signatures.

pub mod webhook;
