//! Projects: listing and reading, registering, editing (merge patch) and moving through
//! the lifecycle.

use std::collections::HashMap;

use crate::{
    auth::{Caller, policy},
    db::{
        DbConnection, adjustments as pending_adjustments,
        audit::{self, Change},
        organizations, plans,
        projects::{self, NewProject as NewRow, ProjectPage, StatusChange},
    },
    domain::{
        CategoryId, Error, FieldError, OrganizationId, PlanId, ProjectId, ProjectStatus,
        actor::Actor,
        adjustment::governed_fields,
        concurrency::IfMatch,
        lifecycle::{self, Facts, Transition},
        listing::{Cursor, PageLimit, ProjectFilter, ProjectSort},
        organization::OrganizationKind,
        project::{NewProject, Project, ProjectDetails, ProjectPatch},
        reserve::WithdrawalReason,
        user::Role,
        yearly,
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

/// The plan a project belongs to, by id or (for a project as read) by code; looked up only
/// when a rule needs its period.
#[derive(Clone, Copy)]
enum PlanRef<'a> {
    Id(PlanId),
    Code(&'a str),
}

/// The rules of the yearly plan, under the period of the plan the project belongs to.
fn check_years(
    conn: &mut DbConnection,
    details: &ProjectDetails,
    plan: PlanRef<'_>,
) -> Result<Vec<FieldError>, Error> {
    if details.year_plans.is_empty() {
        return Ok(Vec::new());
    }
    let plan_id = match plan {
        PlanRef::Id(id) => id,
        PlanRef::Code(code) => plans::find_id(conn, code)?
            .ok_or_else(|| Error::NotFound(format!("no plan has the code {code:?}")))?,
    };
    let (first, last) = plans::period(conn, plan_id)?;
    Ok(yearly::check(
        &details.year_plans,
        first..=last,
        details.total,
    ))
}

/// Every rule a project's details must keep, the database's included.
fn check_details(
    conn: &mut DbConnection,
    details: &ProjectDetails,
    plan: PlanRef<'_>,
    known: &mut HashMap<OrganizationId, Option<(bool, OrganizationKind)>>,
) -> Result<(), Error> {
    let mut errors = details.check();
    errors.extend(check_years(conn, details, plan)?);
    errors.extend(check_organizations(conn, details, known)?);
    Error::check(errors)
}

/// Every rule `details` must keep as the details of `project` (in its plan).
pub(crate) fn check_as_project(
    conn: &mut DbConnection,
    project: &Project,
    details: &ProjectDetails,
) -> Result<(), Error> {
    check_details(
        conn,
        details,
        PlanRef::Code(&project.plan),
        &mut HashMap::new(),
    )
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
        check_details(
            conn,
            &project.details,
            PlanRef::Id(project.plan_id),
            &mut self.known,
        )?;
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
    let details = new
        .details()
        .map_err(|error| Error::Validation(vec![error]))?;
    let mut errors = details.check();
    let placement = placement(conn, &new.plan, &new.category)?;
    match &placement {
        Ok((plan_id, _)) => errors.extend(check_years(conn, &details, PlanRef::Id(*plan_id))?),
        Err(unknown) => errors.extend(unknown.iter().cloned()),
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
/// (428/412), a pending adjustment of the same fields (409), the content (422).
pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    id: ProjectId,
    if_match: &IfMatch,
    patch: ProjectPatch,
) -> Result<Project, Error> {
    update_as(conn, caller, id, if_match, patch, "project.update", None)
}

/// The update, audited under `action` (an approved adjustment names itself in `cause`).
pub(crate) fn update_as(
    conn: &mut DbConnection,
    caller: &Caller,
    id: ProjectId,
    if_match: &IfMatch,
    patch: ProjectPatch,
    action: &str,
    cause: Option<serde_json::Value>,
) -> Result<Project, Error> {
    let current = load(conn, id)?;
    let user = policy::change_project(caller, &current)?;
    policy::change_fields(user, &patch.fields())?;
    let version = if_match.expect(current.version)?;
    // The plan office may change what an owner's pending request covers; owners wait.
    if user.role != Role::PlanOffice {
        let governed = governed_fields(&patch);
        if !governed.is_empty()
            && let Some((request, field)) = pending_adjustments::pending_on(conn, id, &governed)?
        {
            return Err(Error::Conflict(format!(
                "{} has an adjustment request pending ({request}): the plan office decides it first",
                field.name()
            )));
        }
    }
    let placement = match patch.placement(&current) {
        Some((plan, category)) => {
            Some(placement(conn, plan, category)?.map_err(Error::Validation)?)
        }
        None => None,
    };
    let code = patch
        .code()
        .map_err(|error| Error::Validation(vec![error]))?;
    let before = ProjectDetails::from(&current);
    let details = patch.apply(before.clone()).map_err(Error::Validation)?;
    let plan = match placement {
        Some((plan_id, _)) => PlanRef::Id(plan_id),
        None => PlanRef::Code(&current.plan),
    };
    check_details(conn, &details, plan, &mut HashMap::new())?;
    let years_changed = details.year_plans != before.year_plans;
    let updated = projects::update(
        conn,
        id,
        version,
        &details,
        placement,
        code.as_deref(),
        years_changed,
    )?
    .ok_or(Error::Stale)?;
    let mut change = Change::new(action, "project", id)
        .before(&current)
        .after(&updated);
    if let Some(cause) = cause {
        change = change.cause(cause);
    }
    audit::record(conn, &caller.actor(), change)?;
    Ok(updated)
}

/// A lifecycle move as asked for.
#[derive(Debug, Clone)]
pub struct Move {
    pub to: ProjectStatus,
    /// Why; required to withdraw, to re-enter and to correct. Blank is none.
    pub note: Option<String>,
    /// Why a withdrawal: `other` when not given (the note says it); only with a withdrawal.
    pub reason: Option<WithdrawalReason>,
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
    let mut errors = lifecycle::missing(from, to, kind, facts, note.as_deref());
    let reason = match (to, request.reason) {
        (ProjectStatus::Withdrawn, Some(WithdrawalReason::Expired)) => {
            errors.push(FieldError::new(
                "reason",
                "expired is given by the reserve sweep alone",
            ));
            None
        }
        (ProjectStatus::Withdrawn, reason) => Some(reason.unwrap_or(WithdrawalReason::Other)),
        (_, Some(_)) => {
            errors.push(FieldError::new(
                "reason",
                "only a withdrawal takes a reason",
            ));
            None
        }
        (_, None) => None,
    };
    Error::check(errors)?;
    let change = StatusChange {
        from,
        to,
        note: note.as_deref(),
        reason,
        actor_id: Some(user.id),
    };
    move_project(
        conn,
        &caller.actor(),
        &current,
        version,
        change,
        "project.transition",
    )
}

/// Writes a lifecycle move checked by its caller, and its audit entry.
pub(crate) fn move_project(
    conn: &mut DbConnection,
    actor: &Actor,
    current: &Project,
    version: i64,
    change: StatusChange<'_>,
    action: &str,
) -> Result<Project, Error> {
    if !projects::change_status(conn, current.id, version, change)? {
        return Err(Error::Stale);
    }
    let updated = load(conn, current.id)?;
    audit::record(
        conn,
        actor,
        Change::new(action, "project", current.id)
            .before(current)
            .after(&updated),
    )?;
    Ok(updated)
}

/// Renews a reserve project (plan office, with a note): its reserve counts from today.
pub fn renew(
    conn: &mut DbConnection,
    caller: &Caller,
    id: ProjectId,
    if_match: &IfMatch,
    note: Option<String>,
) -> Result<Project, Error> {
    let current = load(conn, id)?;
    policy::plan_office(caller)?;
    let version = if_match.expect(current.version)?;
    if current.status != ProjectStatus::Reserve {
        return Err(Error::Conflict(format!(
            "only a reserve project is renewed; this one is {}",
            current.status
        )));
    }
    let note = crate::domain::adjustment::parse_reason("note", note.as_deref())
        .map_err(|error| Error::Validation(vec![error]))?;
    if !projects::renew(conn, id, version)? {
        return Err(Error::Stale);
    }
    let updated = load(conn, id)?;
    audit::record(
        conn,
        &caller.actor(),
        Change::new("project.renew", "project", id)
            .before(&current)
            .after(&updated)
            .cause(serde_json::json!({"note": note})),
    )?;
    Ok(updated)
}
