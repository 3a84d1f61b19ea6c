use actix_web::{HttpRequest, HttpResponse, http::header, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{
    body::{self, Integer, Patch},
    preconditions::IfMatch,
    query,
};
use crate::{
    auth::{Caller, policy},
    db::{
        self, Database,
        audit::{self, Change},
    },
    domain::{
        FieldError, Money, OrganizationId, ProjectId, ProjectStatus,
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
        const KNOWN: [&str; 10] = [
            "plan",
            "category",
            "status",
            "lead_department",
            "implementing_org",
            "q",
            "updated_since",
            "sort",
            "limit",
            "cursor",
        ];
        let mut params = Self::default();
        let mut errors = query::Errors::default();
        let mut cursor_text = None;
        for (name, value) in query::pairs(query, &KNOWN, &["status"], &mut errors) {
            match name.as_str() {
                "plan" => params.filter.plan = Some(value),
                "category" => params.filter.category = Some(value),
                "status" => params
                    .filter
                    .statuses
                    .extend(errors.take(&name, value.parse::<ProjectStatus>())),
                "lead_department" => {
                    params.filter.lead_department = errors.take(&name, value.parse())
                }
                "implementing_org" => {
                    params.filter.implementing_org = errors.take(&name, value.parse())
                }
                "q" => params.filter.text = errors.take(&name, SearchText::parse(&value)),
                "updated_since" => {
                    params.filter.updated_since = errors.take(&name, parse_rfc3339(&value))
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
}

/// RFC 3339; a `+` of the offset that arrived unencoded (read as a space) is taken back.
pub fn parse_rfc3339(text: &str) -> Result<DateTime<Utc>, &'static str> {
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_rfc3339(&text.replace(' ', "+")))
        .map(|time| time.with_timezone(&Utc))
        .map_err(|_| "must be an RFC 3339 time such as 2026-01-31T08:00:00+08:00")
}

/// Lists projects, filtered and sorted, one page at a time.
#[utoipa::path(get, path = "/api/v1/projects", operation_id = "projects_list", tag = "projects",
    params(
        ("plan" = Option<String>, Query, min_length = 1, description = "plan code", example = "yunyang-eco-2021-2025"),
        ("category" = Option<String>, Query, min_length = 1, description = "category code", example = "low_carbon"),
        ("status" = Option<Vec<crate::domain::ProjectStatus>>, Query, explode = true,
            description = "lifecycle status; repeat for several"),
        ("lead_department" = Option<String>, Query,
            pattern = r"^(none|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$",
            description = "lead department's organization id, or `none` for projects without one"),
        ("implementing_org" = Option<String>, Query,
            pattern = r"^(none|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$",
            description = "implementing organization's id, or `none` for projects without one"),
        ("q" = Option<String>, Query, min_length = 1, max_length = 200,
            description = "literal substring of name, code or location (case-insensitive for Latin letters)"),
        ("updated_since" = Option<DateTime<Utc>>, Query, description = "RFC 3339, inclusive"),
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
    policy::read_catalogue(&caller)?;
    let project_id = parse_project_id(&id)?;
    let project = db.run(move |conn| find_project(conn, project_id)).await?;
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
    #[schema(value_type = Option<String>, pattern = r"^[0-9]{1,15}(\.[0-9]{1,2})?$", example = "120000000.00")]
    pub total: Option<Money>,
    #[schema(value_type = Option<String>, pattern = r"^[0-9]{1,15}(\.[0-9]{1,2})?$")]
    pub central: Option<Money>,
    #[schema(value_type = Option<String>, pattern = r"^[0-9]{1,15}(\.[0-9]{1,2})?$")]
    pub municipal: Option<Money>,
    #[schema(value_type = Option<String>, pattern = r"^[0-9]{1,15}(\.[0-9]{1,2})?$")]
    pub county: Option<Money>,
    #[schema(value_type = Option<String>, pattern = r"^[0-9]{1,15}(\.[0-9]{1,2})?$")]
    pub special_bonds: Option<Money>,
    #[schema(value_type = Option<String>, pattern = r"^[0-9]{1,15}(\.[0-9]{1,2})?$")]
    pub social_capital: Option<Money>,
    #[schema(value_type = Option<String>, pattern = r"^[0-9]{1,15}(\.[0-9]{1,2})?$")]
    pub financial: Option<Money>,
    #[schema(value_type = Option<String>, pattern = r"^[0-9]{1,15}(\.[0-9]{1,2})?$")]
    pub other: Option<Money>,
}

/// A project to register; it starts in `reserve`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProject {
    #[schema(example = "yunyang-eco-2021-2025", min_length = 1)]
    pub plan: String,
    #[schema(example = "low_carbon", min_length = 1)]
    pub category: String,
    #[schema(
        example = "宝坪光伏二期项目",
        min_length = 1,
        max_length = 200,
        pattern = r"\S"
    )]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub description: String,
    #[schema(max_length = 200)]
    pub location: Option<String>,
    #[schema(max_length = 200)]
    pub scale: Option<String>,
    /// Required: a department registers only projects it leads.
    #[schema(value_type = String, format = Uuid)]
    pub lead_department: OrganizationId,
    /// A platform company registers only projects it implements.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub implementing_org: Option<OrganizationId>,
    #[schema(value_type = Option<i32>, minimum = 1900, maximum = 2100)]
    pub start_year: Option<Integer>,
    /// Not before `start_year`.
    #[schema(value_type = Option<i32>, minimum = 1900, maximum = 2100)]
    pub end_year: Option<Integer>,
    pub investment: Option<InvestmentInput>,
    #[schema(pattern = r"^[0-9]{4}-[0-9]{6}-[0-9]{2}-[0-9]{2}-[0-9]{5}[0-9A-Z]$")]
    pub national_code: Option<String>,
    #[schema(max_length = 200)]
    pub source_ref: Option<String>,
}

impl InvestmentInput {
    fn sources(&self) -> FundingSources {
        FundingSources {
            central: self.central,
            municipal: self.municipal,
            county: self.county,
            special_bonds: self.special_bonds,
            social_capital: self.social_capital,
            financial: self.financial,
            other: self.other,
        }
    }
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
            start_year: request.start_year.map(|year| year.0),
            end_year: request.end_year.map(|year| year.0),
            total: investment.total,
            sources: investment.sources(),
            // Taken as written: a code with a space around it is malformed, not trimmed.
            national_code: request.national_code,
            source_ref: optional_text(request.source_ref),
        }
    }
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

/// Changes to investment, merged member by member; `null` removes an amount.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvestmentPatch {
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = r"^[0-9]{1,15}(\.[0-9]{1,2})?$")]
    pub total: Patch<Money>,
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = r"^[0-9]{1,15}(\.[0-9]{1,2})?$")]
    pub central: Patch<Money>,
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = r"^[0-9]{1,15}(\.[0-9]{1,2})?$")]
    pub municipal: Patch<Money>,
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = r"^[0-9]{1,15}(\.[0-9]{1,2})?$")]
    pub county: Patch<Money>,
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = r"^[0-9]{1,15}(\.[0-9]{1,2})?$")]
    pub special_bonds: Patch<Money>,
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = r"^[0-9]{1,15}(\.[0-9]{1,2})?$")]
    pub social_capital: Patch<Money>,
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = r"^[0-9]{1,15}(\.[0-9]{1,2})?$")]
    pub financial: Patch<Money>,
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = r"^[0-9]{1,15}(\.[0-9]{1,2})?$")]
    pub other: Patch<Money>,
}

/// A JSON merge patch of a project (RFC 7396): members left out stay as they are, `null`
/// removes a value. `lead_department`, `code`, `plan` and `category` are the plan office's;
/// `implementing_org` also the lead department's. Computed fields are read-only.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectPatch {
    #[serde(default)]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub description: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub location: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub scale: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub lead_department: Patch<OrganizationId>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub implementing_org: Patch<OrganizationId>,
    #[serde(default)]
    #[schema(value_type = Option<i32>, minimum = 1900, maximum = 2100)]
    pub start_year: Patch<Integer>,
    #[serde(default)]
    #[schema(value_type = Option<i32>, minimum = 1900, maximum = 2100)]
    pub end_year: Patch<Integer>,
    #[serde(default)]
    #[schema(value_type = Option<InvestmentPatch>)]
    pub investment: Patch<InvestmentPatch>,
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = r"^[0-9]{4}-[0-9]{6}-[0-9]{2}-[0-9]{2}-[0-9]{5}[0-9A-Z]$")]
    pub national_code: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub source_ref: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = r"^[A-Za-z0-9-]{1,64}$")]
    pub code: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, min_length = 1)]
    pub plan: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, min_length = 1)]
    pub category: Patch<String>,
}

impl ProjectPatch {
    /// The members the patch sets, by name.
    fn present(&self) -> Vec<&'static str> {
        [
            ("name", self.name.is_present()),
            ("description", self.description.is_present()),
            ("location", self.location.is_present()),
            ("scale", self.scale.is_present()),
            ("lead_department", self.lead_department.is_present()),
            ("implementing_org", self.implementing_org.is_present()),
            ("start_year", self.start_year.is_present()),
            ("end_year", self.end_year.is_present()),
            ("investment", self.investment.is_present()),
            ("national_code", self.national_code.is_present()),
            ("source_ref", self.source_ref.is_present()),
            ("code", self.code.is_present()),
            ("plan", self.plan.is_present()),
            ("category", self.category.is_present()),
        ]
        .into_iter()
        .filter_map(|(name, present)| present.then_some(name))
        .collect()
    }

    /// Applies the patch to `details`; members that cannot be removed are named.
    fn apply(self, details: &mut ProjectDetails) -> Result<(), AppError> {
        let mut errors = Vec::new();
        let mut required = |field: &str| errors.push(FieldError::new(field, "cannot be removed"));
        match self.name {
            Patch::Value(name) => details.name = name,
            Patch::Null => required("name"),
            Patch::Absent => {}
        }
        for (field, patch) in [
            ("code", &self.code),
            ("plan", &self.plan),
            ("category", &self.category),
        ] {
            if *patch == Patch::Null {
                required(field);
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        details.description = self
            .description
            .apply(Some(details.description.clone()))
            .unwrap_or_default();
        details.location = optional_text(self.location.apply(details.location.take()));
        details.scale = optional_text(self.scale.apply(details.scale.take()));
        details.lead_department = self.lead_department.apply(details.lead_department);
        details.implementing_org = self.implementing_org.apply(details.implementing_org);
        details.start_year = self
            .start_year
            .apply(details.start_year.map(Integer))
            .map(|year| year.0);
        details.end_year = self
            .end_year
            .apply(details.end_year.map(Integer))
            .map(|year| year.0);
        // Taken as written: a code with a space around it is malformed, not trimmed.
        details.national_code = self.national_code.apply(details.national_code.take());
        details.source_ref = optional_text(self.source_ref.apply(details.source_ref.take()));
        let investment = match self.investment {
            Patch::Absent => InvestmentPatch::default(),
            Patch::Value(investment) => investment,
            Patch::Null => InvestmentPatch {
                total: Patch::Null,
                central: Patch::Null,
                municipal: Patch::Null,
                county: Patch::Null,
                special_bonds: Patch::Null,
                social_capital: Patch::Null,
                financial: Patch::Null,
                other: Patch::Null,
            },
        };
        let sources = &mut details.sources;
        details.total = investment.total.apply(details.total);
        sources.central = investment.central.apply(sources.central);
        sources.municipal = investment.municipal.apply(sources.municipal);
        sources.county = investment.county.apply(sources.county);
        sources.special_bonds = investment.special_bonds.apply(sources.special_bonds);
        sources.social_capital = investment.social_capital.apply(sources.social_capital);
        sources.financial = investment.financial.apply(sources.financial);
        sources.other = investment.other.apply(sources.other);
        Ok(())
    }
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
    let project_id = parse_project_id(&id)?;
    let if_match = IfMatch::from_request(&request);
    let patch: ProjectPatch = body::parse(patch)?;
    let project = db
        .write(move |conn| {
            let current = find_project(conn, project_id)?;
            let user = policy::change_project(&caller, &current)?;
            policy::change_fields(user, &patch.present())?;
            let version = if_match.expect(current.version)?;
            let placement = match (&patch.plan, &patch.category) {
                (Patch::Absent, Patch::Absent) => None,
                (plan, category) => {
                    let plan = match plan {
                        Patch::Value(plan) => plan.as_str(),
                        _ => current.plan.as_str(),
                    };
                    let category = match category {
                        Patch::Value(category) => category.as_str(),
                        _ => current.category.as_str(),
                    };
                    Some(db::projects::placement(conn, plan, category)?)
                }
            };
            let code = match &patch.code {
                Patch::Value(code) => Some(parse_code(code)?),
                _ => None,
            };
            let mut details = ProjectDetails::from(&current);
            patch.apply(&mut details)?;
            let errors = details.check();
            if !errors.is_empty() {
                return Err(AppError::Validation(errors));
            }
            db::projects::check_organizations(conn, &details)?;
            let updated = db::projects::update(
                conn,
                project_id,
                version,
                &details,
                placement,
                code.as_deref(),
            )?
            .ok_or(AppError::PreconditionFailed)?;
            audit::record(
                conn,
                &caller.actor(),
                Change::new("project.update", "project", project_id)
                    .before(&current)
                    .after(&updated),
            )?;
            Ok(updated)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(header::ETag(etag(&project)))
        .json(project))
}

/// A project code set by the plan office: 1–64 characters of letters, digits and `-`.
fn parse_code(code: &str) -> Result<String, AppError> {
    let valid = (1..=64).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if valid {
        Ok(code.to_owned())
    } else {
        Err(AppError::validation(
            "code",
            "must be 1 to 64 letters, digits or '-'",
        ))
    }
}

pub fn parse_project_id(id: &str) -> Result<ProjectId, AppError> {
    id.parse().map_err(|_| no_such_project(id))
}

fn no_such_project(id: impl std::fmt::Display) -> AppError {
    AppError::NotFound(format!("no project has the id {id}"))
}

/// Answers with what `read` finds for the project `id` (a 404 when there is no project).
pub async fn of_project<T: Serialize + Send + 'static>(
    db: &Database,
    id: &str,
    read: fn(&mut db::DbConnection, ProjectId) -> diesel::QueryResult<T>,
) -> Result<HttpResponse, AppError> {
    let project_id = parse_project_id(id)?;
    let found = db
        .run(move |conn| {
            find_project(conn, project_id)?;
            Ok::<_, AppError>(read(conn, project_id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(found))
}

/// The project, or a 404.
pub fn find_project(conn: &mut db::DbConnection, id: ProjectId) -> Result<Project, AppError> {
    db::projects::find(conn, id)?.ok_or_else(|| no_such_project(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(query: &str) -> Vec<String> {
        match ListParams::parse(query) {
            Err(AppError::Validation(errors)) => {
                let mut fields: Vec<String> = errors.into_iter().map(|e| e.field).collect();
                fields.sort();
                fields
            }
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
            ["colour", "lead_department", "limit", "sort", "status"]
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
