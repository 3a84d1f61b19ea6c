//! The console's browser sessions (see the migration `console_sessions`).

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::{DbConnection, schema::console_sessions};
use crate::domain::UserId;

/// A stored session, found by the hash of its cookie's secret.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = console_sessions)]
pub struct StoredSession {
    pub user_id: UserId,
    pub token_version: i32,
    pub csrf_token: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
}

pub fn insert(
    conn: &mut DbConnection,
    id_hash: &str,
    user_id: UserId,
    token_version: i32,
    csrf_token: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(console_sessions::table)
        .values((
            console_sessions::id.eq(id_hash),
            console_sessions::user_id.eq(user_id),
            console_sessions::token_version.eq(token_version),
            console_sessions::csrf_token.eq(csrf_token),
            console_sessions::created_at.eq(at),
            console_sessions::last_seen_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConnection, id_hash: &str) -> QueryResult<Option<StoredSession>> {
    console_sessions::table
        .find(id_hash)
        .select(StoredSession::as_select())
        .first(conn)
        .optional()
}

/// Records activity; sessions idle longer than `idle` (everyone's) are deleted on the way.
pub fn touch(
    conn: &mut DbConnection,
    id_hash: &str,
    at: NaiveDateTime,
    idle: Duration,
) -> QueryResult<()> {
    diesel::delete(console_sessions::table.filter(console_sessions::last_seen_at.lt(at - idle)))
        .execute(conn)?;
    diesel::update(console_sessions::table.find(id_hash))
        .set(console_sessions::last_seen_at.eq(at))
        .execute(conn)
        .map(drop)
}

pub fn delete(conn: &mut DbConnection, id_hash: &str) -> QueryResult<()> {
    diesel::delete(console_sessions::table.find(id_hash))
        .execute(conn)
        .map(drop)
}
