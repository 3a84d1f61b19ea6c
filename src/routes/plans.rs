use actix_web::{HttpResponse, web};

use crate::{
    auth::{Caller, policy},
    db::{self, Database},
    domain::{
        Error,
        plan::{Category, Plan},
    },
    error::{AppError, Problem},
};

/// Answers with what `read` finds for the plan `code`, or a 404.
async fn of_plan<T: serde::Serialize + Send + 'static>(
    db: &Database,
    code: String,
    read: fn(&mut db::DbConnection, &str) -> diesel::QueryResult<Option<T>>,
) -> Result<HttpResponse, AppError> {
    let not_found = || AppError::not_found(format!("no plan has the code {code:?}"));
    // No plan code holds U+0000 (nor could PostgreSQL compare with one).
    if code.contains('\0') {
        return Err(not_found());
    }
    let lookup = code.clone();
    let found = db
        .run(move |conn| Ok::<_, Error>(read(conn, &lookup)?))
        .await?;
    let found = found.ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(found))
}

/// All plans the registry holds.
#[utoipa::path(get, path = "/api/v1/plans", operation_id = "plans_list", tag = "plans",
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "the plans, by code", body = Vec<Plan>),
    ))]
pub async fn list(db: web::Data<Database>, caller: Caller) -> Result<HttpResponse, AppError> {
    policy::read_catalogue(&caller)?;
    let plans = db
        .run(|conn| Ok::<_, Error>(db::plans::list(conn)?))
        .await?;
    Ok(HttpResponse::Ok().json(plans))
}

/// One plan.
#[utoipa::path(get, path = "/api/v1/plans/{code}", operation_id = "plans_get", tag = "plans",
    params(("code" = String, Path, description = "the plan's code", example = "yunyang-eco-2021-2025")),
    responses(
        (status = 200, description = "the plan", body = Plan),
        (status = 404, description = "no such plan", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get(
    db: web::Data<Database>,
    caller: Caller,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    policy::read_catalogue(&caller)?;
    of_plan(&db, code.into_inner(), db::plans::find).await
}

/// The plan's categories with planned and registered counts.
#[utoipa::path(get, path = "/api/v1/plans/{code}/categories", operation_id = "plans_categories", tag = "plans",
    params(("code" = String, Path, description = "the plan's code", example = "yunyang-eco-2021-2025")),
    responses(
        (status = 200, description = "the categories in the plan's order", body = Vec<Category>),
        (status = 404, description = "no such plan", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn categories(
    db: web::Data<Database>,
    caller: Caller,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    policy::read_catalogue(&caller)?;
    of_plan(&db, code.into_inner(), db::plans::categories).await
}

/// The finance view: planned against registered, by category, status, lead department and
/// funding source. Every total is the exact sum of its parts; withdrawn projects count only
/// in `by_status` and `registered.withdrawn`.
#[utoipa::path(get, path = "/api/v1/plans/{code}/summary", operation_id = "plans_summary", tag = "plans",
    params(("code" = String, Path, description = "the plan's code", example = "yunyang-eco-2021-2025")),
    responses(
        (status = 200, description = "the summary", body = crate::domain::summary::Summary),
        (status = 404, description = "no such plan", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn summary(
    db: web::Data<Database>,
    caller: Caller,
    code: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    policy::read_catalogue(&caller)?;
    of_plan(&db, code.into_inner(), db::summary::summary).await
}
