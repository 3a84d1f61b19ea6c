//! The record of spreadsheet imports.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::{
    DbConnection, now,
    schema::{imports, plans},
    to_utc,
};
use crate::domain::{PlanId, UserId, import::Counts};

/// An import as recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportRecord {
    pub id: String,
    /// The plan's code.
    pub plan: String,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub user_id: Option<UserId>,
    pub file_name: String,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    pub dry_run: bool,
    pub counts: Counts,
    pub created_at: DateTime<Utc>,
}

/// What to record.
pub struct NewImport<'a> {
    pub id: &'a str,
    pub plan_id: PlanId,
    pub user_id: Option<UserId>,
    pub file_name: &'a str,
    pub sha256: &'a str,
    pub dry_run: bool,
    pub counts: Counts,
}

pub fn insert(conn: &mut DbConnection, new: &NewImport<'_>) -> QueryResult<()> {
    diesel::insert_into(imports::table)
        .values((
            imports::id.eq(new.id),
            imports::plan_id.eq(new.plan_id),
            imports::user_id.eq(new.user_id),
            imports::file_name.eq(new.file_name),
            imports::sha256.eq(new.sha256),
            imports::dry_run.eq(new.dry_run),
            imports::created.eq(new.counts.create),
            imports::updated.eq(new.counts.update),
            imports::unchanged.eq(new.counts.unchanged),
            imports::errors.eq(new.counts.error),
            imports::reports.eq(new.counts.report),
            imports::created_at.eq(now()),
        ))
        .execute(conn)
        .map(drop)
}

type Row = (
    String,
    String,
    Option<UserId>,
    String,
    String,
    bool,
    (i32, i32, i32, i32, i32),
    NaiveDateTime,
);

fn into_record(
    (id, plan, user_id, file_name, sha256, dry_run, (create, update, unchanged, error, report), at): Row,
) -> ImportRecord {
    ImportRecord {
        id,
        plan,
        user_id,
        file_name,
        sha256,
        dry_run,
        counts: Counts {
            create,
            update,
            unchanged,
            error,
            report,
        },
        created_at: to_utc(at),
    }
}

/// Imports, newest first: all of them, or one user's.
pub fn list(
    conn: &mut DbConnection,
    user: Option<UserId>,
    id: Option<&str>,
) -> QueryResult<Vec<ImportRecord>> {
    let mut query = imports::table
        .inner_join(plans::table)
        .select((
            imports::id,
            plans::code,
            imports::user_id,
            imports::file_name,
            imports::sha256,
            imports::dry_run,
            (
                imports::created,
                imports::updated,
                imports::unchanged,
                imports::errors,
                imports::reports,
            ),
            imports::created_at,
        ))
        .order((imports::created_at.desc(), imports::id.desc()))
        .limit(500)
        .into_boxed();
    if let Some(user) = user {
        query = query.filter(imports::user_id.eq(user));
    }
    if let Some(id) = id {
        query = query.filter(imports::id.eq(id.to_owned()));
    }
    Ok(query
        .load::<Row>(conn)?
        .into_iter()
        .map(into_record)
        .collect())
}
