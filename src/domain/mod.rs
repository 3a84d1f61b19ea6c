//! Domain types: they know nothing of HTTP or SQL. Each value is checked once, by its
//! constructor, at the edge; code that holds one never checks it again.

pub mod actor;
pub mod adjustment;
pub mod concurrency;
pub mod error;
pub mod fingerprint;
pub mod funding;
pub mod ids;
pub mod import;
pub mod input;
pub mod lifecycle;
pub mod listing;
pub mod messages;
pub mod money;
pub mod organization;
pub mod plan;
pub mod project;
pub mod report;
pub mod reserve;
pub mod status;
pub mod summary;
pub mod user;
pub mod validation;
pub mod yearly;

pub use error::Error;
pub use ids::{
    AdjustmentId, ApiKeyId, CategoryId, OrganizationId, PlanId, ProjectId, ReportId, UserId,
};
pub use money::Money;
pub use status::ProjectStatus;
pub use validation::FieldError;
