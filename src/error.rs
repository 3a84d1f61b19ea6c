//! The one error type of the service, and the one place where errors become HTTP
//! responses: `application/problem+json` (RFC 9457).

use actix_web::{
    HttpResponse, ResponseError,
    error::JsonPayloadError,
    http::{StatusCode, header},
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{db::StorageError, domain::FieldError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request could not be read (malformed JSON, unreadable body).
    #[error("{0}")]
    BadRequest(String),
    /// No credentials, or credentials that are not (or no longer) valid.
    #[error("valid credentials are required: Authorization: Bearer <token or API key>")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// With the methods the resource allows (the `Allow` header).
    #[error("the method is not allowed on this resource; it allows {0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the project changed since the version in If-Match; read it again and retry")]
    PreconditionFailed,
    #[error("If-Match with the project's ETag is required for this write")]
    PreconditionRequired,
    #[error("the request body is larger than 256 KiB")]
    PayloadTooLarge,
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Well-formed input that breaks a rule; names every offending field.
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    #[error("too many failed attempts; try again in {retry_after_seconds} seconds")]
    TooManyRequests { retry_after_seconds: u64 },
    #[error("the database is unavailable")]
    Unavailable(String),
    /// Anything unexpected: logged with its cause, never shown to the client.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
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
}

pub const PROBLEM_JSON: &str = "application/problem+json";

impl AppError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    /// The stable code in the problem `type`; clients may branch on it.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "malformed-request",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not-found",
            Self::MethodNotAllowed(_) => "method-not-allowed",
            Self::Conflict(_) => "conflict",
            Self::PreconditionFailed => "precondition-failed",
            Self::PreconditionRequired => "precondition-required",
            Self::PayloadTooLarge => "payload-too-large",
            Self::UnsupportedMediaType(_) => "unsupported-media-type",
            Self::Validation(_) => "validation",
            Self::TooManyRequests { .. } => "too-many-requests",
            Self::Unavailable(_) => "database-unavailable",
            Self::Internal(_) => "internal",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "Malformed request",
            Self::Unauthorized => "Unauthorized",
            Self::Forbidden(_) => "Forbidden",
            Self::NotFound(_) => "Not found",
            Self::MethodNotAllowed(_) => "Method not allowed",
            Self::Conflict(_) => "Conflict",
            Self::PreconditionFailed => "Precondition failed",
            Self::PreconditionRequired => "Precondition required",
            Self::PayloadTooLarge => "Payload too large",
            Self::UnsupportedMediaType(_) => "Unsupported media type",
            Self::Validation(_) => "Invalid input",
            Self::TooManyRequests { .. } => "Too many requests",
            Self::Unavailable(_) => "Service unavailable",
            Self::Internal(_) => "Internal error",
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::Unavailable(_) => "the database is unavailable; try again shortly".to_owned(),
            Self::Internal(_) => "an unexpected error occurred; it has been logged".to_owned(),
            other => other.to_string(),
        }
    }

    pub fn problem(&self) -> Problem {
        Problem {
            problem_type: format!("urn:problem:portfolio-registry:{}", self.code()),
            title: self.title().to_owned(),
            status: self.status_code().as_u16(),
            detail: self.detail(),
            errors: match self {
                Self::Validation(errors) => Some(errors.clone()),
                _ => None,
            },
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(cause) => tracing::error!(error = ?cause, "internal error"),
            Self::Unavailable(cause) => tracing::warn!(%cause, "database unavailable"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        match self {
            Self::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            Self::TooManyRequests {
                retry_after_seconds,
            } => {
                response.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
            }
            Self::Unauthorized => {
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

impl From<StorageError> for AppError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::Unavailable(cause) => Self::Unavailable(cause),
            StorageError::Query(error) => error.into(),
            StorageError::Task(cause) => Self::Internal(anyhow::anyhow!(cause)),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::NotFound => Self::NotFound("no such resource".to_owned()),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => Self::Conflict(
                format!("conflicts with an existing record: {}", info.message()),
            ),
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                Self::Unavailable(info.message().to_owned())
            }
            other => Self::Internal(anyhow::Error::new(other).context("database query")),
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
            (AppError::NotFound(String::new()), "not-found", 404),
            (
                AppError::MethodNotAllowed("GET".into()),
                "method-not-allowed",
                405,
            ),
            (AppError::Conflict(String::new()), "conflict", 409),
            (AppError::PreconditionFailed, "precondition-failed", 412),
            (AppError::PayloadTooLarge, "payload-too-large", 413),
            (
                AppError::UnsupportedMediaType(String::new()),
                "unsupported-media-type",
                415,
            ),
            (AppError::Validation(vec![]), "validation", 422),
            (AppError::PreconditionRequired, "precondition-required", 428),
            (
                AppError::Unavailable(String::new()),
                "database-unavailable",
                503,
            ),
            (AppError::Internal(anyhow::anyhow!("x")), "internal", 500),
        ];
        for (error, code, status) in cases {
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
        let problem = AppError::Internal(anyhow::anyhow!("password=hunter2")).problem();
        assert!(!problem.detail.contains("hunter2"));
    }

    #[test]
    fn lost_connections_are_503_and_unique_violations_409() {
        let closed = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::ClosedConnection,
            Box::new("server closed the connection".to_owned()),
        );
        assert_eq!(AppError::from(closed).status_code(), 503);
        let duplicate = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            Box::new("duplicate key".to_owned()),
        );
        assert_eq!(AppError::from(duplicate).status_code(), 409);
    }
}
