use actix_web::{HttpRequest, HttpResponse, http::header, web};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::{
    body,
    extract::{client_address, request_id},
};
use crate::{
    auth::{Caller, policy, token::TokenKeys},
    db::Database,
    domain::user::{NewPassword, User},
    error::{AppError, Problem},
    ops::{
        sessions::{self, Credentials, LoginResponse},
        users,
    },
};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "admin")]
    pub username: String,
    #[schema(example = "a long passphrase")]
    pub password: String,
}

/// Exchanges a username and password for an access token.
#[utoipa::path(post, path = "/api/v1/auth/login", operation_id = "auth_login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "signed in", body = LoginResponse),
        (status = 401, description = "unknown user or wrong password (the same answer for both)",
            body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "the body is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "too many failures for this username or address",
            body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "seconds to wait"))),
        (status = 503, description = "too many passwords are being checked; try again shortly",
            body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "seconds to wait"))),
    ))]
pub async fn login(
    database: web::Data<Database>,
    keys: web::Data<TokenKeys>,
    request: HttpRequest,
    credentials: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    let response = sessions::login(&database, &keys, presented(&request, credentials)?).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(response))
}

/// The username and password of a login body, with where the request came from: the API's
/// login and the console's read them alike.
pub fn presented(request: &HttpRequest, body: web::Json<Value>) -> Result<Credentials, AppError> {
    let LoginRequest { username, password } = body::parse(body)?;
    Ok(Credentials {
        username,
        password,
        client_address: client_address(request),
        request_id: request_id(request),
    })
}

/// The caller.
#[utoipa::path(get, path = "/api/v1/me", operation_id = "auth_me", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "the signed-in user", body = User),
        (status = 403, description = "API keys have no user", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn me(database: web::Data<Database>, caller: Caller) -> Result<HttpResponse, AppError> {
    let user = database.run(move |conn| users::me(conn, &caller)).await?;
    Ok(HttpResponse::Ok().json(user))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// At least 12 characters, not a common password.
    #[schema(min_length = 12, max_length = 256)]
    pub new_password: String,
}

/// Changes the caller's password; every token issued before stops working.
#[utoipa::path(post, path = "/api/v1/me/password", operation_id = "auth_change_password", tag = "auth", security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "changed; sign in again"),
        (status = 403, description = "API keys have no password", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "wrong current password, or a new one the policy refuses",
            body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "too many wrong passwords for this user or address (counted with failed logins)",
            body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "seconds to wait"))),
        (status = 503, description = "too many passwords are being checked; try again shortly",
            body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "seconds to wait"))),
    ))]
pub async fn change_password(
    database: web::Data<Database>,
    caller: Caller,
    request: HttpRequest,
    change: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    policy::user(&caller)?;
    let change: PasswordChange = body::parse(change)?;
    let new_password = NewPassword::parse(&change.new_password)
        .map_err(|why| AppError::validation("new_password", why))?;
    sessions::change_password(
        &database,
        &caller,
        change.current_password,
        new_password,
        client_address(&request),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
