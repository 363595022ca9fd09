//! The integration test binary: one module per topic.

mod leaflink_client;
mod leaflink_conformance;
mod leaflink_rules;
mod leaflink_support;
mod leaflink_transport;
mod leaflink_webhooks;
