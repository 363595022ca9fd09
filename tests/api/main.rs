//! The integration test binary: every topic is a module.

mod flourish_client;
mod flourish_contract;
mod flourish_sim;
mod flourish_support;
mod flourish_webhooks;
