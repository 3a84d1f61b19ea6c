//! Authorization: what a caller may do, decided on the server for every object from the
//! caller's role and organization, never from what the client sends.

use super::{Caller, Principal, UserPrincipal};
use crate::{
    domain::{OrganizationId, user::Role},
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

/// The roles that register projects at all (checked before the request is read).
pub fn project_registrar(caller: &Caller) -> Result<&UserPrincipal, AppError> {
    let user = user(caller)?;
    match user.role {
        Role::PlanOffice | Role::Department | Role::PlatformCompany => Ok(user),
        Role::Finance | Role::Viewer => Err(forbidden("this role does not register projects")),
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
