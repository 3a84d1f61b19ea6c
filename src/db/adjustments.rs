//! Adjustment requests: filed, listed, decided.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;

use super::{DbConnection, now, parse_stored, schema::adjustments, to_utc};
use crate::domain::{
    AdjustmentId, ProjectId, UserId,
    adjustment::{AdjustableField, Adjustment, AdjustmentChanges, AdjustmentStatus},
};

#[derive(Queryable, Selectable)]
#[diesel(table_name = adjustments)]
struct AdjustmentRow {
    id: AdjustmentId,
    project_id: ProjectId,
    changes: String,
    base: String,
    reason: String,
    status: String,
    requested_by: UserId,
    requested_at: NaiveDateTime,
    reviewed_by: Option<UserId>,
    reviewed_at: Option<NaiveDateTime>,
    review_note: Option<String>,
}

/// A stored request with what was filed: the change, parsed, and the values its fields had.
pub struct Filed {
    pub adjustment: Adjustment,
    pub changes: AdjustmentChanges,
    pub base: Value,
}

fn corrupt(error: serde_json::Error) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(Box::new(error))
}

fn into_filed(row: AdjustmentRow) -> QueryResult<Filed> {
    let changes_json: Value = serde_json::from_str(&row.changes).map_err(corrupt)?;
    let changes: AdjustmentChanges =
        serde_json::from_value(changes_json.clone()).map_err(corrupt)?;
    Ok(Filed {
        adjustment: Adjustment {
            id: row.id,
            project: row.project_id,
            changes: changes_json,
            reason: row.reason,
            status: parse_stored(&row.status)?,
            requested_by: row.requested_by,
            requested_at: to_utc(row.requested_at),
            reviewed_by: row.reviewed_by,
            reviewed_at: row.reviewed_at.map(to_utc),
            review_note: row.review_note,
        },
        changes,
        base: serde_json::from_str(&row.base).map_err(corrupt)?,
    })
}

/// A new request to file.
pub struct NewAdjustment<'a> {
    pub project_id: ProjectId,
    pub changes: &'a AdjustmentChanges,
    pub base: Value,
    pub reason: &'a str,
    pub requested_by: UserId,
}

pub fn insert(conn: &mut DbConnection, new: NewAdjustment<'_>) -> QueryResult<AdjustmentId> {
    let id = AdjustmentId::new_random();
    diesel::insert_into(adjustments::table)
        .values((
            adjustments::id.eq(id),
            adjustments::project_id.eq(new.project_id),
            adjustments::changes.eq(new.changes.to_json().to_string()),
            adjustments::base.eq(new.base.to_string()),
            adjustments::reason.eq(new.reason),
            adjustments::status.eq(AdjustmentStatus::Pending.as_str()),
            adjustments::requested_by.eq(new.requested_by),
            adjustments::requested_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(id)
}

pub fn find(conn: &mut DbConnection, id: AdjustmentId) -> QueryResult<Option<Filed>> {
    adjustments::table
        .find(id)
        .select(AdjustmentRow::as_select())
        .first(conn)
        .optional()?
        .map(into_filed)
        .transpose()
}

/// Requests, oldest first, after the request at `(requested_at, id)`: of one project or of
/// all, of one status or of any. One more than `limit` is read to tell whether more follow.
pub fn list(
    conn: &mut DbConnection,
    project_id: Option<ProjectId>,
    status: Option<AdjustmentStatus>,
    after: Option<(NaiveDateTime, AdjustmentId)>,
    limit: u32,
) -> QueryResult<(Vec<Adjustment>, bool)> {
    let mut query = adjustments::table
        .select(AdjustmentRow::as_select())
        .into_boxed();
    if let Some(project_id) = project_id {
        query = query.filter(adjustments::project_id.eq(project_id));
    }
    if let Some(status) = status {
        query = query.filter(adjustments::status.eq(status.as_str()));
    }
    if let Some((at, id)) = after {
        query = query.filter(
            adjustments::requested_at
                .gt(at)
                .or(adjustments::requested_at.eq(at).and(adjustments::id.gt(id))),
        );
    }
    let rows: Vec<AdjustmentRow> = query
        .order((adjustments::requested_at.asc(), adjustments::id.asc()))
        .limit(i64::from(limit) + 1)
        .load(conn)?;
    let has_more = rows.len() > limit as usize;
    let items = rows
        .into_iter()
        .take(limit as usize)
        .map(|row| into_filed(row).map(|filed| filed.adjustment))
        .collect::<QueryResult<_>>()?;
    Ok((items, has_more))
}

/// The first pending request of the project that changes one of `fields`, with the field.
pub fn pending_on(
    conn: &mut DbConnection,
    project_id: ProjectId,
    fields: &[AdjustableField],
) -> QueryResult<Option<(AdjustmentId, AdjustableField)>> {
    let rows: Vec<AdjustmentRow> = adjustments::table
        .filter(adjustments::project_id.eq(project_id))
        .filter(adjustments::status.eq(AdjustmentStatus::Pending.as_str()))
        .order((adjustments::requested_at.asc(), adjustments::id.asc()))
        .select(AdjustmentRow::as_select())
        .load(conn)?;
    for row in rows {
        let filed = into_filed(row)?;
        if let Some(field) = filed
            .changes
            .fields()
            .into_iter()
            .find(|field| fields.contains(field))
        {
            return Ok(Some((filed.adjustment.id, field)));
        }
    }
    Ok(None)
}

/// Records the decision on a request that is still pending. `false`: it was not pending
/// (decided meanwhile); nothing was written.
pub fn decide(
    conn: &mut DbConnection,
    id: AdjustmentId,
    status: AdjustmentStatus,
    reviewer: UserId,
    note: Option<&str>,
) -> QueryResult<bool> {
    let changed = diesel::update(
        adjustments::table
            .filter(adjustments::id.eq(id))
            .filter(adjustments::status.eq(AdjustmentStatus::Pending.as_str())),
    )
    .set((
        adjustments::status.eq(status.as_str()),
        adjustments::reviewed_by.eq(reviewer),
        adjustments::reviewed_at.eq(now()),
        adjustments::review_note.eq(note),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}
