//! Simulators of LeafLink and Flourish: real axum servers with in-memory state, request logs,
//! fault injection and signed outgoing webhooks. Tests, benchmarks and the demo run against them.

pub mod common;
pub mod flourish;
pub mod leaflink;
