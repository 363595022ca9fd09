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
mod leaflink_client;
mod leaflink_conformance;
mod leaflink_rules;
mod leaflink_support;
mod leaflink_transport;
mod leaflink_webhooks;
mod multi_instance;
mod openapi;
mod operator_attention;
mod operator_cli;
mod operator_events;
mod operator_resync;
mod operator_support;
mod world;
