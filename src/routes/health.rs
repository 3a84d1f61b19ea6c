use actix_web::{HttpRequest, HttpResponse, web};
use diesel::connection::SimpleConnection;
use serde::Serialize;
use utoipa::ToSchema;

use super::extract;
use crate::{
    auth::{password, scrape::ScrapeToken},
    db::Database,
    domain::Error,
    error::AppError,
    metrics::{self, METRICS},
};

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Liveness: the process serves requests.
#[utoipa::path(get, path = "/healthz", operation_id = "health_healthz", tag = "health",
    responses((status = 200, description = "alive", body = Health)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/readyz", operation_id = "health_readyz", tag = "health",
    responses(
        (status = 200, description = "ready", body = Health),
        (status = 503, description = "the database is unavailable", body = crate::error::Problem,
            content_type = "application/problem+json"),
    ))]
pub async fn readyz(db: web::Data<Database>) -> Result<HttpResponse, AppError> {
    db.run(|conn| Ok::<_, Error>(conn.batch_execute("SELECT 1")?))
        .await
        .map_err(|error| match error {
            Error::Internal(cause) => Error::Unavailable(cause.to_string()),
            other => other,
        })?;
    Ok(HttpResponse::Ok().json(Health { status: "ready" }))
}

/// Prometheus metrics, for a scrape presenting `Authorization: Bearer <METRICS_TOKEN>`
/// (401 otherwise); 404 when no token is configured. Outside the API's contract: an
/// operator's endpoint, not a client's.
pub async fn metrics(
    request: HttpRequest,
    database: web::Data<Database>,
    token: web::Data<Option<ScrapeToken>>,
) -> Result<HttpResponse, AppError> {
    let Some(token) = token.as_ref() else {
        return Err(AppError::not_found("no such resource"));
    };
    if !extract::bearer(&request).is_some_and(|presented| token.admits(&presented)) {
        return Err(Error::Unauthorized.into());
    }
    database.report_pool();
    METRICS
        .password_hashing_queue
        .set(i64::try_from(password::queue_depth()).unwrap_or(i64::MAX));
    Ok(HttpResponse::Ok()
        .content_type(metrics::CONTENT_TYPE)
        .body(METRICS.encode()))
}
