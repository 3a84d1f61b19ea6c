//! What can go wrong in an operation, in the domain's own terms. `crate::error` maps each
//! kind to an HTTP status in one place; the command line prints it.

use super::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No credentials, or credentials that are not (or no longer) valid.
    #[error("valid credentials are required: Authorization: Bearer <token or API key>")]
    Unauthorized,
    /// The caller may not do this (to this object).
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// The object's state does not allow this (a taken name, a move the lifecycle lacks).
    #[error("{0}")]
    Conflict(String),
    /// The object changed since the version the caller read; nothing was written.
    #[error("the project changed since the version in If-Match; read it again and retry")]
    Stale,
    /// A write that must name the version it read did not.
    #[error("If-Match with the project's ETag is required for this write")]
    VersionRequired,
    /// Well-formed input that breaks a rule; names every offending field.
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    #[error("too many failed attempts; try again in {retry_after_seconds} seconds")]
    Throttled { retry_after_seconds: u64 },
    /// An upload in a format the registry does not read.
    #[error("{0}")]
    UnsupportedFormat(String),
    /// An upload over a size bound.
    #[error("{0}")]
    TooLarge(String),
    /// A real import with row errors: nothing was written; the report says why, row by row.
    #[error("the import has rows with errors; nothing was written")]
    ImportRejected(Box<super::import::ImportReport>),
    /// Too much work of one kind is queued (password hashing): try again shortly.
    #[error("the service is busy checking passwords; try again in {retry_after_seconds} seconds")]
    Busy { retry_after_seconds: u64 },
    /// The database could not be reached in time.
    #[error("the database is unavailable")]
    Unavailable(String),
    /// Anything unexpected: logged with its cause, never shown to a client.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    /// `Ok` when `errors` is empty, else the validation error naming them all.
    pub fn check(errors: Vec<FieldError>) -> Result<(), Self> {
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Self::Validation(errors))
        }
    }
}
