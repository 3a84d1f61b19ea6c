//! Organizations: departments, platform companies, the finance bureau, the plan office.

use crate::{
    auth::{Caller, policy},
    db::{
        DbConnection,
        audit::{self, Change},
        organizations,
    },
    domain::{
        Error, OrganizationId,
        organization::{Organization, OrganizationKind},
    },
};

pub fn not_found(id: impl std::fmt::Display) -> Error {
    Error::NotFound(format!("no organization has the id {id}"))
}

/// All organizations, by name (plan office only).
pub fn list(conn: &mut DbConnection, caller: &Caller) -> Result<Vec<Organization>, Error> {
    policy::plan_office(caller)?;
    Ok(organizations::list(conn)?)
}

/// One organization (plan office only).
pub fn find(
    conn: &mut DbConnection,
    caller: &Caller,
    id: OrganizationId,
) -> Result<Organization, Error> {
    policy::plan_office(caller)?;
    organizations::find(conn, id)?.ok_or_else(|| not_found(id))
}

fn name_taken(name: &str) -> Error {
    Error::Conflict(format!("an organization is already named {name:?}"))
}

/// Registers an organization under a name already parsed
/// (`domain::organization::parse_organization_name`).
pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    name: String,
    kind: OrganizationKind,
) -> Result<Organization, Error> {
    policy::administer(caller)?;
    if organizations::find_by_name(conn, &name)?.is_some() {
        return Err(name_taken(&name));
    }
    let organization = organizations::insert(conn, &name, kind)?;
    audit::record(
        conn,
        &caller.actor(),
        Change::new("organization.create", "organization", organization.id).after(&organization),
    )?;
    Ok(organization)
}

/// Renames and/or (de)activates an organization; `None` keeps a value.
pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    id: OrganizationId,
    name: Option<String>,
    active: Option<bool>,
) -> Result<Organization, Error> {
    policy::administer(caller)?;
    let before = organizations::find(conn, id)?.ok_or_else(|| not_found(id))?;
    if let Some(name) = &name {
        let taken = organizations::find_by_name(conn, name)?;
        if taken.is_some_and(|other| other.id != id) {
            return Err(name_taken(name));
        }
    }
    let after = organizations::update(conn, id, name.as_deref(), active)?;
    audit::record(
        conn,
        &caller.actor(),
        Change::new("organization.update", "organization", id)
            .before(&before)
            .after(&after),
    )?;
    Ok(after)
}
