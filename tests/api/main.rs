//! One integration binary for leafbridge; each topic is a module.

mod durability;
mod helpers;
mod ingress;
mod jobs;
mod multi_instance;
mod openapi;
