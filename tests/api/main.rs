//! The API, over HTTP, on a fresh database per test: every test runs on SQLite, and on
//! PostgreSQL too when `TEST_DATABASE_URL` points at a server (CI always sets it).

#[macro_use]
mod helpers;

mod admin;
mod auth;
mod authorization;
mod contract;
mod errors;
mod health;
mod migrations;
mod plans;
mod projects;
mod registration;
mod seeds;
mod storage;
mod tokens;
