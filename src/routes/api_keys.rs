use actix_web::{HttpResponse, http::header, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{body, extract::path_id};
use crate::{
    auth::{Caller, policy},
    db::{Database, api_keys::ApiKey},
    domain::ApiKeyId,
    error::{AppError, Problem},
    ops::api_keys,
};

/// All API keys, revoked ones included; never the keys themselves (plan office only).
#[utoipa::path(get, path = "/api/v1/api-keys", operation_id = "api_keys_list", tag = "administration", security(("bearer" = [])),
    responses(
        (status = 200, description = "the keys", body = Vec<ApiKey>),
        (status = 403, description = "not the plan office", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(database: web::Data<Database>, caller: Caller) -> Result<HttpResponse, AppError> {
    let keys = database
        .run(move |conn| api_keys::list(conn, &caller))
        .await?;
    Ok(HttpResponse::Ok().json(keys))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiKey {
    /// What the key is for, e.g. the tool's name.
    #[schema(
        example = "财政绩效评价系统",
        min_length = 1,
        max_length = 200,
        pattern = r"\S"
    )]
    pub name: String,
}

/// A new key: `key` is shown only in this response.
#[derive(Serialize, ToSchema)]
pub struct CreatedApiKey {
    #[schema(value_type = String, format = Uuid)]
    pub id: ApiKeyId,
    pub name: String,
    /// `prk_…`: send as `Authorization: Bearer <key>`. Stored only as a hash.
    pub key: String,
    pub created_at: DateTime<Utc>,
}

/// Issues a read-only API key for an external tool (plan office only).
#[utoipa::path(post, path = "/api/v1/api-keys", operation_id = "api_keys_create", tag = "administration", security(("bearer" = [])),
    request_body = NewApiKey,
    responses(
        (status = 201, description = "issued; the key is shown only now", body = CreatedApiKey),
        (status = 403, description = "not the plan office", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    database: web::Data<Database>,
    caller: Caller,
    request: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    policy::plan_office(&caller)?;
    let request: NewApiKey = body::parse(request)?;
    let name = api_keys::parse_name(&request.name)?;
    let (created, key) = database
        .write(move |conn| api_keys::issue(conn, &caller, name))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(CreatedApiKey {
            id: created.id,
            name: created.name,
            key,
            created_at: created.created_at,
        }))
}

/// Revokes an API key at once (plan office only).
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", operation_id = "api_keys_revoke", tag = "administration", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid)),
    responses(
        (status = 204, description = "revoked"),
        (status = 403, description = "not the plan office", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such active key", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn revoke(
    database: web::Data<Database>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    policy::plan_office(&caller)?;
    let id: ApiKeyId = path_id(&id, api_keys::not_found)?;
    database
        .write(move |conn| api_keys::revoke(conn, &caller, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
