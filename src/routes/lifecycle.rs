use actix_web::{HttpRequest, HttpResponse, web};
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
    domain::{
        ProjectStatus, lifecycle::Transition, project::Project, reserve::WithdrawalReason,
        status::UnknownStatus,
    },
    error::{AppError, Problem},
    ops::projects::{self, Move},
};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    /// The status to move to.
    #[schema(value_type = ProjectStatus)]
    pub to: String,
    /// Why; required to withdraw, to re-enter and to correct.
    pub note: Option<String>,
    /// Why a withdrawal, as a code: `merged`, `cancelled_by_owner`, `funding_unavailable` or
    /// `other` (the default; the note says why). `expired` is the reserve sweep's alone.
    #[schema(value_type = Option<WithdrawalReason>)]
    pub reason: Option<String>,
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
    let id = path_id(&id, projects::not_found)?;
    let if_match = if_match(&request);
    let move_request: TransitionRequest = body::parse(move_request)?;
    let to: ProjectStatus = move_request
        .to
        .parse()
        .map_err(|error: UnknownStatus| AppError::validation("to", error.to_string()))?;
    let reason = move_request
        .reason
        .map(|reason| reason.parse::<WithdrawalReason>())
        .transpose()
        .map_err(|error| AppError::validation("reason", error.to_string()))?;
    let request = Move {
        to,
        note: move_request.note,
        reason,
    };
    let project = db
        .write(move |conn| projects::transition(conn, &caller, id, &if_match, request))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), &project))
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
    let id = path_id(&id, projects::not_found)?;
    let history = db
        .run(move |conn| projects::transitions(conn, &caller, id))
        .await?;
    Ok(HttpResponse::Ok().json(history))
}
