//! Reserve expiry: a plan's reserve validity, and the sweep that withdraws the reserve
//! projects past it (reason `expired`), run at start-up, daily, from the command line and
//! by the plan office (as a preview, or for real, as of today or a later date).

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use super::projects::{move_project, not_found as project_not_found};
use crate::{
    auth::{Caller, policy},
    db::{
        self, DbConnection,
        audit::{self, Change},
        plans, projects,
        projects::StatusChange,
    },
    domain::{
        Error, FieldError, PlanId, ProjectId, ProjectStatus,
        actor::Actor,
        plan::Plan,
        project::Project,
        reserve::{VALIDITY_YEARS, WithdrawalReason},
    },
};

/// A reserve project the sweep withdraws (or, in a preview, would).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Expired {
    #[schema(value_type = String, format = Uuid)]
    pub id: ProjectId,
    #[schema(example = "YY-POL-007")]
    pub code: String,
    #[schema(value_type = String, format = Date)]
    pub reserve_since: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub reserve_expires: NaiveDate,
}

/// What a sweep found, and whether it withdrew it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SweepOutcome {
    #[schema(value_type = String, format = Date)]
    pub as_of: NaiveDate,
    pub dry_run: bool,
    pub expired: Vec<Expired>,
}

fn plan_id(conn: &mut DbConnection, code: &str) -> Result<PlanId, Error> {
    plans::find_id(conn, code)?
        .ok_or_else(|| Error::NotFound(format!("no plan has the code {code:?}")))
}

/// How often a sweep retries a project an owner changed under it before leaving it to the
/// next run.
const ATTEMPTS: usize = 3;

/// Sweeps the plan's reserve as of `as_of` (today when `None`; never earlier): the plan
/// office or the registry. A dry run only lists. A real run withdraws each expired reserve
/// project as the registry's own act (audited `project.expire` with a system actor and the
/// request that asked, if any), whether or not it has a lead department; it holds the
/// sweep's lock, so two sweepers withdraw each project once.
pub fn sweep(
    conn: &mut DbConnection,
    caller: &Caller,
    plan_code: &str,
    as_of: Option<NaiveDate>,
    dry_run: bool,
) -> Result<SweepOutcome, Error> {
    // The registry sweeps by itself; of people, only the plan office.
    policy::administer(caller)?;
    let today = db::today();
    let as_of = as_of.unwrap_or(today);
    if as_of < today {
        return Err(Error::Validation(vec![FieldError::new(
            "as_of",
            format!("must not be earlier than today ({today})"),
        )]));
    }
    let plan_id = plan_id(conn, plan_code)?;
    if !dry_run {
        conn.lock_reserve_sweep()?;
    }
    let mut actor = Actor::system();
    actor.request_id = caller.request_id.clone();
    let mut expired = Vec::new();
    for id in projects::expired_reserve(conn, plan_id, as_of)? {
        let found = if dry_run {
            expiring(conn, id, as_of)?.map(|(expired, _)| expired)
        } else {
            withdraw(conn, &actor, id, as_of)?
        };
        expired.extend(found);
    }
    Ok(SweepOutcome {
        as_of,
        dry_run,
        expired,
    })
}

/// The project, if it is (still) a reserve project expired as of `as_of`.
fn expiring(
    conn: &mut DbConnection,
    id: ProjectId,
    as_of: NaiveDate,
) -> Result<Option<(Expired, Project)>, Error> {
    let project = projects::find(conn, id)?.ok_or_else(|| project_not_found(id))?;
    Ok(match project.reserve_expires {
        Some(expires) if project.status == ProjectStatus::Reserve && expires <= as_of => Some((
            Expired {
                id,
                code: project.code.clone(),
                reserve_since: project.reserve_since,
                reserve_expires: expires,
            },
            project,
        )),
        _ => None,
    })
}

/// Withdraws one expired reserve project; an owner's edit that lands first is kept and the
/// withdrawal retried on the new version.
fn withdraw(
    conn: &mut DbConnection,
    actor: &Actor,
    id: ProjectId,
    as_of: NaiveDate,
) -> Result<Option<Expired>, Error> {
    for _ in 0..ATTEMPTS {
        let Some((expired, project)) = expiring(conn, id, as_of)? else {
            return Ok(None);
        };
        let note = format!(
            "the reserve validity ran out on {} (reserve since {})",
            expired.reserve_expires, expired.reserve_since
        );
        let change = StatusChange {
            from: ProjectStatus::Reserve,
            to: ProjectStatus::Withdrawn,
            note: Some(&note),
            reason: Some(WithdrawalReason::Expired),
            actor_id: None,
        };
        match move_project(
            conn,
            actor,
            &project,
            project.version,
            change,
            "project.expire",
        ) {
            Ok(_) => return Ok(Some(expired)),
            Err(Error::Stale) => continue,
            Err(error) => return Err(error),
        }
    }
    tracing::warn!(project = %id, "the reserve sweep left a project changing under it to its next run");
    Ok(None)
}

/// Sweeps every plan as of today (start-up, the daily run, the command line); returns how
/// many projects left the reserve.
pub fn sweep_all(conn: &mut DbConnection) -> Result<usize, Error> {
    let caller = Caller::system();
    let mut withdrawn = 0;
    for plan in plans::list(conn)? {
        withdrawn += sweep(conn, &caller, &plan.code, None, false)?.expired.len();
    }
    Ok(withdrawn)
}

/// Sets a plan's reserve validity (plan office): every project's expiry date follows.
pub fn set_validity(
    conn: &mut DbConnection,
    caller: &Caller,
    plan_code: &str,
    years: i32,
) -> Result<Plan, Error> {
    policy::plan_office(caller)?;
    let before = plans::find(conn, plan_code)?
        .ok_or_else(|| Error::NotFound(format!("no plan has the code {plan_code:?}")))?;
    if !VALIDITY_YEARS.contains(&years) {
        return Err(Error::Validation(vec![FieldError::new(
            "reserve_validity_years",
            "must be a whole number of years from 1 to 20",
        )]));
    }
    let plan_id = plan_id(conn, plan_code)?;
    plans::set_reserve_validity(conn, plan_id, years)?;
    let after =
        plans::find(conn, plan_code)?.ok_or_else(|| Error::NotFound(plan_code.to_owned()))?;
    audit::record(
        conn,
        &caller.actor(),
        Change::new("plan.update", "plan", plan_id)
            .before(&before)
            .after(&after),
    )?;
    Ok(after)
}
