use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::{body, extract::path_id};
use crate::{
    auth::{Caller, password, policy},
    db::Database,
    domain::{
        FieldError, OrganizationId,
        user::{NewPassword, Role, User, Username},
    },
    error::{AppError, Problem},
    ops::users::{self, AccountChanges, NewAccount},
};

/// All users (plan office only).
#[utoipa::path(get, path = "/api/v1/users", operation_id = "users_list", tag = "administration", security(("bearer" = [])),
    responses(
        (status = 200, description = "the users, by username", body = Vec<User>),
        (status = 403, description = "not the plan office", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(database: web::Data<Database>, caller: Caller) -> Result<HttpResponse, AppError> {
    let users = database.run(move |conn| users::list(conn, &caller)).await?;
    Ok(HttpResponse::Ok().json(users))
}

/// One user (plan office only; everyone reads themselves at `/me`).
#[utoipa::path(get, path = "/api/v1/users/{id}", operation_id = "users_get", tag = "administration", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid)),
    responses(
        (status = 200, description = "the user", body = User),
        (status = 403, description = "not the plan office", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such user", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    database: web::Data<Database>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    policy::plan_office(&caller)?;
    let id = path_id(&id, users::not_found)?;
    let user = database
        .run(move |conn| users::find(conn, &caller, id))
        .await?;
    Ok(HttpResponse::Ok().json(user))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// 3–64 characters: lower-case letters, digits, `.`, `_`, `-`.
    #[schema(example = "eco-dept", pattern = r"^[a-z0-9._-]{3,64}$")]
    pub username: String,
    /// At least 12 characters, not a common password.
    #[schema(min_length = 12, max_length = 256)]
    pub password: String,
    pub role: Role,
    /// Its kind must fit the role (a department user in a department, …; a viewer anywhere).
    #[schema(value_type = String, format = Uuid)]
    pub organization_id: OrganizationId,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub display_name: String,
}

/// Adds a user (plan office only).
#[utoipa::path(post, path = "/api/v1/users", operation_id = "users_create", tag = "administration", security(("bearer" = [])),
    request_body = NewUser,
    responses(
        (status = 201, description = "added", body = User),
        (status = 403, description = "not the plan office", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "the username is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    database: web::Data<Database>,
    caller: Caller,
    request: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    policy::plan_office(&caller)?;
    let request: NewUser = body::parse(request)?;
    let mut errors = Vec::new();
    let username = Username::parse(&request.username)
        .map_err(|why| errors.push(FieldError::new("username", why)))
        .ok();
    let password = NewPassword::parse(&request.password)
        .map_err(|why| errors.push(FieldError::new("password", why)))
        .ok();
    let (Some(username), Some(password)) = (username, password) else {
        return Err(crate::domain::Error::Validation(errors).into());
    };
    let new = NewAccount {
        username,
        display_name: request.display_name,
        password_hash: password::hash(&password).await?,
        role: request.role,
        organization_id: request.organization_id,
    };
    let user = database
        .write(move |conn| users::create(conn, &caller, new))
        .await?;
    Ok(HttpResponse::Created().json(user))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    #[schema(max_length = 200)]
    pub display_name: Option<String>,
    pub role: Option<Role>,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub organization_id: Option<OrganizationId>,
    /// `false` deactivates the user: its tokens stop working at once.
    pub active: Option<bool>,
    /// Sets a new password (its tokens stop working).
    #[schema(min_length = 12, max_length = 256)]
    pub password: Option<String>,
}

/// Changes a user (plan office only).
#[utoipa::path(patch, path = "/api/v1/users/{id}", operation_id = "users_update", tag = "administration", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid)),
    request_body = UserUpdate,
    responses(
        (status = 200, description = "changed", body = User),
        (status = 403, description = "not the plan office", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "a plan office user cannot deactivate or demote itself", body = Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update(
    database: web::Data<Database>,
    caller: Caller,
    id: web::Path<String>,
    request: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    let me = policy::plan_office(&caller)?.id;
    let id = path_id(&id, users::not_found)?;
    let update: UserUpdate = body::parse(request)?;
    let mut changes = AccountChanges {
        display_name: update.display_name,
        role: update.role,
        organization_id: update.organization_id,
        active: update.active,
        password_hash: None,
    };
    // Refused before the slow hashing of a new password.
    users::self_demotion_refused(me, id, &changes)?;
    if let Some(text) = update.password {
        let password =
            NewPassword::parse(&text).map_err(|why| AppError::validation("password", why))?;
        changes.password_hash = Some(password::hash(&password).await?);
    }
    let user = database
        .write(move |conn| users::update(conn, &caller, id, changes))
        .await?;
    Ok(HttpResponse::Ok().json(user))
}
