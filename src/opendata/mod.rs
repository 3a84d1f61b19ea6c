//! Open data formats the registry publishes. Pure: domain values in, bytes out.

pub mod oc4ids;
