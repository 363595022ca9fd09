//! leafbridge keeps LeafLink (wholesale marketplace) and Flourish Software (ERP) in sync.
//!
//! Data flow: signed webhooks and pollers store events durably (`http`, `ingest`, `store`),
//! workers claim them with leases (`jobs`), the flows read the source record, ask the pure
//! `matcher` for a plan and apply it through the typed platform clients (`leaflink`, `flourish`).

pub mod app;
pub mod cli;
pub mod config;
pub mod connections;
pub mod console;
pub mod envelope;
pub mod flourish;
pub mod http;
pub mod ingest;
pub mod jobs;
pub mod leaflink;
pub mod matcher;
pub mod metrics;
pub mod notify;
pub mod operator;
pub mod preflight;
pub mod remote;
pub mod secrets;
pub mod signature;
pub mod sim;
pub mod store;
pub mod sync;
pub mod telemetry;
