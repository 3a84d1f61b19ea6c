//! Organizations: departments, platform companies, the finance bureau, the plan office.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{DbConnection, now, parse_stored, schema::organizations, to_utc};
use crate::domain::{
    OrganizationId,
    organization::{Organization, OrganizationKind},
};

#[derive(Queryable, Selectable)]
#[diesel(table_name = organizations)]
struct OrganizationRow {
    id: OrganizationId,
    name: String,
    kind: String,
    active: bool,
    created_at: NaiveDateTime,
}

fn into_organization(row: OrganizationRow) -> QueryResult<Organization> {
    Ok(Organization {
        id: row.id,
        name: row.name,
        kind: parse_stored(&row.kind)?,
        active: row.active,
        created_at: to_utc(row.created_at),
    })
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Organization>> {
    organizations::table
        .select(OrganizationRow::as_select())
        .order(organizations::name.asc())
        .load(conn)?
        .into_iter()
        .map(into_organization)
        .collect()
}

pub fn find(conn: &mut DbConnection, id: OrganizationId) -> QueryResult<Option<Organization>> {
    organizations::table
        .find(id)
        .select(OrganizationRow::as_select())
        .first(conn)
        .optional()?
        .map(into_organization)
        .transpose()
}

pub fn find_by_name(conn: &mut DbConnection, name: &str) -> QueryResult<Option<Organization>> {
    organizations::table
        .filter(organizations::name.eq(name))
        .select(OrganizationRow::as_select())
        .first(conn)
        .optional()?
        .map(into_organization)
        .transpose()
}

/// The first active organization of this kind, by name.
pub fn first_of_kind(
    conn: &mut DbConnection,
    kind: OrganizationKind,
) -> QueryResult<Option<Organization>> {
    organizations::table
        .filter(organizations::kind.eq(kind.as_str()))
        .filter(organizations::active.eq(true))
        .order(organizations::name.asc())
        .select(OrganizationRow::as_select())
        .first(conn)
        .optional()?
        .map(into_organization)
        .transpose()
}

pub fn insert(
    conn: &mut DbConnection,
    name: &str,
    kind: OrganizationKind,
) -> QueryResult<Organization> {
    let id = OrganizationId::new_random();
    diesel::insert_into(organizations::table)
        .values((
            organizations::id.eq(id),
            organizations::name.eq(name),
            organizations::kind.eq(kind.as_str()),
            organizations::active.eq(true),
            organizations::created_at.eq(now()),
        ))
        .execute(conn)?;
    find(conn, id)?.ok_or(diesel::result::Error::NotFound)
}

/// Renames and/or (de)activates; `None` leaves a field as it is.
pub fn update(
    conn: &mut DbConnection,
    id: OrganizationId,
    name: Option<&str>,
    active: Option<bool>,
) -> QueryResult<Organization> {
    #[derive(AsChangeset)]
    #[diesel(table_name = organizations)]
    struct Changes<'a> {
        name: Option<&'a str>,
        active: Option<bool>,
    }
    if name.is_some() || active.is_some() {
        diesel::update(organizations::table.find(id))
            .set(Changes { name, active })
            .execute(conn)?;
    }
    find(conn, id)?.ok_or(diesel::result::Error::NotFound)
}
