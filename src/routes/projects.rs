use actix_web::{HttpRequest, HttpResponse, http::header, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::body;
use crate::{
    auth::{Caller, policy},
    db::{self, Database},
    domain::{
        FieldError, Money, OrganizationId, ProjectId,
        listing::{Cursor, PageLimit, ProjectFilter, ProjectSort, SearchText},
        project::{FundingSources, Project, ProjectDetails, optional_text},
    },
    error::{AppError, Problem},
};

/// A page of projects.
#[derive(Serialize, ToSchema)]
pub struct ProjectPage {
    pub items: Vec<Project>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The list's query parameters, parsed.
#[derive(Debug, Default)]
struct ListParams {
    filter: ProjectFilter,
    sort: ProjectSort,
    limit: PageLimit,
    cursor: Option<Cursor>,
}

impl ListParams {
    /// Parses the query string, naming every parameter that is wrong. Unknown parameters
    /// are refused too, so that a misspelt filter never silently lists everything.
    fn parse(query: &str) -> Result<Self, AppError> {
        let mut params = Self::default();
        let mut errors = Vec::new();
        let mut seen = Vec::new();
        let mut cursor_text = None;
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let name = name.into_owned();
            if name != "status" && seen.contains(&name) {
                errors.push(FieldError::new(&name, "may be given only once"));
                continue;
            }
            seen.push(name.clone());
            let mut invalid = |message: &str| errors.push(FieldError::new(&name, message));
            match name.as_str() {
                "plan" => params.filter.plan = Some(value.into_owned()),
                "category" => params.filter.category = Some(value.into_owned()),
                "status" => match value.parse() {
                    Ok(status) => params.filter.statuses.push(status),
                    Err(error) => invalid(&format!("{error}")),
                },
                "lead_department" => match value.parse() {
                    Ok(organization) => params.filter.lead_department = Some(organization),
                    Err(message) => invalid(message),
                },
                "implementing_org" => match value.parse() {
                    Ok(organization) => params.filter.implementing_org = Some(organization),
                    Err(message) => invalid(message),
                },
                "q" => match SearchText::parse(&value) {
                    Ok(text) => params.filter.text = Some(text),
                    Err(message) => invalid(message),
                },
                "updated_since" => match parse_rfc3339(&value) {
                    Some(time) => params.filter.updated_since = Some(time),
                    None => invalid("must be an RFC 3339 time such as 2026-01-31T08:00:00+08:00"),
                },
                "sort" => match value.parse() {
                    Ok(sort) => params.sort = sort,
                    Err(message) => invalid(message),
                },
                "limit" => match value.parse() {
                    Ok(limit) => params.limit = limit,
                    Err(message) => invalid(message),
                },
                "cursor" => cursor_text = Some(value.into_owned()),
                _ => invalid("is not a parameter of this list"),
            }
        }
        if let Some(text) = cursor_text {
            match Cursor::decode(&text, params.sort) {
                Ok(cursor) => params.cursor = Some(cursor),
                Err(message) => errors.push(FieldError::new("cursor", message)),
            }
        }
        if errors.is_empty() {
            Ok(params)
        } else {
            Err(AppError::Validation(errors))
        }
    }
}

/// RFC 3339; a `+` of the offset that arrived unencoded (read as a space) is taken back.
fn parse_rfc3339(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_rfc3339(&text.replace(' ', "+")))
        .ok()
        .map(|time| time.with_timezone(&Utc))
}

/// Lists projects, filtered and sorted, one page at a time.
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects",
    params(
        ("plan" = Option<String>, Query, description = "plan code", example = "yunyang-eco-2021-2025"),
        ("category" = Option<String>, Query, description = "category code", example = "low_carbon"),
        ("status" = Option<Vec<crate::domain::ProjectStatus>>, Query, explode = true,
            description = "lifecycle status; repeat for several"),
        ("lead_department" = Option<String>, Query,
            description = "lead department's organization id, or `none` for projects without one"),
        ("implementing_org" = Option<String>, Query,
            description = "implementing organization's id, or `none` for projects without one"),
        ("q" = Option<String>, Query,
            description = "literal substring of name, code or location (case-insensitive for Latin letters)"),
        ("updated_since" = Option<DateTime<Utc>>, Query, description = "RFC 3339, inclusive"),
        ("sort" = Option<String>, Query,
            description = "`code` (default), `name`, `updated_at` or `total_investment`; prefix `-` for descending"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "page size, default 50"),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"),
    ),
    responses(
        (status = 200, description = "one page", body = ProjectPage),
        (status = 401, description = "no valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "a parameter is invalid", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn list(
    db: web::Data<Database>,
    caller: Caller,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    policy::read_catalogue(&caller)?;
    let params = ListParams::parse(request.query_string())?;
    let page = db
        .run(move |conn| {
            db::projects::list(
                conn,
                &params.filter,
                params.sort,
                params.limit,
                params.cursor.as_ref(),
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(ProjectPage {
        items: page.items,
        next_cursor: page.next_cursor.map(|cursor| cursor.encode()),
    }))
}

/// The `ETag` of a project: its version as a strong tag.
pub fn etag(project: &Project) -> header::EntityTag {
    header::EntityTag::new_strong(project.version.to_string())
}

/// One project, with its version as `ETag`.
#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "projects",
    params(("id" = String, Path, format = Uuid, description = "the project's id")),
    responses(
        (status = 200, description = "the project", body = Project,
            headers(("ETag" = String, description = "the project's version, e.g. \"7\""))),
        (status = 401, description = "no valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such project", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn get(
    db: web::Data<Database>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    policy::read_catalogue(&caller)?;
    let not_found = || AppError::NotFound(format!("no project has the id {id}"));
    let project_id: ProjectId = id.parse().map_err(|_| not_found())?;
    let project = db
        .run(move |conn| db::projects::find(conn, project_id).map_err(AppError::from))
        .await?
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok()
        .insert_header(header::ETag(etag(&project)))
        .json(project))
}

/// Planned investment and funding sources as written by a client, in yuan: strings
/// (`"1234.50"`) or exact JSON numbers, at most two decimals.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvestmentInput {
    /// 计划总投资
    #[schema(value_type = Option<String>, example = "120000000.00")]
    pub total: Option<Money>,
    #[schema(value_type = Option<String>)]
    pub central: Option<Money>,
    #[schema(value_type = Option<String>)]
    pub municipal: Option<Money>,
    #[schema(value_type = Option<String>)]
    pub county: Option<Money>,
    #[schema(value_type = Option<String>)]
    pub special_bonds: Option<Money>,
    #[schema(value_type = Option<String>)]
    pub social_capital: Option<Money>,
    #[schema(value_type = Option<String>)]
    pub financial: Option<Money>,
    #[schema(value_type = Option<String>)]
    pub other: Option<Money>,
}

/// A project to register; it starts in `reserve`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProject {
    #[schema(example = "yunyang-eco-2021-2025")]
    pub plan: String,
    #[schema(example = "low_carbon")]
    pub category: String,
    #[schema(example = "宝坪光伏二期项目")]
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub location: Option<String>,
    pub scale: Option<String>,
    /// Required: a department registers only projects it leads.
    #[schema(value_type = String, format = Uuid)]
    pub lead_department: OrganizationId,
    /// A platform company registers only projects it implements.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub implementing_org: Option<OrganizationId>,
    pub start_year: Option<i32>,
    pub end_year: Option<i32>,
    pub investment: Option<InvestmentInput>,
    pub national_code: Option<String>,
    pub source_ref: Option<String>,
}

impl From<NewProject> for ProjectDetails {
    fn from(request: NewProject) -> Self {
        let investment = request.investment.unwrap_or_default();
        ProjectDetails {
            name: request.name,
            description: request.description,
            location: optional_text(request.location),
            scale: optional_text(request.scale),
            lead_department: Some(request.lead_department),
            implementing_org: request.implementing_org,
            start_year: request.start_year,
            end_year: request.end_year,
            total: investment.total,
            sources: FundingSources {
                central: investment.central,
                municipal: investment.municipal,
                county: investment.county,
                special_bonds: investment.special_bonds,
                social_capital: investment.social_capital,
                financial: investment.financial,
                other: investment.other,
            },
            national_code: optional_text(request.national_code),
            source_ref: optional_text(request.source_ref),
        }
    }
}

/// Registers a project (status `reserve`).
#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", request_body = NewProject,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "registered", body = Project,
            headers(("ETag" = String, description = "the version, \"1\""), ("Location" = String))),
        (status = 401, description = "no valid credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "the caller may not register this project", body = Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    db: web::Data<Database>,
    caller: Caller,
    request: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    policy::project_registrar(&caller)?;
    let request: NewProject = body::parse(request)?;
    policy::create_project(&caller, request.lead_department, request.implementing_org)?;
    let (plan, category) = (request.plan.clone(), request.category.clone());
    let details = ProjectDetails::from(request);
    let actor = caller.actor();
    let project = db
        .write(move |conn| db::projects::register(conn, &plan, &category, details, &actor))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(header::ETag(etag(&project)))
        .insert_header((header::LOCATION, format!("/api/v1/projects/{}", project.id)))
        .json(project))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(query: &str) -> Vec<String> {
        match ListParams::parse(query) {
            Err(AppError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected a validation error for {query:?}, got {other:?}"),
        }
    }

    #[test]
    fn status_repeats_and_every_other_parameter_is_single() {
        let params = ListParams::parse("status=reserve&status=construction&limit=10").unwrap();
        assert_eq!(params.filter.statuses.len(), 2);
        assert_eq!(params.limit.get(), 10);
        assert_eq!(errors("limit=10&limit=20"), ["limit"]);
    }

    #[test]
    fn every_invalid_parameter_is_named() {
        assert_eq!(
            errors("status=done&limit=0&sort=size&lead_department=x&colour=red"),
            ["status", "limit", "sort", "lead_department", "colour"]
        );
    }

    #[test]
    fn updated_since_accepts_an_offset_whose_plus_was_not_encoded() {
        let params = ListParams::parse("updated_since=2026-01-31T08:00:00+08:00").unwrap();
        assert_eq!(
            params.filter.updated_since.unwrap().to_rfc3339(),
            "2026-01-31T00:00:00+00:00"
        );
    }
}
