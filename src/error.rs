//! The one place where errors become HTTP responses: `application/problem+json` (RFC
//! 9457). An operation's [`domain::Error`](crate::domain::Error) maps to its status here;
//! the few errors only HTTP has (an unreadable body, a method the path lacks) are added.

use actix_web::{
    HttpResponse, ResponseError,
    error::{JsonPayloadError, PayloadError},
    http::{StatusCode, header},
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    domain::{
        Error, FieldError,
        import::{Counts, RowReport},
    },
    logged::Logged,
};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request could not be read (malformed JSON, unreadable body).
    #[error("{0}")]
    BadRequest(String),
    /// With the methods the resource allows (the `Allow` header).
    #[error("the method is not allowed on this resource; it allows {0}")]
    MethodNotAllowed(String),
    #[error("the request body is larger than 256 KiB")]
    PayloadTooLarge,
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the request body did not arrive in time")]
    BodyTimeout,
    /// What an operation answered.
    #[error(transparent)]
    Domain(#[from] Error),
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Stable, machine-readable problem type, e.g. `urn:problem:portfolio-registry:validation`.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The invalid fields, for validation problems (422).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// For a rejected import: its rows counted by what they would do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counts: Option<Counts>,
    /// For a rejected import: every row, with its errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<Vec<RowReport>>,
}

pub const PROBLEM_JSON: &str = "application/problem+json";

impl From<anyhow::Error> for AppError {
    fn from(error: anyhow::Error) -> Self {
        Self::Domain(Error::Internal(error))
    }
}

impl From<crate::db::StorageError> for AppError {
    fn from(error: crate::db::StorageError) -> Self {
        Self::Domain(error.into())
    }
}

impl AppError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Domain(Error::validation(field, message))
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::Domain(Error::NotFound(what.into()))
    }

    /// The stable code in the problem `type`, the title and the status: clients may
    /// branch on the code.
    fn kind(&self) -> (&'static str, &'static str, StatusCode) {
        match self {
            Self::BadRequest(_) => (
                "malformed-request",
                "Malformed request",
                StatusCode::BAD_REQUEST,
            ),
            Self::MethodNotAllowed(_) => (
                "method-not-allowed",
                "Method not allowed",
                StatusCode::METHOD_NOT_ALLOWED,
            ),
            Self::PayloadTooLarge => (
                "payload-too-large",
                "Payload too large",
                StatusCode::PAYLOAD_TOO_LARGE,
            ),
            Self::UnsupportedMediaType(_) => (
                "unsupported-media-type",
                "Unsupported media type",
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ),
            Self::BodyTimeout => (
                "request-timeout",
                "Request timeout",
                StatusCode::REQUEST_TIMEOUT,
            ),
            Self::Domain(error) => match error {
                Error::Unauthorized => ("unauthorized", "Unauthorized", StatusCode::UNAUTHORIZED),
                Error::Forbidden(_) => ("forbidden", "Forbidden", StatusCode::FORBIDDEN),
                Error::NotFound(_) => ("not-found", "Not found", StatusCode::NOT_FOUND),
                Error::Conflict(_) => ("conflict", "Conflict", StatusCode::CONFLICT),
                Error::Stale => (
                    "precondition-failed",
                    "Precondition failed",
                    StatusCode::PRECONDITION_FAILED,
                ),
                Error::VersionRequired => (
                    "precondition-required",
                    "Precondition required",
                    StatusCode::PRECONDITION_REQUIRED,
                ),
                Error::Validation(_) => (
                    "validation",
                    "Invalid input",
                    StatusCode::UNPROCESSABLE_ENTITY,
                ),
                Error::Throttled { .. } => (
                    "too-many-requests",
                    "Too many requests",
                    StatusCode::TOO_MANY_REQUESTS,
                ),
                Error::UnsupportedFormat(_) => (
                    "unsupported-media-type",
                    "Unsupported media type",
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ),
                Error::TooLarge(_) => (
                    "payload-too-large",
                    "Payload too large",
                    StatusCode::PAYLOAD_TOO_LARGE,
                ),
                Error::ImportRejected(_) => (
                    "import-rejected",
                    "Import rejected",
                    StatusCode::UNPROCESSABLE_ENTITY,
                ),
                Error::Busy { .. } => ("busy", "Service busy", StatusCode::SERVICE_UNAVAILABLE),
                Error::Unavailable(_) => (
                    "database-unavailable",
                    "Service unavailable",
                    StatusCode::SERVICE_UNAVAILABLE,
                ),
                Error::Internal(_) => (
                    "internal",
                    "Internal error",
                    StatusCode::INTERNAL_SERVER_ERROR,
                ),
            },
        }
    }

    /// The stable code in the problem `type`.
    pub fn code(&self) -> &'static str {
        self.kind().0
    }

    fn detail(&self) -> String {
        match self {
            Self::Domain(Error::Unavailable(_)) => {
                "the database is unavailable; try again shortly".to_owned()
            }
            Self::Domain(Error::Internal(_)) => {
                "an unexpected error occurred; it has been logged".to_owned()
            }
            other => other.to_string(),
        }
    }

    pub fn problem(&self) -> Problem {
        let (code, title, status) = self.kind();
        Problem {
            problem_type: format!("urn:problem:portfolio-registry:{code}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: self.detail(),
            // Bounded: a request with thousands of bad parameters gets a short answer.
            errors: match self {
                Self::Domain(Error::Validation(errors)) => {
                    Some(errors.iter().take(MAX_LISTED_ERRORS).cloned().collect())
                }
                _ => None,
            },
            counts: match self {
                Self::Domain(Error::ImportRejected(report)) => Some(report.counts),
                _ => None,
            },
            rows: match self {
                Self::Domain(Error::ImportRejected(report)) => Some(report.rows.clone()),
                _ => None,
            },
        }
    }
}

/// The most field errors one answer lists.
pub const MAX_LISTED_ERRORS: usize = 50;

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.kind().2
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Domain(Error::Internal(cause)) => {
                tracing::error!(error = %Logged::error(&format!("{cause:?}")), "internal error")
            }
            Self::Domain(Error::Unavailable(cause)) => {
                tracing::warn!(cause = %Logged::error(&cause.to_string()), "database unavailable")
            }
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        match self {
            Self::Domain(Error::Unavailable(_)) => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            Self::Domain(
                Error::Throttled {
                    retry_after_seconds,
                }
                | Error::Busy {
                    retry_after_seconds,
                },
            ) => {
                response.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
            }
            Self::Domain(Error::Unauthorized) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Self::MethodNotAllowed(allowed) => {
                response.insert_header((header::ALLOW, allowed.as_str()));
            }
            _ => {}
        }
        response.json(self.problem())
    }
}

/// A body that could not be read: too slow (the deadline of `routes::body`), or broken.
impl From<PayloadError> for AppError {
    fn from(error: PayloadError) -> Self {
        match error {
            PayloadError::Io(error) if error.kind() == std::io::ErrorKind::TimedOut => {
                Self::BodyTimeout
            }
            PayloadError::Overflow => Self::PayloadTooLarge,
            other => Self::BadRequest(format!("the body could not be read: {other}")),
        }
    }
}

/// Errors of actix's JSON extractor, mapped to the contract: a body that is not JSON is a
/// 400, JSON of the wrong shape (unknown field, wrong type) a 422.
pub fn json_error(error: JsonPayloadError, _request: &actix_web::HttpRequest) -> actix_web::Error {
    let app_error = match error {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            AppError::PayloadTooLarge
        }
        JsonPayloadError::ContentType => {
            AppError::UnsupportedMediaType("the body must be application/json".to_owned())
        }
        JsonPayloadError::Deserialize(error) if error.is_data() => {
            AppError::validation("body", error.to_string())
        }
        JsonPayloadError::Payload(error) => AppError::from(error),
        other => AppError::BadRequest(format!("the body is not valid JSON: {other}")),
    };
    app_error.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Clients branch on these codes: changing one breaks them.
    #[test]
    fn problem_codes_and_statuses_are_stable() {
        let cases = [
            (
                AppError::BadRequest(String::new()),
                "malformed-request",
                400,
            ),
            (Error::Unauthorized.into(), "unauthorized", 401),
            (Error::Forbidden(String::new()).into(), "forbidden", 403),
            (AppError::not_found(""), "not-found", 404),
            (
                AppError::MethodNotAllowed("GET".into()),
                "method-not-allowed",
                405,
            ),
            (Error::Conflict(String::new()).into(), "conflict", 409),
            (Error::Stale.into(), "precondition-failed", 412),
            (AppError::PayloadTooLarge, "payload-too-large", 413),
            (
                AppError::UnsupportedMediaType(String::new()),
                "unsupported-media-type",
                415,
            ),
            (AppError::BodyTimeout, "request-timeout", 408),
            (Error::Validation(vec![]).into(), "validation", 422),
            (Error::VersionRequired.into(), "precondition-required", 428),
            (
                Error::Throttled {
                    retry_after_seconds: 1,
                }
                .into(),
                "too-many-requests",
                429,
            ),
            (
                Error::Unavailable(String::new()).into(),
                "database-unavailable",
                503,
            ),
            (AppError::from(anyhow::anyhow!("x")), "internal", 500),
        ];
        for (error, code, status) in cases {
            let error: AppError = error;
            let problem = error.problem();
            assert_eq!(
                problem.problem_type,
                format!("urn:problem:portfolio-registry:{code}")
            );
            assert_eq!(problem.status, status, "{code}");
        }
    }

    #[test]
    fn internal_errors_never_show_their_cause() {
        let problem = AppError::from(anyhow::anyhow!("password=hunter2")).problem();
        assert!(!problem.detail.contains("hunter2"));
    }

    #[test]
    fn lost_connections_are_503_and_unique_violations_409() {
        let closed = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::ClosedConnection,
            Box::new("server closed the connection".to_owned()),
        );
        assert_eq!(AppError::from(Error::from(closed)).status_code(), 503);
        let duplicate = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            Box::new("duplicate key".to_owned()),
        );
        assert_eq!(AppError::from(Error::from(duplicate)).status_code(), 409);
    }
}
