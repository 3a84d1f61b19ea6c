//! Portfolio Registry: the project reserve library (项目储备库) of a five-year plan.
//!
//! `main.rs` only reads configuration and calls into this crate, so that tests build the
//! very same application.

pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod host;
pub mod logged;
pub mod metrics;
pub mod openapi;
pub mod opendata;
pub mod ops;
pub mod routes;
pub mod seed;
pub mod sheets;
pub mod startup;
pub mod synth;
pub mod telemetry;
