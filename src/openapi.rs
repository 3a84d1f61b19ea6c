//! The OpenAPI contract, generated from the handlers and the types serde uses.

use actix_web::HttpResponse;
use utoipa::OpenApi;

use crate::{domain, error, routes};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Portfolio Registry",
        description = "Project reserve library (项目储备库) of a five-year ecological plan: \
            projects, lifecycle, exact investment (amounts are decimal strings in yuan with two \
            decimals), progress reports and audit trail. Errors are application/problem+json (RFC 9457).",
        license(name = "Apache-2.0"),
    ),
    paths(
        routes::health::healthz,
        routes::health::readyz,
        routes::plans::list,
        routes::plans::get,
        routes::plans::categories,
        routes::projects::list,
        routes::projects::get,
    ),
    components(schemas(
        error::Problem,
        domain::FieldError,
        domain::ProjectStatus,
        domain::project::Investment,
    )),
    tags(
        (name = "plans", description = "Plans (规划) and their project categories"),
        (name = "projects", description = "Registered projects (项目储备库)"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
pub struct ApiDoc;

/// The contract as pretty JSON, exactly as committed in `openapi/openapi.json`.
pub fn document() -> String {
    let mut json = ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serializes");
    json.push('\n');
    json
}

/// Serves the contract.
pub async fn serve() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document())
}
