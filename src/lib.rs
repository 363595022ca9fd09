//! leafbridge keeps LeafLink (wholesale marketplace) and Flourish Software (ERP) in sync.
//!
//! Data flow: signed webhooks and pollers store events durably (`http`, `store`), workers claim
//! them with leases (`jobs`), the flows in `sync` read the source record, ask the pure `matcher`
//! for a plan and apply it through the typed platform clients (`leaflink`, `flourish`).

pub mod flourish;
pub mod leaflink;
pub mod matcher;
pub mod remote;
pub mod signature;
pub mod sim;
