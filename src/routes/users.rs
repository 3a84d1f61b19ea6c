use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::body;
use crate::{
    accounts,
    auth::{Caller, password, policy},
    db::{
        self, Database,
        audit::{self, Change},
        users::{NewUser as NewUserRecord, UserChanges},
    },
    domain::{
        FieldError, OrganizationId, UserId,
        user::{NewPassword, Role, User, Username},
    },
    error::{AppError, Problem},
};

fn not_found(id: &str) -> AppError {
    AppError::NotFound(format!("no user has the id {id}"))
}

/// All users (plan office only).
#[utoipa::path(get, path = "/api/v1/users", operation_id = "users_list", tag = "administration", security(("bearer" = [])),
    responses(
        (status = 200, description = "the users, by username", body = Vec<User>),
        (status = 403, description = "not the plan office", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(database: web::Data<Database>, caller: Caller) -> Result<HttpResponse, AppError> {
    policy::plan_office(&caller)?;
    let users = database
        .run(|conn| db::users::list(conn).map_err(AppError::from))
        .await?;
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
    let user_id: UserId = id.parse().map_err(|_| not_found(&id))?;
    let user = database
        .run(move |conn| db::users::find(conn, user_id).map_err(AppError::from))
        .await?
        .ok_or_else(|| not_found(&id))?;
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
        return Err(AppError::Validation(errors));
    };
    let password_hash = password::hash(&password).await?;
    let actor = caller.actor();
    let user = database
        .write(move |conn| {
            accounts::check_membership(conn, request.role, request.organization_id, "role")?;
            if db::users::find_account_by_username(conn, username.as_str())?.is_some() {
                return Err(AppError::Conflict(format!(
                    "the username {:?} is taken",
                    username.as_str()
                )));
            }
            let user = db::users::insert(
                conn,
                &NewUserRecord {
                    username: &username,
                    display_name: request.display_name.trim(),
                    password_hash: &password_hash,
                    role: request.role,
                    organization_id: request.organization_id,
                },
            )?;
            audit::record(
                conn,
                &actor,
                Change::new("user.create", "user", user.id).after(&user),
            )?;
            Ok(user)
        })
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
    let user_id: UserId = id.parse().map_err(|_| not_found(&id))?;
    let update: UserUpdate = body::parse(request)?;
    if user_id == me
        && (update.active == Some(false)
            || update.role.is_some_and(|role| role != Role::PlanOffice))
    {
        return Err(AppError::Conflict(
            "you cannot deactivate or demote yourself; another plan office user can".to_owned(),
        ));
    }
    let password_hash = match update.password {
        Some(text) => {
            let password =
                NewPassword::parse(&text).map_err(|why| AppError::validation("password", why))?;
            Some(password::hash(&password).await?)
        }
        None => None,
    };
    let actor = caller.actor();
    let user = database
        .write(move |conn| {
            let before = db::users::find(conn, user_id)?.ok_or_else(|| not_found(&id))?;
            if update.role.is_some() || update.organization_id.is_some() {
                let role = update.role.unwrap_or(before.role);
                let organization_id = update.organization_id.unwrap_or(before.organization_id);
                accounts::check_membership(conn, role, organization_id, "role")?;
            }
            let after = db::users::update(
                conn,
                user_id,
                UserChanges {
                    display_name: update.display_name.map(|name| name.trim().to_owned()),
                    role: update.role,
                    organization_id: update.organization_id,
                    active: update.active,
                    password_hash,
                },
            )?;
            audit::record(
                conn,
                &actor,
                Change::new("user.update", "user", user_id)
                    .before(&before)
                    .after(&after),
            )?;
            Ok::<_, AppError>(after)
        })
        .await?;
    Ok(HttpResponse::Ok().json(user))
}
