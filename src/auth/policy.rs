//! Authorization: what a caller may do, decided on the server for every object from the
//! caller's role and organization, never from what the client sends.

use super::{Caller, Principal, UserPrincipal};
use crate::{
    domain::{
        OrganizationId, ProjectStatus, UserId, lifecycle::Move, project::Project, user::Role,
    },
    error::AppError,
};

fn forbidden(why: &str) -> AppError {
    AppError::Forbidden(why.to_owned())
}

/// Plans, categories and projects: every authenticated caller, API keys included.
pub fn read_catalogue(_caller: &Caller) -> Result<(), AppError> {
    Ok(())
}

/// A signed-in user (API keys only read the catalogue).
pub fn user(caller: &Caller) -> Result<&UserPrincipal, AppError> {
    match &caller.principal {
        Principal::User(user) => Ok(user),
        Principal::ApiKey(_) => Err(forbidden(
            "an API key may only read projects, plans and summaries",
        )),
    }
}

/// Administration: organizations, users, API keys.
pub fn plan_office(caller: &Caller) -> Result<&UserPrincipal, AppError> {
    let user = user(caller)?;
    if user.role == Role::PlanOffice {
        Ok(user)
    } else {
        Err(forbidden("only the plan office may do this"))
    }
}

/// The roles that register or change projects at all (checked before the body is read).
pub fn project_editor(caller: &Caller) -> Result<&UserPrincipal, AppError> {
    let user = user(caller)?;
    match user.role {
        Role::PlanOffice | Role::Department | Role::PlatformCompany => Ok(user),
        Role::Finance | Role::Viewer => {
            Err(forbidden("this role does not register or change projects"))
        }
    }
}

/// Registering a project: the plan office any; a department one it leads; a platform
/// company one it implements (with some lead department); nobody else.
pub fn create_project(
    caller: &Caller,
    lead_department: OrganizationId,
    implementing_org: Option<OrganizationId>,
) -> Result<(), AppError> {
    let user = user(caller)?;
    match user.role {
        Role::PlanOffice => Ok(()),
        Role::Department if lead_department == user.organization_id => Ok(()),
        Role::Department => Err(forbidden("a department registers only projects it leads")),
        Role::PlatformCompany if implementing_org == Some(user.organization_id) => Ok(()),
        Role::PlatformCompany => Err(forbidden(
            "a platform company registers only projects it implements",
        )),
        Role::Finance | Role::Viewer => Err(forbidden("this role does not register projects")),
    }
}

/// Changing a project (fields, lifecycle, reports): the plan office any; a department the
/// projects it leads; a platform company those it implements. A completed or withdrawn
/// project only the plan office.
pub fn change_project<'c>(
    caller: &'c Caller,
    project: &Project,
) -> Result<&'c UserPrincipal, AppError> {
    let user = user(caller)?;
    let owns = match user.role {
        Role::PlanOffice => return Ok(user),
        Role::Department => project.lead_department == Some(user.organization_id),
        Role::PlatformCompany => project.implementing_org == Some(user.organization_id),
        Role::Finance | Role::Viewer => {
            return Err(forbidden("this role does not change projects"));
        }
    };
    if !owns {
        return Err(forbidden(
            "only the project's lead department or implementing organization may change it",
        ));
    }
    if matches!(
        project.status,
        ProjectStatus::Completed | ProjectStatus::Withdrawn
    ) {
        return Err(forbidden(
            "a completed or withdrawn project is changed only by the plan office",
        ));
    }
    Ok(user)
}

/// Fields of a project that not every owner may change: `lead_department`, `code`, `plan`
/// and `category` are the plan office's; `implementing_org` also the lead department's.
pub fn change_fields(user: &UserPrincipal, fields: &[&str]) -> Result<(), AppError> {
    if user.role == Role::PlanOffice {
        return Ok(());
    }
    for field in fields {
        let allowed = match *field {
            "lead_department" | "code" | "plan" | "category" => false,
            "implementing_org" => user.role == Role::Department,
            _ => true,
        };
        if !allowed {
            return Err(AppError::Forbidden(format!(
                "this role may not change {field}"
            )));
        }
    }
    Ok(())
}

/// Lifecycle moves: the owners' moves forward and withdrawals; re-entry and corrections
/// are the plan office's alone.
pub fn transition(user: &UserPrincipal, kind: Move) -> Result<(), AppError> {
    if kind.plan_office_only() && user.role != Role::PlanOffice {
        return Err(forbidden(
            "only the plan office re-enters a withdrawn project or corrects a status",
        ));
    }
    Ok(())
}

/// The roles that review reports at all (checked before the body is read).
pub fn reviewer(caller: &Caller) -> Result<&UserPrincipal, AppError> {
    let user = user(caller)?;
    if matches!(user.role, Role::Finance | Role::PlanOffice) {
        Ok(user)
    } else {
        Err(forbidden("only finance or the plan office reviews reports"))
    }
}

/// Reviewing a report: finance or the plan office, never the report's submitter.
pub fn review(caller: &Caller, submitted_by: UserId) -> Result<&UserPrincipal, AppError> {
    let user = reviewer(caller)?;
    if user.id == submitted_by {
        return Err(forbidden("nobody reviews a report they submitted"));
    }
    Ok(user)
}

/// The audit trail: the plan office and finance.
pub fn read_audit(caller: &Caller) -> Result<&UserPrincipal, AppError> {
    let user = user(caller)?;
    match user.role {
        Role::PlanOffice | Role::Finance => Ok(user),
        _ => Err(forbidden(
            "only the plan office and finance read the audit trail",
        )),
    }
}
