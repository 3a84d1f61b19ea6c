use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{extract::path_id, query};
use crate::{
    auth::{Caller, policy},
    db::{
        Database,
        audit::{AuditEntry, AuditFilter, Verification},
    },
    domain::{
        Error,
        listing::{PageLimit, decode_cursor, encode_cursor},
    },
    error::{AppError, Problem},
    ops::{self, audit::Position as After},
};

/// A page of audit entries, oldest first.
#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub next_cursor: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Position {
    at: DateTime<Utc>,
    id: String,
}

/// Reads `limit` and `cursor` (and, for the whole trail, the filters) from the query.
fn page_params(
    request: &HttpRequest,
    filters: bool,
) -> Result<(AuditFilter, PageLimit, Option<Position>), Error> {
    const PAGING: [&str; 2] = ["limit", "cursor"];
    const ALL: [&str; 7] = [
        "limit",
        "cursor",
        "entity_type",
        "entity_id",
        "actor",
        "since",
        "until",
    ];
    let known: &[&str] = if filters { &ALL } else { &PAGING };
    let mut errors = query::Errors::default();
    let mut filter = AuditFilter::default();
    let mut limit = PageLimit::default();
    let mut position = None;
    for (name, value) in query::pairs(request.query_string(), known, &[], &mut errors) {
        match name.as_str() {
            "limit" => limit = errors.take(&name, value.parse()).unwrap_or_default(),
            "cursor" => {
                position = errors.take(
                    &name,
                    decode_cursor::<Position>(&value)
                        .filter(|position| crate::domain::listing::storable(&position.at))
                        .ok_or("is not a cursor this service handed out"),
                )
            }
            "entity_type" => filter.entity_type = errors.take(&name, non_empty(value)),
            "entity_id" => filter.entity_id = errors.take(&name, non_empty(value)),
            "actor" => filter.actor_id = errors.take(&name, non_empty(value)),
            "since" => {
                filter.since = errors
                    .take(&name, query::parse_rfc3339(&value))
                    .map(|t| t.naive_utc())
            }
            _ => {
                filter.until = errors
                    .take(&name, query::parse_rfc3339(&value))
                    .map(|t| t.naive_utc())
            }
        }
    }
    errors.finish()?;
    Ok((filter, limit, position))
}

/// A filter's value. An empty one is refused, as the contract's `minLength` says: it would
/// match no entry, where a client that sent `entity_type=` most likely meant no filter.
fn non_empty(value: String) -> Result<String, &'static str> {
    if value.is_empty() {
        Err("must not be empty")
    } else {
        Ok(value)
    }
}

/// The page of entries `read` finds, with the cursor of the next one.
async fn page(
    db: &Database,
    limit: PageLimit,
    after: Option<Position>,
    read: impl FnOnce(
        &mut crate::db::DbConnection,
        Option<After>,
        u32,
    ) -> Result<(Vec<AuditEntry>, bool), Error>
    + Send
    + 'static,
) -> Result<AuditPage, AppError> {
    let after = after.map(|position| (position.at.naive_utc(), position.id));
    let (items, has_more) = db.run(move |conn| read(conn, after, limit.get())).await?;
    let next_cursor = match items.last() {
        Some(last) if has_more => Some(encode_cursor(&Position {
            at: last.at,
            id: last.id.clone(),
        })),
        _ => None,
    };
    Ok(AuditPage { items, next_cursor })
}

/// The audit trail (plan office and finance): every write, oldest first.
#[utoipa::path(get, path = "/api/v1/audit", operation_id = "audit_trail", tag = "audit", security(("bearer" = [])),
    params(
        ("entity_type" = Option<String>, Query, min_length = 1, description = "e.g. project, report, user, organization, api_key"),
        ("entity_id" = Option<String>, Query, min_length = 1),
        ("actor" = Option<String>, Query, min_length = 1, description = "the acting user's or API key's id"),
        ("since" = Option<DateTime<Utc>>, Query, description = "RFC 3339, inclusive"),
        ("until" = Option<DateTime<Utc>>, Query, description = "RFC 3339, exclusive"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200),
        ("cursor" = Option<String>, Query, min_length = 1),
    ),
    responses(
        (status = 200, description = "one page", body = AuditPage),
        (status = 403, description = "not the plan office or finance", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "a parameter is invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn trail(
    db: web::Data<Database>,
    caller: Caller,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    policy::read_audit(&caller)?;
    let (filter, limit, after) = page_params(&request, true)?;
    let page = page(&db, limit, after, move |conn, after, limit| {
        ops::audit::trail(conn, &caller, &filter, after, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// A project's audit entries (plan office and finance), oldest first.
#[utoipa::path(get, path = "/api/v1/projects/{id}/history", operation_id = "audit_project_history", tag = "audit", security(("bearer" = [])),
    params(
        ("id" = String, Path, format = Uuid),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200),
        ("cursor" = Option<String>, Query, min_length = 1),
    ),
    responses(
        (status = 200, description = "one page", body = AuditPage),
        (status = 403, description = "not the plan office or finance", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such project", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "a parameter is invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn project_history(
    db: web::Data<Database>,
    caller: Caller,
    request: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    policy::read_audit(&caller)?;
    let id = path_id(&id, ops::projects::not_found)?;
    let (_, limit, after) = page_params(&request, false)?;
    let page = page(&db, limit, after, move |conn, after, limit| {
        ops::audit::project_history(conn, &caller, id, after, limit)
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Checks the audit trail's hash chain from its first entry to its last (plan office): an
/// entry edited, removed or moved by hand, or one added outside the registry, is reported
/// where the chain first breaks. A broken chain is still a 200 (`ok: false`).
#[utoipa::path(get, path = "/api/v1/audit/verify", operation_id = "audit_verify", tag = "audit", security(("bearer" = [])),
    responses(
        (status = 200, description = "what the walk found", body = Verification),
        (status = 403, description = "not the plan office", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn verify(db: web::Data<Database>, caller: Caller) -> Result<HttpResponse, AppError> {
    policy::plan_office(&caller)?;
    let verification = db
        .run(move |conn| ops::audit::verify(conn, &caller))
        .await?;
    Ok(HttpResponse::Ok().json(verification))
}
