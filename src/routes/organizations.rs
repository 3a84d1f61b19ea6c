use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::{body, extract::path_id};
use crate::{
    auth::{Caller, policy},
    db::Database,
    domain::organization::{Organization, OrganizationKind, parse_organization_name},
    error::{AppError, Problem},
    ops::organizations,
};

/// All organizations (plan office only).
#[utoipa::path(get, path = "/api/v1/organizations", operation_id = "organizations_list", tag = "administration", security(("bearer" = [])),
    responses(
        (status = 200, description = "the organizations, by name", body = Vec<Organization>),
        (status = 403, description = "not the plan office", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(database: web::Data<Database>, caller: Caller) -> Result<HttpResponse, AppError> {
    let list = database
        .run(move |conn| organizations::list(conn, &caller))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// One organization (plan office only).
#[utoipa::path(get, path = "/api/v1/organizations/{id}", operation_id = "organizations_get", tag = "administration", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid)),
    responses(
        (status = 200, description = "the organization", body = Organization),
        (status = 403, description = "not the plan office", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such organization", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    database: web::Data<Database>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    policy::plan_office(&caller)?;
    let id = path_id(&id, organizations::not_found)?;
    let organization = database
        .run(move |conn| organizations::find(conn, &caller, id))
        .await?;
    Ok(HttpResponse::Ok().json(organization))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganization {
    #[schema(
        example = "云阳县城市发展投资集团有限公司",
        min_length = 1,
        max_length = 200
    )]
    pub name: String,
    pub kind: OrganizationKind,
}

/// Registers an organization (plan office only).
#[utoipa::path(post, path = "/api/v1/organizations", operation_id = "organizations_create", tag = "administration", security(("bearer" = [])),
    request_body = NewOrganization,
    responses(
        (status = 201, description = "registered", body = Organization),
        (status = 403, description = "not the plan office", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "the name is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    database: web::Data<Database>,
    caller: Caller,
    request: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    policy::plan_office(&caller)?;
    let request: NewOrganization = body::parse(request)?;
    let name =
        parse_organization_name(&request.name).map_err(|why| AppError::validation("name", why))?;
    let organization = database
        .write(move |conn| organizations::create(conn, &caller, name, request.kind))
        .await?;
    Ok(HttpResponse::Created().json(organization))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationChanges {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// `false` deactivates: no new projects or users for it.
    pub active: Option<bool>,
}

/// Renames or (de)activates an organization (plan office only).
#[utoipa::path(patch, path = "/api/v1/organizations/{id}", operation_id = "organizations_update", tag = "administration", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid)),
    request_body = OrganizationChanges,
    responses(
        (status = 200, description = "changed", body = Organization),
        (status = 403, description = "not the plan office", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such organization", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "the name is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update(
    database: web::Data<Database>,
    caller: Caller,
    id: web::Path<String>,
    request: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    policy::plan_office(&caller)?;
    let id = path_id(&id, organizations::not_found)?;
    let changes: OrganizationChanges = body::parse(request)?;
    let name = changes
        .name
        .as_deref()
        .map(parse_organization_name)
        .transpose()
        .map_err(|why| AppError::validation("name", why))?;
    let organization = database
        .write(move |conn| organizations::update(conn, &caller, id, name, changes.active))
        .await?;
    Ok(HttpResponse::Ok().json(organization))
}
