//! Reading the audit trail (the plan office and finance).

use crate::{
    auth::{Caller, policy},
    db::{
        DbConnection,
        audit::{self, AuditEntry, AuditFilter, Verification},
    },
    domain::{Error, ProjectId},
};

/// Where a page of entries starts: after the entry at `(at, id)`.
pub type Position = (chrono::NaiveDateTime, String);

/// Entries that pass `filter`, oldest first, after `after`; and whether more follow.
pub fn trail(
    conn: &mut DbConnection,
    caller: &Caller,
    filter: &AuditFilter,
    after: Option<Position>,
    limit: u32,
) -> Result<(Vec<AuditEntry>, bool), Error> {
    policy::read_audit(caller)?;
    Ok(audit::list(conn, filter, after, limit)?)
}

/// A project's entries, oldest first (a 404 when there is no such project).
pub fn project_history(
    conn: &mut DbConnection,
    caller: &Caller,
    id: ProjectId,
    after: Option<Position>,
    limit: u32,
) -> Result<(Vec<AuditEntry>, bool), Error> {
    policy::read_audit(caller)?;
    super::projects::find(conn, caller, id)?;
    let filter = AuditFilter {
        entity_type: Some("project".to_owned()),
        entity_id: Some(id.to_string()),
        ..AuditFilter::default()
    };
    Ok(audit::list(conn, &filter, after, limit)?)
}

/// Walks the whole chain and reports the first broken link (the plan office).
pub fn verify(conn: &mut DbConnection, caller: &Caller) -> Result<Verification, Error> {
    policy::plan_office(caller)?;
    Ok(audit::verify(conn)?)
}
