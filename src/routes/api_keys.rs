use actix_web::{HttpResponse, http::header, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::body;
use crate::{
    auth::{Caller, api_key, policy},
    db::{
        self, Database,
        api_keys::ApiKey,
        audit::{self, Change},
    },
    domain::ApiKeyId,
    error::{AppError, Problem},
};

fn not_found(id: &str) -> AppError {
    AppError::NotFound(format!("no active API key has the id {id}"))
}

/// All API keys, revoked ones included; never the keys themselves (plan office only).
#[utoipa::path(get, path = "/api/v1/api-keys", operation_id = "api_keys_list", tag = "administration", security(("bearer" = [])),
    responses(
        (status = 200, description = "the keys", body = Vec<ApiKey>),
        (status = 403, description = "not the plan office", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(database: web::Data<Database>, caller: Caller) -> Result<HttpResponse, AppError> {
    policy::plan_office(&caller)?;
    let keys = database
        .run(|conn| db::api_keys::list(conn).map_err(AppError::from))
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
    let creator = policy::plan_office(&caller)?.id;
    let request: NewApiKey = body::parse(request)?;
    let name = request.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::validation(
            "name",
            "must be 1 to 200 characters, not blank",
        ));
    }
    let (key, key_hash) = api_key::generate();
    let actor = caller.actor();
    let created = database
        .write(move |conn| {
            let created = db::api_keys::insert(conn, &name, &key_hash, creator)?;
            audit::record(
                conn,
                &actor,
                Change::new("api_key.create", "api_key", created.id).after(&created),
            )?;
            Ok::<_, AppError>(created)
        })
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
    let key_id: ApiKeyId = id.parse().map_err(|_| not_found(&id))?;
    let actor = caller.actor();
    database
        .write(move |conn| {
            let before = db::api_keys::find(conn, key_id)?;
            let after = db::api_keys::revoke(conn, key_id)?.ok_or_else(|| not_found(&id))?;
            audit::record(
                conn,
                &actor,
                Change::new("api_key.revoke", "api_key", key_id)
                    .before(&before)
                    .after(&after),
            )?;
            Ok::<_, AppError>(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
