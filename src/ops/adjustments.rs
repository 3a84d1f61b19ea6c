//! Adjustment requests: the owner files a change of location, scale, technical description,
//! end year or total investment with a reason; the plan office approves it (applied as its
//! own update of the project, audited under the request) or rejects it (nothing changes).

use chrono::NaiveDateTime;
use serde_json::json;

use super::projects::{self as project_ops, not_found as project_not_found};
use crate::{
    auth::{Caller, policy},
    db::{
        DbConnection,
        adjustments::{self, Filed, NewAdjustment},
        audit::{self, Change},
        projects,
    },
    domain::{
        AdjustmentId, Error, FieldError, ProjectId,
        adjustment::{
            Adjustment, AdjustmentChanges, AdjustmentDecision, AdjustmentStatus, parse_reason,
            snapshot,
        },
        concurrency::IfMatch,
        project::{Project, ProjectDetails},
    },
};

pub fn not_found(id: impl std::fmt::Display) -> Error {
    Error::NotFound(format!("no adjustment request has the id {id}"))
}

fn load(conn: &mut DbConnection, id: AdjustmentId) -> Result<Filed, Error> {
    adjustments::find(conn, id)?.ok_or_else(|| not_found(id))
}

fn load_project(conn: &mut DbConnection, id: ProjectId) -> Result<Project, Error> {
    projects::find(conn, id)?.ok_or_else(|| project_not_found(id))
}

/// Where a page of requests starts: after the request at `(requested_at, id)`.
pub type Position = (NaiveDateTime, AdjustmentId);

/// Requests of every project, oldest first, optionally of one status (signed-in users:
/// the plan office works the pending ones; everyone who reads projects may follow them).
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    status: Option<AdjustmentStatus>,
    after: Option<Position>,
    limit: u32,
) -> Result<(Vec<Adjustment>, bool), Error> {
    policy::user(caller)?;
    Ok(adjustments::list(conn, None, status, after, limit)?)
}

/// One project's requests, oldest first.
pub fn of_project(
    conn: &mut DbConnection,
    caller: &Caller,
    project_id: ProjectId,
    after: Option<Position>,
    limit: u32,
) -> Result<(Vec<Adjustment>, bool), Error> {
    policy::user(caller)?;
    load_project(conn, project_id)?;
    Ok(adjustments::list(
        conn,
        Some(project_id),
        None,
        after,
        limit,
    )?)
}

pub fn find(
    conn: &mut DbConnection,
    caller: &Caller,
    id: AdjustmentId,
) -> Result<Adjustment, Error> {
    policy::user(caller)?;
    Ok(load(conn, id)?.adjustment)
}

/// Files a request on the project by one of its owners (or the plan office). Refused: a
/// request that changes nothing, or whose result would break a rule of the project (422),
/// and one touching a field another pending request already covers (409).
pub fn file(
    conn: &mut DbConnection,
    caller: &Caller,
    project_id: ProjectId,
    changes: AdjustmentChanges,
    reason: Option<String>,
) -> Result<Adjustment, Error> {
    let project = load_project(conn, project_id)?;
    let user = policy::change_project(caller, &project)?;
    let mut errors = Vec::new();
    let reason = parse_reason("reason", reason.as_deref())
        .map_err(|error| errors.push(error))
        .ok();
    let fields = changes.fields();
    let current = ProjectDetails::from(&project);
    let adjusted = match changes.patch().apply(current.clone()) {
        _ if fields.is_empty() => {
            errors.push(FieldError::new(
                "changes",
                "must change at least one of location, scale, description, end_year, investment.total",
            ));
            None
        }
        Ok(adjusted) if adjusted == current => {
            errors.push(FieldError::new("changes", "changes nothing"));
            None
        }
        Ok(adjusted) => Some(adjusted),
        Err(invalid) => {
            errors.extend(invalid);
            None
        }
    };
    Error::check(errors)?;
    if let Some(adjusted) = &adjusted {
        project_ops::check_as_project(conn, &project, adjusted)?;
    }
    if let Some((pending, field)) = adjustments::pending_on(conn, project_id, &fields)? {
        return Err(Error::Conflict(format!(
            "{} already has an adjustment request pending ({pending})",
            field.name()
        )));
    }
    let id = adjustments::insert(
        conn,
        NewAdjustment {
            project_id,
            changes: &changes,
            base: snapshot(&project, &fields),
            reason: reason.as_deref().unwrap_or_default(),
            requested_by: user.id,
        },
    )?;
    let filed = load(conn, id)?.adjustment;
    audit::record(
        conn,
        &caller.actor(),
        Change::new("adjustment.request", "adjustment", id).after(&filed),
    )?;
    Ok(filed)
}

/// The plan office decides a pending request. Approval applies the change through the
/// project update (version +1, audited as `project.adjust` naming the request); it is a
/// 409 when the project's requested fields changed since the request was filed, so that
/// the reviewer looks again. A decided request is a 409. A rejection needs a note.
pub fn review(
    conn: &mut DbConnection,
    caller: &Caller,
    id: AdjustmentId,
    decision: AdjustmentDecision,
    note: Option<String>,
) -> Result<Adjustment, Error> {
    let filed = load(conn, id)?;
    let reviewer = policy::plan_office(caller)?;
    if filed.adjustment.status != AdjustmentStatus::Pending {
        return Err(Error::Conflict(format!(
            "the request is already {}",
            filed.adjustment.status.as_str()
        )));
    }
    let note = match decision {
        AdjustmentDecision::Rejected => Some(
            parse_reason("note", note.as_deref())
                .map_err(|error| Error::Validation(vec![error]))?,
        ),
        AdjustmentDecision::Approved => crate::domain::project::optional_text(note)
            .map(|note| note.chars().take(2000).collect()),
    };
    let status = match decision {
        AdjustmentDecision::Approved => {
            let project = load_project(conn, filed.adjustment.project)?;
            let fields = filed.changes.fields();
            let now = snapshot(&project, &fields);
            if now != filed.base {
                let changed: Vec<&str> = fields
                    .iter()
                    .filter(|field| now.get(field.name()) != filed.base.get(field.name()))
                    .map(|field| field.name())
                    .collect();
                return Err(Error::Conflict(format!(
                    "the project's {} changed since the request was filed: look again",
                    changed.join(", ")
                )));
            }
            project_ops::update_as(
                conn,
                caller,
                project.id,
                &IfMatch::version(project.version),
                filed.changes.patch(),
                "project.adjust",
                Some(json!({"adjustment": id.to_string()})),
            )?;
            AdjustmentStatus::Approved
        }
        AdjustmentDecision::Rejected => AdjustmentStatus::Rejected,
    };
    if !adjustments::decide(conn, id, status, reviewer.id, note.as_deref())? {
        return Err(Error::Conflict(
            "the request was decided meanwhile".to_owned(),
        ));
    }
    let decided = load(conn, id)?.adjustment;
    audit::record(
        conn,
        &caller.actor(),
        Change::new("adjustment.review", "adjustment", id)
            .before(&filed.adjustment)
            .after(&decided),
    )?;
    Ok(decided)
}
