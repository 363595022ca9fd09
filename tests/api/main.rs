//! One integration binary for leafbridge; each topic is a module.

mod durability;
mod flourish_client;
mod flourish_contract;
mod flourish_sim;
mod flourish_support;
mod flourish_webhooks;
mod helpers;
mod ingress;
mod jobs;
mod multi_instance;
mod openapi;
