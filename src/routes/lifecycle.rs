use actix_web::{HttpRequest, HttpResponse, http::header, web};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::{
    body,
    preconditions::IfMatch,
    projects::{etag, find_project, of_project, parse_project_id},
};
use crate::{
    auth::{Caller, policy},
    db::{
        self, Database,
        audit::{self, Change},
    },
    domain::{
        ProjectStatus,
        lifecycle::{self, Facts, Transition},
        project::Project,
    },
    error::{AppError, Problem},
};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    /// The status to move to.
    #[schema(value_type = ProjectStatus)]
    pub to: String,
    /// Why; required to withdraw, to re-enter and to correct.
    pub note: Option<String>,
}

/// Moves a project through its lifecycle, if `If-Match` names its current version.
#[utoipa::path(post, path = "/api/v1/projects/{id}/transitions", operation_id = "lifecycle_transition", tag = "projects", security(("bearer" = [])),
    params(
        ("id" = String, Path, format = Uuid),
        ("If-Match" = String, Header, description = "the project's ETag"),
    ),
    request_body = TransitionRequest,
    responses(
        (status = 200, description = "moved", body = Project, headers(("ETag" = String))),
        (status = 403, description = "the caller may not make this move", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such project", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "the lifecycle has no such move", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "the project changed since that version", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "unknown status, or a precondition is missing (named)", body = Problem,
            content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn transition(
    db: web::Data<Database>,
    caller: Caller,
    request: HttpRequest,
    id: web::Path<String>,
    move_request: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    policy::project_editor(&caller)?;
    let project_id = parse_project_id(&id)?;
    let if_match = IfMatch::from_request(&request);
    let move_request: TransitionRequest = body::parse(move_request)?;
    let to: ProjectStatus =
        move_request
            .to
            .parse()
            .map_err(|error: crate::domain::status::UnknownStatus| {
                AppError::validation("to", error.to_string())
            })?;
    let note = move_request
        .note
        .map(|note| note.trim().to_owned())
        .filter(|note| !note.is_empty());
    let project = db
        .write(move |conn| {
            let current = find_project(conn, project_id)?;
            let user = policy::change_project(&caller, &current)?;
            let version = if_match.expect(current.version)?;
            let from = current.status;
            let kind = lifecycle::classify(from, to).ok_or_else(|| {
                AppError::Conflict(format!("a project cannot move from {from} to {to}"))
            })?;
            policy::transition(user, kind)?;
            let facts = Facts {
                has_lead_department: current.lead_department.is_some(),
                has_total: current.investment.total.is_some(),
                has_start_year: current.start_year.is_some(),
                has_end_year: current.end_year.is_some(),
                has_completed_investment: current.completed_investment.to_fen() > 0,
            };
            let missing = lifecycle::missing(from, to, kind, facts, note.as_deref());
            if !missing.is_empty() {
                return Err(AppError::Validation(missing));
            }
            let moved = db::projects::change_status(
                conn,
                project_id,
                version,
                from,
                to,
                note.as_deref(),
                Some(user.id.to_string()),
            )?;
            if !moved {
                return Err(AppError::PreconditionFailed);
            }
            let updated = find_project(conn, project_id)?;
            audit::record(
                conn,
                &caller.actor(),
                Change::new("project.transition", "project", project_id)
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

/// The project's lifecycle history, from its registration on.
#[utoipa::path(get, path = "/api/v1/projects/{id}/transitions", operation_id = "lifecycle_history", tag = "projects", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid)),
    responses(
        (status = 200, description = "oldest first", body = Vec<Transition>),
        (status = 403, description = "API keys read projects only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such project", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn history(
    db: web::Data<Database>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    policy::user(&caller)?;
    of_project(&db, &id, db::projects::transitions).await
}
