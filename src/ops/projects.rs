//! Projects: listing and reading, registering, editing (merge patch) and moving through
//! the lifecycle.

use std::collections::HashMap;

use crate::{
    auth::{Caller, policy},
    db::{
        DbConnection,
        audit::{self, Change},
        organizations, plans,
        projects::{self, NewProject as NewRow, ProjectPage},
    },
    domain::{
        CategoryId, Error, FieldError, OrganizationId, PlanId, ProjectId, ProjectStatus,
        actor::Actor,
        concurrency::IfMatch,
        lifecycle::{self, Facts, Transition},
        listing::{Cursor, PageLimit, ProjectFilter, ProjectSort},
        organization::OrganizationKind,
        project::{NewProject, Project, ProjectDetails, ProjectPatch},
    },
};

pub fn not_found(id: impl std::fmt::Display) -> Error {
    Error::NotFound(format!("no project has the id {id}"))
}

/// What a list asks for (the query string of `GET /projects`, a console filter, an export).
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub filter: ProjectFilter,
    pub sort: ProjectSort,
    pub limit: PageLimit,
    pub cursor: Option<Cursor>,
}

/// One page of the projects the query selects; unknown codes or organizations in the
/// filter are a validation error naming them.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    query: &ListQuery,
) -> Result<ProjectPage, Error> {
    policy::read_catalogue(caller)?;
    projects::list(
        conn,
        &query.filter,
        query.sort,
        query.limit,
        query.cursor.as_ref(),
    )?
    .map_err(Error::Validation)
}

/// How many projects a list's filter matches (whoever may read the list).
pub fn count(
    conn: &mut DbConnection,
    caller: &Caller,
    filter: &ProjectFilter,
) -> Result<i64, Error> {
    policy::read_catalogue(caller)?;
    projects::count(conn, filter)?.map_err(Error::Validation)
}

/// The project, or a 404.
pub fn find(conn: &mut DbConnection, caller: &Caller, id: ProjectId) -> Result<Project, Error> {
    policy::read_catalogue(caller)?;
    load(conn, id)
}

fn load(conn: &mut DbConnection, id: ProjectId) -> Result<Project, Error> {
    projects::find(conn, id)?.ok_or_else(|| not_found(id))
}

/// The project's lifecycle history (signed-in users; API keys read projects only).
pub fn transitions(
    conn: &mut DbConnection,
    caller: &Caller,
    id: ProjectId,
) -> Result<Vec<Transition>, Error> {
    policy::user(caller)?;
    load(conn, id)?;
    Ok(projects::transitions(conn, id)?)
}

/// Checks the organizations a project names: the lead must be an active department, the
/// implementing organization an active platform company or department. `known` remembers
/// organizations already checked (a bulk load checks each once).
fn check_organizations(
    conn: &mut DbConnection,
    details: &ProjectDetails,
    known: &mut HashMap<OrganizationId, Option<(bool, OrganizationKind)>>,
) -> Result<Vec<FieldError>, Error> {
    let mut errors = Vec::new();
    let allowed = [
        (
            "lead_department",
            details.lead_department,
            &[OrganizationKind::Department][..],
        ),
        (
            "implementing_org",
            details.implementing_org,
            &[
                OrganizationKind::PlatformCompany,
                OrganizationKind::Department,
            ][..],
        ),
    ];
    for (field, id, kinds) in allowed {
        let Some(id) = id else { continue };
        let found = match known.get(&id) {
            Some(found) => *found,
            None => {
                let found = organizations::find(conn, id)?
                    .map(|organization| (organization.active, organization.kind));
                known.insert(id, found);
                found
            }
        };
        match found {
            None => errors.push(FieldError::new(field, "no organization has this id")),
            Some((false, _)) => {
                errors.push(FieldError::new(field, "the organization is deactivated"))
            }
            Some((true, kind)) if !kinds.contains(&kind) => errors.push(FieldError::new(
                field,
                format!("a {kind} cannot be the {field}"),
            )),
            Some(_) => {}
        }
    }
    Ok(errors)
}

/// Every rule a project's details must keep, the database's included.
fn check_details(
    conn: &mut DbConnection,
    details: &ProjectDetails,
    known: &mut HashMap<OrganizationId, Option<(bool, OrganizationKind)>>,
) -> Result<(), Error> {
    let mut errors = details.check();
    errors.extend(check_organizations(conn, details, known)?);
    Error::check(errors)
}

/// The plan and category with these codes; unknown codes are named.
fn placement(
    conn: &mut DbConnection,
    plan_code: &str,
    category_code: &str,
) -> Result<Result<(PlanId, CategoryId), Vec<FieldError>>, Error> {
    let Some(plan_id) = plans::find_id(conn, plan_code)? else {
        return Ok(Err(vec![FieldError::new(
            "plan",
            format!("no plan has the code {plan_code:?}"),
        )]));
    };
    Ok(match projects::category_id(conn, plan_id, category_code)? {
        Some(category_id) => Ok((plan_id, category_id)),
        None => Err(vec![FieldError::new(
            "category",
            format!("the plan has no category {category_code:?}"),
        )]),
    })
}

/// A project entering the registry by the bulk path (the plan's seeds, synthetic data):
/// checked and audited like a registration, under the code given or the next one.
pub struct LoadedProject {
    pub plan_id: PlanId,
    pub category_id: CategoryId,
    pub status: ProjectStatus,
    pub details: ProjectDetails,
    pub seed_key: Option<String>,
    pub code: Option<String>,
    /// Why it entered (its first lifecycle entry's note).
    pub note: String,
}

/// Organizations checked during one bulk load.
#[derive(Default)]
pub struct BulkLoad {
    known: HashMap<OrganizationId, Option<(bool, OrganizationKind)>>,
}

impl BulkLoad {
    /// Registers one project of a bulk load (the registry itself acts). Call inside a
    /// write transaction.
    pub fn register(
        &mut self,
        conn: &mut DbConnection,
        caller: &Caller,
        project: LoadedProject,
    ) -> Result<ProjectId, Error> {
        policy::create_project(
            caller,
            project.details.lead_department,
            project.details.implementing_org,
        )?;
        check_details(conn, &project.details, &mut self.known)?;
        let row = NewRow {
            plan_id: project.plan_id,
            category_id: project.category_id,
            status: project.status,
            details: project.details,
            seed_key: project.seed_key,
        };
        let id = match &project.code {
            Some(code) => {
                projects::insert_with_code(conn, &row, code, Some(&project.note), caller.user_id())?
            }
            None => projects::insert(conn, &row, Some(&project.note), caller.user_id())?,
        };
        record_creation(conn, &caller.actor(), id)?;
        Ok(id)
    }
}

/// The audit entry of a project's registration, however it entered.
fn record_creation(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ProjectId,
) -> Result<Project, Error> {
    let project = load(conn, id)?;
    audit::record(
        conn,
        actor,
        Change::new("project.create", "project", id).after(&project),
    )?;
    Ok(project)
}

/// Registers a project in `reserve`, with its history and audit entry.
pub fn create(conn: &mut DbConnection, caller: &Caller, new: NewProject) -> Result<Project, Error> {
    policy::create_project(caller, Some(new.lead_department), new.implementing_org)?;
    let details = new.details();
    let mut errors = details.check();
    let placement = placement(conn, &new.plan, &new.category)?;
    if let Err(unknown) = &placement {
        errors.extend(unknown.iter().cloned());
    }
    errors.extend(check_organizations(conn, &details, &mut HashMap::new())?);
    Error::check(errors)?;
    let (plan_id, category_id) = placement.map_err(Error::Validation)?;
    let row = NewRow {
        plan_id,
        category_id,
        status: ProjectStatus::Reserve,
        details,
        seed_key: None,
    };
    let id = projects::insert(conn, &row, None, caller.user_id())?;
    record_creation(conn, &caller.actor(), id)
}

/// Changes a project by a merge patch if `if_match` names its current version. The order
/// of refusals: the project (404), ownership and field rights (403), the version
/// (428/412), the content (422).
pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    id: ProjectId,
    if_match: &IfMatch,
    patch: ProjectPatch,
) -> Result<Project, Error> {
    let current = load(conn, id)?;
    let user = policy::change_project(caller, &current)?;
    policy::change_fields(user, &patch.fields())?;
    let version = if_match.expect(current.version)?;
    let placement = match patch.placement(&current) {
        Some((plan, category)) => {
            Some(placement(conn, plan, category)?.map_err(Error::Validation)?)
        }
        None => None,
    };
    let code = patch
        .code()
        .map_err(|error| Error::Validation(vec![error]))?;
    let details = patch
        .apply(ProjectDetails::from(&current))
        .map_err(Error::Validation)?;
    check_details(conn, &details, &mut HashMap::new())?;
    let updated = projects::update(conn, id, version, &details, placement, code.as_deref())?
        .ok_or(Error::Stale)?;
    audit::record(
        conn,
        &caller.actor(),
        Change::new("project.update", "project", id)
            .before(&current)
            .after(&updated),
    )?;
    Ok(updated)
}

/// A lifecycle move as asked for.
#[derive(Debug, Clone)]
pub struct Move {
    pub to: ProjectStatus,
    /// Why; required to withdraw, to re-enter and to correct. Blank is none.
    pub note: Option<String>,
}

/// Moves a project through its lifecycle if `if_match` names its current version.
pub fn transition(
    conn: &mut DbConnection,
    caller: &Caller,
    id: ProjectId,
    if_match: &IfMatch,
    request: Move,
) -> Result<Project, Error> {
    let note = request
        .note
        .map(|note| note.trim().to_owned())
        .filter(|note| !note.is_empty());
    let to = request.to;
    let current = load(conn, id)?;
    let user = policy::change_project(caller, &current)?;
    let version = if_match.expect(current.version)?;
    let from = current.status;
    let kind = lifecycle::classify(from, to)
        .ok_or_else(|| Error::Conflict(format!("a project cannot move from {from} to {to}")))?;
    policy::transition(user, kind)?;
    let facts = Facts {
        has_lead_department: current.lead_department.is_some(),
        has_total: current.investment.total.is_some(),
        has_start_year: current.start_year.is_some(),
        has_end_year: current.end_year.is_some(),
        has_completed_investment: current.completed_investment.to_fen() > 0,
    };
    Error::check(lifecycle::missing(from, to, kind, facts, note.as_deref()))?;
    let moved =
        projects::change_status(conn, id, version, from, to, note.as_deref(), Some(user.id))?;
    if !moved {
        return Err(Error::Stale);
    }
    let updated = load(conn, id)?;
    audit::record(
        conn,
        &caller.actor(),
        Change::new("project.transition", "project", id)
            .before(&current)
            .after(&updated),
    )?;
    Ok(updated)
}
