//! The API, over HTTP, on a fresh database per test: every test runs on SQLite, and on
//! PostgreSQL too when `TEST_DATABASE_URL` points at a server (CI always sets it).

#[macro_use]
mod helpers;

mod adjustments;
mod admin;
mod audit;
mod audit_chain;
mod auth;
mod authorization;
mod backup;
mod compression;
mod console;
mod contract;
mod editing;
mod errors;
mod headers;
mod health;
mod layers;
mod lifecycle;
mod metrics;
mod migrations;
mod opendata;
mod plans;
mod projects;
mod registration;
mod reports;
mod reserve;
mod seeds;
mod sheets;
mod statements;
mod storage;
mod summary;
mod synth;
mod throttling;
mod tokens;
mod yearly;
