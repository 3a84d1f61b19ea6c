use actix_web::{HttpRequest, HttpResponse, http::header, web};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::{
    body,
    extract::{if_match, path_id, with_etag},
    query,
};
use crate::{
    auth::{Caller, policy},
    db::Database,
    domain::{
        Error, ProjectStatus,
        listing::{Cursor, SearchText, parse_expiring_within_days},
        project::{NewProject, Project, ProjectPatch, parse_year},
    },
    error::{AppError, Problem},
    ops::projects::{self, ListQuery},
};

/// A page of projects.
#[derive(Serialize, ToSchema)]
pub struct ProjectPage {
    pub items: Vec<Project>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The list's filters as the contract describes them: one description for the list, its
/// count and the export. (Only the contract reads this type; `parse_list_query` reads the
/// query string itself, to name every wrong parameter at once.)
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct FilterParams {
    /// plan code
    #[param(min_length = 1, example = "yunyang-eco-2021-2025")]
    plan: Option<String>,
    /// category code
    #[param(min_length = 1, example = "low_carbon")]
    category: Option<String>,
    /// lifecycle status; repeat for several
    #[param(explode)]
    status: Option<Vec<ProjectStatus>>,
    /// lead department's organization id, or `none` for projects without one
    #[param(
        pattern = r"^(none|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
    )]
    lead_department: Option<String>,
    /// implementing organization's id, or `none` for projects without one
    #[param(
        pattern = r"^(none|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
    )]
    implementing_org: Option<String>,
    /// literal substring of name, code or location (case-insensitive for Latin letters)
    #[param(min_length = 1, max_length = 200)]
    q: Option<String>,
    /// RFC 3339, inclusive
    updated_since: Option<chrono::DateTime<chrono::Utc>>,
    /// projects under way in this year: `start_year` at or before it and `end_year` (when
    /// set) at or after it
    #[param(minimum = 1900, maximum = 2100)]
    year: Option<i32>,
    /// reserve projects whose reserve expires within this many days from today (those
    /// already past it included, until the sweep withdraws them)
    #[param(minimum = 0, maximum = 3650)]
    expiring_within_days: Option<u32>,
}

/// Parses the list's query string, naming every parameter that is wrong. Unknown
/// parameters are refused too, so that a misspelt filter never silently lists everything.
pub fn parse_list_query(text: &str) -> Result<ListQuery, Error> {
    const KNOWN: [&str; 12] = [
        "plan",
        "category",
        "status",
        "lead_department",
        "implementing_org",
        "q",
        "updated_since",
        "year",
        "expiring_within_days",
        "sort",
        "limit",
        "cursor",
    ];
    let mut params = ListQuery::default();
    let mut errors = query::Errors::default();
    let mut cursor_text = None;
    for (name, value) in query::pairs(text, &KNOWN, &["status"], &mut errors) {
        match name.as_str() {
            "plan" => params.filter.plan = Some(value),
            "category" => params.filter.category = Some(value),
            "status" => params
                .filter
                .statuses
                .extend(errors.take(&name, value.parse::<ProjectStatus>())),
            "lead_department" => params.filter.lead_department = errors.take(&name, value.parse()),
            "implementing_org" => {
                params.filter.implementing_org = errors.take(&name, value.parse())
            }
            "q" => params.filter.text = errors.take(&name, SearchText::parse(&value)),
            "updated_since" => {
                params.filter.updated_since = errors.take(&name, query::parse_rfc3339(&value))
            }
            "year" => params.filter.year = errors.take(&name, parse_year(&value)),
            "expiring_within_days" => {
                params.filter.expiring_within_days =
                    errors.take(&name, parse_expiring_within_days(&value))
            }
            "sort" => params.sort = errors.take(&name, value.parse()).unwrap_or_default(),
            "limit" => params.limit = errors.take(&name, value.parse()).unwrap_or_default(),
            _ => cursor_text = Some(value),
        }
    }
    if let Some(text) = cursor_text {
        params.cursor = errors.take("cursor", Cursor::decode(&text, params.sort));
    }
    errors.finish()?;
    Ok(params)
}

/// Lists projects, filtered and sorted, one page at a time.
#[utoipa::path(get, path = "/api/v1/projects", operation_id = "projects_list", tag = "projects",
    params(
        FilterParams,
        ("sort" = Option<String>, Query, pattern = r"^-?(code|name|updated_at|total_investment)$",
            description = "`code` (default), `name`, `updated_at` or `total_investment`; prefix `-` for descending"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "page size, default 50"),
        ("cursor" = Option<String>, Query, min_length = 1, description = "`next_cursor` of the previous page"),
    ),
    responses(
        (status = 200, description = "one page", body = ProjectPage),
        (status = 422, description = "a parameter is invalid", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list(
    db: web::Data<Database>,
    caller: Caller,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let query = parse_list_query(request.query_string())?;
    let page = db
        .run(move |conn| projects::list(conn, &caller, &query))
        .await?;
    Ok(HttpResponse::Ok().json(ProjectPage {
        items: page.items,
        next_cursor: page.next_cursor.map(|cursor| cursor.encode()),
    }))
}

/// How many projects the list's filters match (`sort`, `limit` and `cursor` are taken and
/// change nothing).
#[utoipa::path(get, path = "/api/v1/projects/count", operation_id = "projects_count", tag = "projects",
    params(FilterParams),
    responses(
        (status = 200, description = "the number of matching projects", body = ProjectCount),
        (status = 422, description = "a parameter is invalid", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn count(
    db: web::Data<Database>,
    caller: Caller,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let query = parse_list_query(request.query_string())?;
    let count = db
        .run(move |conn| projects::count(conn, &caller, &query.filter))
        .await?;
    Ok(HttpResponse::Ok().json(ProjectCount { count }))
}

/// How many projects match.
#[derive(Serialize, ToSchema)]
pub struct ProjectCount {
    pub count: i64,
}

/// One project, with its version as `ETag`.
#[utoipa::path(get, path = "/api/v1/projects/{id}", operation_id = "projects_get", tag = "projects",
    params(("id" = String, Path, format = Uuid, description = "the project's id")),
    responses(
        (status = 200, description = "the project", body = Project,
            headers(("ETag" = String, description = "the project's version, e.g. \"7\""))),
        (status = 404, description = "no such project", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get(
    db: web::Data<Database>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = path_id(&id, projects::not_found)?;
    let project = db
        .run(move |conn| projects::find(conn, &caller, id))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), &project))
}

/// Registers a project (status `reserve`).
#[utoipa::path(post, path = "/api/v1/projects", operation_id = "projects_create", tag = "projects", request_body = NewProject,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "registered", body = Project,
            headers(("ETag" = String, description = "the version, \"1\""), ("Location" = String))),
        (status = 403, description = "the caller may not register this project", body = Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    db: web::Data<Database>,
    caller: Caller,
    request: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    policy::project_editor(&caller)?;
    let new: NewProject = body::parse(request)?;
    let project = db
        .write(move |conn| projects::create(conn, &caller, new))
        .await?;
    let mut created = HttpResponse::Created();
    created.insert_header((header::LOCATION, format!("/api/v1/projects/{}", project.id)));
    Ok(with_etag(created, &project))
}

/// Changes a project (JSON merge patch) if `If-Match` names its current version.
#[utoipa::path(patch, path = "/api/v1/projects/{id}", operation_id = "projects_update", tag = "projects", security(("bearer" = [])),
    params(
        ("id" = String, Path, format = Uuid),
        ("If-Match" = String, Header, description = "the project's ETag, e.g. \"7\""),
    ),
    request_body(content = ProjectPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "changed", body = Project, headers(("ETag" = String))),
        (status = 403, description = "the caller may not change this project or one of these fields", body = Problem,
            content_type = "application/problem+json"),
        (status = 404, description = "no such project", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "the new code is taken", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "the project changed since that version; nothing was written", body = Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "invalid", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update(
    db: web::Data<Database>,
    caller: Caller,
    request: HttpRequest,
    id: web::Path<String>,
    patch: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    policy::project_editor(&caller)?;
    let id = path_id(&id, projects::not_found)?;
    let if_match = if_match(&request);
    let patch: ProjectPatch = body::parse(patch)?;
    let project = db
        .write(move |conn| projects::update(conn, &caller, id, &if_match, patch))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), &project))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(query: &str) -> Vec<String> {
        match parse_list_query(query) {
            Err(Error::Validation(errors)) => {
                let mut fields: Vec<String> = errors.into_iter().map(|e| e.field).collect();
                fields.sort();
                fields
            }
            other => panic!("expected a validation error for {query:?}, got {other:?}"),
        }
    }

    #[test]
    fn status_repeats_and_every_other_parameter_is_single() {
        let params = parse_list_query("status=reserve&status=construction&limit=10").unwrap();
        assert_eq!(params.filter.statuses.len(), 2);
        assert_eq!(params.limit.get(), 10);
        assert_eq!(errors("limit=10&limit=20"), ["limit"]);
    }

    #[test]
    fn every_invalid_parameter_is_named() {
        assert_eq!(
            errors("status=done&limit=0&sort=size&lead_department=x&colour=red"),
            ["colour", "lead_department", "limit", "sort", "status"]
        );
    }

    #[test]
    fn updated_since_accepts_an_offset_whose_plus_was_not_encoded() {
        let params = parse_list_query("updated_since=2026-01-31T08:00:00+08:00").unwrap();
        assert_eq!(
            params.filter.updated_since.unwrap().to_rfc3339(),
            "2026-01-31T00:00:00+00:00"
        );
    }
}
