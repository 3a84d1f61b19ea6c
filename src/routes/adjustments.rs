use actix_web::{HttpRequest, HttpResponse, http::header, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{body, extract::path_id, query};
use crate::{
    auth::{Caller, policy},
    db::{Database, DbConnection},
    domain::{
        AdjustmentId, Error,
        adjustment::{Adjustment, AdjustmentChanges, AdjustmentDecision, AdjustmentStatus},
        listing::{PageLimit, decode_cursor, encode_cursor, storable},
    },
    error::{AppError, Problem},
    ops::{
        self,
        adjustments::{self as adjustment_ops, Position as After},
    },
};

/// A request for an adjustment of the project.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAdjustment {
    /// A merge patch of the project limited to `location`, `scale`, `description`,
    /// `end_year` and `investment.total`.
    pub changes: AdjustmentChanges,
    /// Why the change is needed.
    #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
    pub reason: String,
}

/// The plan office's decision.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentReview {
    pub decision: AdjustmentDecision,
    /// Why; required to reject.
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// A page of adjustment requests, oldest first.
#[derive(Serialize, ToSchema)]
pub struct AdjustmentPage {
    pub items: Vec<Adjustment>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Position {
    at: DateTime<Utc>,
    id: AdjustmentId,
}

/// `limit`, `cursor` and (for the whole list) `status`.
fn page_params(
    request: &HttpRequest,
    with_status: bool,
) -> Result<(Option<AdjustmentStatus>, PageLimit, Option<Position>), Error> {
    let known: &[&str] = if with_status {
        &["status", "limit", "cursor"]
    } else {
        &["limit", "cursor"]
    };
    let mut errors = query::Errors::default();
    let (mut status, mut limit, mut position) = (None, PageLimit::default(), None);
    for (name, value) in query::pairs(request.query_string(), known, &[], &mut errors) {
        match name.as_str() {
            "status" => status = errors.take(&name, value.parse::<AdjustmentStatus>()),
            "limit" => limit = errors.take(&name, value.parse()).unwrap_or_default(),
            _ => {
                position = errors.take(
                    &name,
                    decode_cursor::<Position>(&value)
                        .filter(|position| storable(&position.at))
                        .ok_or("is not a cursor this service handed out"),
                )
            }
        }
    }
    errors.finish()?;
    Ok((status, limit, position))
}

/// The page `read` finds, with the cursor of the next one.
async fn page(
    db: &Database,
    limit: PageLimit,
    after: Option<Position>,
    read: impl FnOnce(&mut DbConnection, Option<After>, u32) -> Result<(Vec<Adjustment>, bool), Error>
    + Send
    + 'static,
) -> Result<HttpResponse, AppError> {
    let after = after.map(|position| (position.at.naive_utc(), position.id));
    let (items, has_more) = db.run(move |conn| read(conn, after, limit.get())).await?;
    let next_cursor = match items.last() {
        Some(last) if has_more => Some(encode_cursor(&Position {
            at: last.requested_at,
            id: last.id,
        })),
        _ => None,
    };
    Ok(HttpResponse::Ok().json(AdjustmentPage { items, next_cursor }))
}

/// Asks the plan office to approve a change of the project's location, scale, technical
/// description, end year or total investment (its owners, or the plan office).
#[utoipa::path(post, path = "/api/v1/projects/{id}/adjustments", operation_id = "adjustments_create", tag = "adjustments",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid)),
    request_body = NewAdjustment,
    responses(
        (status = 201, description = "filed, pending", body = Adjustment, headers(("Location" = String))),
        (status = 403, description = "not the project's owner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such project", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "a pending request already covers one of the fields", body = Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "invalid, changes nothing, or would break a rule of the project", body = Problem,
            content_type = "application/problem+json"),
    ))]
pub async fn create(
    db: web::Data<Database>,
    caller: Caller,
    id: web::Path<String>,
    request: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    policy::project_editor(&caller)?;
    let project_id = path_id(&id, ops::projects::not_found)?;
    let request: NewAdjustment = body::parse(request)?;
    let filed = db
        .write(move |conn| {
            adjustment_ops::file(
                conn,
                &caller,
                project_id,
                request.changes,
                Some(request.reason),
            )
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/adjustments/{}", filed.id),
        ))
        .json(filed))
}

/// The project's adjustment requests, oldest first.
#[utoipa::path(get, path = "/api/v1/projects/{id}/adjustments", operation_id = "adjustments_of_project", tag = "adjustments",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, format = Uuid),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "page size, default 50"),
        ("cursor" = Option<String>, Query, min_length = 1, description = "`next_cursor` of the previous page"),
    ),
    responses(
        (status = 200, description = "one page", body = AdjustmentPage),
        (status = 403, description = "API keys read projects only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such project", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "a parameter is invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn of_project(
    db: web::Data<Database>,
    caller: Caller,
    request: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let project_id = path_id(&id, ops::projects::not_found)?;
    let (_, limit, after) = page_params(&request, false)?;
    page(&db, limit, after, move |conn, after, limit| {
        adjustment_ops::of_project(conn, &caller, project_id, after, limit)
    })
    .await
}

/// Adjustment requests of every project, oldest first (`status=pending`: the plan
/// office's queue).
#[utoipa::path(get, path = "/api/v1/adjustments", operation_id = "adjustments_list", tag = "adjustments",
    security(("bearer" = [])),
    params(
        ("status" = Option<AdjustmentStatus>, Query, description = "only requests with this status"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "page size, default 50"),
        ("cursor" = Option<String>, Query, min_length = 1, description = "`next_cursor` of the previous page"),
    ),
    responses(
        (status = 200, description = "one page", body = AdjustmentPage),
        (status = 403, description = "API keys read projects only", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "a parameter is invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    db: web::Data<Database>,
    caller: Caller,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let (status, limit, after) = page_params(&request, true)?;
    page(&db, limit, after, move |conn, after, limit| {
        adjustment_ops::list(conn, &caller, status, after, limit)
    })
    .await
}

/// One adjustment request.
#[utoipa::path(get, path = "/api/v1/adjustments/{id}", operation_id = "adjustments_get", tag = "adjustments",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid)),
    responses(
        (status = 200, description = "the request", body = Adjustment),
        (status = 403, description = "API keys read projects only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such request", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    db: web::Data<Database>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = path_id(&id, adjustment_ops::not_found)?;
    let found = db
        .run(move |conn| adjustment_ops::find(conn, &caller, id))
        .await?;
    Ok(HttpResponse::Ok().json(found))
}

/// The plan office approves (the change is applied to the project) or rejects a pending
/// request.
#[utoipa::path(post, path = "/api/v1/adjustments/{id}/review", operation_id = "adjustments_review", tag = "adjustments",
    security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid)),
    request_body = AdjustmentReview,
    responses(
        (status = 200, description = "decided", body = Adjustment),
        (status = 403, description = "only the plan office decides", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such request", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "no longer pending, or the project's fields changed since it was filed", body = Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "invalid, or the change would now break a rule of the project", body = Problem,
            content_type = "application/problem+json"),
    ))]
pub async fn review(
    db: web::Data<Database>,
    caller: Caller,
    id: web::Path<String>,
    request: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    policy::plan_office(&caller)?;
    let id = path_id(&id, adjustment_ops::not_found)?;
    let request: AdjustmentReview = body::parse(request)?;
    let decided = db
        .write(move |conn| {
            adjustment_ops::review(conn, &caller, id, request.decision, request.note)
        })
        .await?;
    Ok(HttpResponse::Ok().json(decided))
}
