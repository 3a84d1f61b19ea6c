use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::{
    body,
    extract::{if_match, path_id, with_etag},
};
use crate::{
    auth::{Caller, policy},
    db::Database,
    domain::{input::Integer, plan::Plan, project::Project},
    error::{AppError, Problem},
    ops::{
        projects,
        reserve::{self, SweepOutcome},
    },
};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Renewal {
    /// Why the project stays in the reserve.
    #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
    pub note: Option<String>,
}

/// Renews a reserve project (plan office): its reserve counts from today.
#[utoipa::path(post, path = "/api/v1/projects/{id}/renewal", operation_id = "reserve_renew", tag = "reserve",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, format = Uuid),
        ("If-Match" = String, Header, description = "the project's ETag"),
    ),
    request_body = Renewal,
    responses(
        (status = 200, description = "renewed", body = Project, headers(("ETag" = String))),
        (status = 403, description = "only the plan office renews", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such project", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "the project is not in the reserve", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "the project changed since that version", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "the note is missing", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn renew(
    db: web::Data<Database>,
    caller: Caller,
    request: HttpRequest,
    id: web::Path<String>,
    renewal: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    policy::plan_office(&caller)?;
    let id = path_id(&id, projects::not_found)?;
    let if_match = if_match(&request);
    let renewal: Renewal = body::parse(renewal)?;
    let project = db
        .write(move |conn| projects::renew(conn, &caller, id, &if_match, renewal.note))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), &project))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SweepRequest {
    /// The day to sweep as of (default today, China Standard Time; never earlier).
    #[schema(value_type = Option<String>, format = Date, example = "2026-12-31")]
    pub as_of: Option<NaiveDate>,
    /// `true` (the default) only lists what would leave the reserve.
    pub dry_run: Option<bool>,
}

/// Previews (`dry_run`, the default) or runs the reserve sweep of the plan: every reserve
/// project whose reserve expires on or before `as_of` leaves to `withdrawn`, reason
/// `expired`, as the registry's own act.
#[utoipa::path(post, path = "/api/v1/plans/{code}/reserve-sweep", operation_id = "reserve_sweep", tag = "reserve",
    security(("bearer" = [])),
    params(("code" = String, Path, example = "yunyang-eco-2021-2025")),
    request_body = SweepRequest,
    responses(
        (status = 200, description = "what left the reserve (or would)", body = SweepOutcome),
        (status = 403, description = "only the plan office sweeps", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such plan", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid, or `as_of` before today", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn sweep(
    db: web::Data<Database>,
    caller: Caller,
    code: web::Path<String>,
    request: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    policy::plan_office(&caller)?;
    let request: SweepRequest = body::parse(request)?;
    let code = code.into_inner();
    let dry_run = request.dry_run.unwrap_or(true);
    let work = move |conn: &mut crate::db::DbConnection| {
        reserve::sweep(conn, &caller, &code, request.as_of, dry_run)
    };
    let outcome = if dry_run {
        db.run(work).await?
    } else {
        db.write(work).await?
    };
    Ok(HttpResponse::Ok().json(outcome))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanPatch {
    /// Years a project stays in the reserve (1–20).
    #[schema(value_type = i32, minimum = 1, maximum = 20)]
    pub reserve_validity_years: Integer,
}

/// Changes a plan's reserve validity (plan office); its projects' expiry dates follow.
#[utoipa::path(patch, path = "/api/v1/plans/{code}", operation_id = "plans_update", tag = "plans",
    security(("bearer" = [])),
    params(("code" = String, Path, example = "yunyang-eco-2021-2025")),
    request_body(content = PlanPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "changed", body = Plan),
        (status = 403, description = "only the plan office", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such plan", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_plan(
    db: web::Data<Database>,
    caller: Caller,
    code: web::Path<String>,
    patch: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    policy::plan_office(&caller)?;
    let patch: PlanPatch = body::parse(patch)?;
    let code = code.into_inner();
    let plan = db
        .write(move |conn| {
            reserve::set_validity(conn, &caller, &code, patch.reserve_validity_years.0)
        })
        .await?;
    Ok(HttpResponse::Ok().json(plan))
}
