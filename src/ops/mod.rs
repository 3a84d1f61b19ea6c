//! Operations: one function per write, the only place its rules live. Each takes the open
//! transaction, the acting [`Caller`](crate::auth::Caller) and parsed input; it loads,
//! authorizes, validates, writes and audits, and answers with domain values or a
//! [`domain::Error`](crate::domain::Error). Every way in calls the same function: an HTTP
//! handler, a console page, an import row, the command line, start-up.
//!
//! Reads that carry rules (who may read, which filter values exist) live here too, so that
//! every way in reads alike.

pub mod adjustments;
pub mod api_keys;
pub mod audit;
pub mod exports;
pub mod imports;
pub mod opendata;
pub mod organizations;
pub mod projects;
pub mod reports;
pub mod reserve;
pub mod seed;
pub mod sessions;
pub mod users;
