//! API keys of external tools (read-only credentials).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::{DbConnection, now, schema::api_keys, to_utc};
use crate::domain::{ApiKeyId, UserId};

/// An API key as listed (the key itself is shown only once, at creation).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKey {
    #[schema(value_type = String, format = Uuid)]
    pub id: ApiKeyId,
    #[schema(example = "财政绩效评价系统")]
    pub name: String,
    #[schema(value_type = String, format = Uuid)]
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    /// Set once revoked; a revoked key no longer authenticates.
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = api_keys)]
struct ApiKeyRow {
    id: ApiKeyId,
    name: String,
    created_by: UserId,
    created_at: NaiveDateTime,
    revoked_at: Option<NaiveDateTime>,
}

fn into_api_key(row: ApiKeyRow) -> QueryResult<ApiKey> {
    Ok(ApiKey {
        id: row.id,
        name: row.name,
        created_by: row.created_by,
        created_at: to_utc(row.created_at),
        revoked_at: row.revoked_at.map(to_utc),
    })
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<ApiKey>> {
    api_keys::table
        .select(ApiKeyRow::as_select())
        .order((api_keys::created_at.asc(), api_keys::id.asc()))
        .load(conn)?
        .into_iter()
        .map(into_api_key)
        .collect()
}

pub fn find(conn: &mut DbConnection, id: ApiKeyId) -> QueryResult<Option<ApiKey>> {
    api_keys::table
        .find(id)
        .select(ApiKeyRow::as_select())
        .first(conn)
        .optional()?
        .map(into_api_key)
        .transpose()
}

pub fn insert(
    conn: &mut DbConnection,
    name: &str,
    key_hash: &str,
    created_by: UserId,
) -> QueryResult<ApiKey> {
    let id = ApiKeyId::new_random();
    diesel::insert_into(api_keys::table)
        .values((
            api_keys::id.eq(id),
            api_keys::name.eq(name),
            api_keys::key_hash.eq(key_hash),
            api_keys::created_by.eq(created_by),
            api_keys::created_at.eq(now()),
        ))
        .execute(conn)?;
    find(conn, id)?.ok_or(diesel::result::Error::NotFound)
}

/// Revokes a key that is not revoked yet; `None` when there is no such active key.
pub fn revoke(conn: &mut DbConnection, id: ApiKeyId) -> QueryResult<Option<ApiKey>> {
    let revoked = diesel::update(
        api_keys::table
            .find(id)
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(now()))
    .execute(conn)?;
    if revoked == 0 {
        return Ok(None);
    }
    find(conn, id)
}

/// The id of the unrevoked key with this hash.
pub fn find_active(conn: &mut DbConnection, key_hash: &str) -> QueryResult<Option<ApiKeyId>> {
    api_keys::table
        .filter(api_keys::key_hash.eq(key_hash))
        .filter(api_keys::revoked_at.is_null())
        .select(api_keys::id)
        .first(conn)
        .optional()
}
