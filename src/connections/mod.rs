//! Connections as data: their secrets, encrypted at rest under a key of the configuration and
//! stored beside the connection's non-secret settings.

pub mod manage;
pub mod runtime;
pub mod secrets;
pub mod vault;
