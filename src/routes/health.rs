use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{db::Database, domain::Error, error::AppError};

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
