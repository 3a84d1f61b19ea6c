//! Exporting a project list as a spreadsheet: every page of what the list would show the
//! caller (same filters, same order), as `.csv` or `.xlsx` with the plan's summary beside.

use super::projects::{self as project_ops, ListQuery};
use crate::{
    auth::{Caller, policy},
    db::{self, DbConnection},
    domain::{Error, listing::PageLimit, money::Unit, project::Project},
    sheets::{
        columns::Column,
        write::{CsvLedger, Names, XlsxLedger},
    },
};

/// The names a ledger shows for ids and codes.
pub fn names(conn: &mut DbConnection, caller: &Caller) -> Result<Names, Error> {
    policy::read_catalogue(caller)?;
    let organizations = db::organizations::list(conn)?
        .into_iter()
        .map(|organization| (organization.id, organization.name))
        .collect();
    let mut categories = std::collections::HashMap::new();
    for plan in db::plans::list(conn)? {
        for category in db::plans::categories(conn, &plan.code)?.unwrap_or_default() {
            categories.insert(category.code, category.name_zh);
        }
    }
    Ok(Names {
        organizations,
        categories,
        this_year: chrono::Datelike::year(&db::today()),
    })
}

/// The next page of the export after `query.cursor`, and the query for the page after it
/// (`None` at the end).
pub fn page(
    conn: &mut DbConnection,
    caller: &Caller,
    mut query: ListQuery,
) -> Result<(Vec<Project>, Option<ListQuery>), Error> {
    query.limit = PageLimit::LARGEST;
    let page = project_ops::list(conn, caller, &query)?;
    let next = page.next_cursor.map(|cursor| ListQuery {
        cursor: Some(cursor),
        ..query
    });
    Ok((page.items, next))
}

/// The CSV ledger's writer.
pub fn csv(unit: Unit) -> CsvLedger {
    CsvLedger::new(Column::all(), unit)
}

/// The whole list as a workbook: the ledger, then (when the list is of one plan) the
/// plan's summary as finance files it. Rows go to a temporary file as they are written
/// (constant memory), and so does the finished workbook: the answer is an unnamed file,
/// read from its start, that is gone once closed.
pub fn xlsx(
    conn: &mut DbConnection,
    caller: &Caller,
    query: ListQuery,
    unit: Unit,
) -> Result<std::fs::File, Error> {
    let names = names(conn, caller)?;
    let mut ledger = XlsxLedger::new(Column::all(), unit)?;
    let plan = query.filter.plan.clone();
    let mut next = Some(query);
    while let Some(query) = next {
        let (projects, following) = page(conn, caller, query)?;
        ledger.push(&projects, &names)?;
        next = following;
    }
    let summary = match plan {
        Some(code) => db::summary::summary(conn, &code)?,
        None => None,
    };
    let mut file = tempfile::tempfile().map_err(anyhow::Error::from)?;
    ledger.finish(summary.as_ref(), &mut file)?;
    std::io::Seek::rewind(&mut file).map_err(anyhow::Error::from)?;
    Ok(file)
}

/// The import template of a plan: the columns to fill, dropdowns of its categories and of
/// the organizations that may lead or implement a project.
pub fn template(
    conn: &mut DbConnection,
    caller: &Caller,
    plan_code: &str,
) -> Result<Vec<u8>, Error> {
    policy::read_catalogue(caller)?;
    let categories = db::plans::categories(conn, plan_code)?
        .ok_or_else(|| Error::NotFound(format!("no plan has the code {plan_code:?}")))?;
    let organizations = db::organizations::list(conn)?;
    let active = |kinds: &[crate::domain::organization::OrganizationKind]| {
        organizations
            .iter()
            .filter(|organization| organization.active && kinds.contains(&organization.kind))
            .map(|organization| organization.name.clone())
            .collect::<Vec<_>>()
    };
    use crate::domain::organization::OrganizationKind::{Department, PlatformCompany};
    let choices = crate::sheets::write::Choices {
        categories: categories
            .into_iter()
            .map(|category| category.name_zh)
            .collect(),
        lead_departments: active(&[Department]),
        implementing_orgs: active(&[PlatformCompany, Department]),
    };
    Ok(crate::sheets::write::template(plan_code, &choices)?)
}
