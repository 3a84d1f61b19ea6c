//! Publishing a plan's portfolio as open data: an OC4IDS project package of every project
//! the caller may read, a page at a time, with a fingerprint that tells a harvester
//! whether anything changed before a single project is read.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{exports, projects::ListQuery};
use crate::{
    auth::{Caller, policy},
    db::{self, DbConnection},
    domain::{Error, OrganizationId, fingerprint::sha256_hex, plan::SYNTHETIC_PLAN_CODE},
    opendata::oc4ids::{self, Publication},
};

/// Which projects of which plan a package holds.
#[derive(Debug, Clone)]
pub struct Selection {
    pub plan: String,
    /// Only projects changed at or after this time, as on the list.
    pub updated_since: Option<DateTime<Utc>>,
}

/// A package before its projects are read: what a conditional request is answered from.
#[derive(Debug, Clone)]
pub struct Package {
    /// Strong: the same tag is the same bytes (unquoted hex).
    pub tag: String,
    /// When the data in the package last changed; also its `publishedDate`.
    pub last_changed: DateTime<Utc>,
    selection: Selection,
    uri: String,
}

/// The package of `selection`, published at `uri`: refused for the synthetic benchmark
/// plan, a 404 for an unknown one.
pub fn prepare(
    conn: &mut DbConnection,
    caller: &Caller,
    publication: &Publication,
    uri: String,
    selection: Selection,
) -> Result<Package, Error> {
    policy::read_catalogue(caller)?;
    if selection.plan == SYNTHETIC_PLAN_CODE {
        return Err(Error::NotFound(format!(
            "the plan {SYNTHETIC_PLAN_CODE:?} holds synthetic benchmark data and is not published"
        )));
    }
    let plan_id = db::plans::find_id(conn, &selection.plan)?
        .ok_or_else(|| Error::NotFound(format!("no plan has the code {:?}", selection.plan)))?;
    let fingerprint = db::plans::fingerprint(conn, plan_id)?;
    let last_changed = [
        Some(fingerprint.plan_created),
        fingerprint.projects_changed,
        fingerprint.organizations_changed,
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(fingerprint.plan_created)
    .and_utc();
    // Everything the bytes depend on: a change to any of it is a new tag (a tag may also
    // change when the selected projects did not, which costs a harvester one download).
    let described = format!("{fingerprint:?}|{publication:?}|{uri}|{selection:?}");
    // The first 128 bits: plenty for a tag.
    let tag = sha256_hex(described.as_bytes())[..32].to_owned();
    Ok(Package {
        tag,
        last_changed,
        selection,
        uri,
    })
}

/// What writing the projects needs, read once per package.
pub struct Writer {
    publication: Publication,
    organizations: HashMap<OrganizationId, String>,
}

/// The package's head and its first page of projects (closed when it is the only page),
/// the writer for the rest, and the query of the next page.
pub fn first_page(
    conn: &mut DbConnection,
    caller: &Caller,
    publication: &Publication,
    package: &Package,
) -> Result<(Vec<u8>, Writer, Option<ListQuery>), Error> {
    let organizations = db::organizations::list(conn)?
        .into_iter()
        .map(|organization| (organization.id, organization.name))
        .collect();
    let writer = Writer {
        publication: publication.clone(),
        organizations,
    };
    let mut query = ListQuery::default();
    query.filter.plan = Some(package.selection.plan.clone());
    query.filter.updated_since = package.selection.updated_since;
    let mut bytes = oc4ids::package_head(publication, &package.uri, package.last_changed);
    let (page, next) = pages(conn, caller, &writer, query, true)?;
    bytes.extend(page);
    Ok((bytes, writer, next))
}

/// The projects of the page `query` names (and the package's close after the last page),
/// and the query of the page after it.
pub fn next_page(
    conn: &mut DbConnection,
    caller: &Caller,
    writer: &Writer,
    query: ListQuery,
) -> Result<(Vec<u8>, Option<ListQuery>), Error> {
    pages(conn, caller, writer, query, false)
}

fn pages(
    conn: &mut DbConnection,
    caller: &Caller,
    writer: &Writer,
    query: ListQuery,
    first: bool,
) -> Result<(Vec<u8>, Option<ListQuery>), Error> {
    let (projects, next) = exports::page(conn, caller, query)?;
    let mut bytes = oc4ids::projects(&projects, first, &writer.publication, &writer.organizations);
    if next.is_none() {
        bytes.extend_from_slice(oc4ids::PACKAGE_TAIL);
    }
    Ok((bytes, next))
}

/// The whole package into `out`, a page at a time (the command line).
pub fn write(
    conn: &mut DbConnection,
    caller: &Caller,
    publication: &Publication,
    package: &Package,
    out: &mut dyn std::io::Write,
) -> Result<(), Error> {
    let (bytes, writer, mut next) = first_page(conn, caller, publication, package)?;
    out.write_all(&bytes).map_err(anyhow::Error::from)?;
    while let Some(query) = next {
        let (bytes, following) = next_page(conn, caller, &writer, query)?;
        out.write_all(&bytes).map_err(anyhow::Error::from)?;
        next = following;
    }
    Ok(())
}
