//! Authorization: what a caller may do, decided on the server for every object from the
//! caller's role and organization, never from what the client sends. Each decision is one
//! exhaustive match, so a new role, field or move cannot be forgotten.

use super::{Caller, Principal, UserPrincipal};
use crate::domain::{
    Error, OrganizationId, ProjectStatus, UserId,
    lifecycle::Move,
    project::{Project, ProjectField},
    user::Role,
};

fn forbidden(why: &str) -> Error {
    Error::Forbidden(why.to_owned())
}

/// Plans, categories and projects: every authenticated caller, API keys included.
pub fn read_catalogue(_caller: &Caller) -> Result<(), Error> {
    Ok(())
}

/// A signed-in user (API keys only read the catalogue; the registry itself is no user).
pub fn user(caller: &Caller) -> Result<&UserPrincipal, Error> {
    match &caller.principal {
        Principal::User(user) => Ok(user),
        Principal::ApiKey(_) => Err(forbidden(
            "an API key may only read projects, plans and summaries",
        )),
        Principal::System => Err(forbidden("this needs a signed-in user")),
    }
}

/// Administration: organizations, users, API keys. The registry itself administers too
/// (the first admin at start-up, `user-add` on the command line).
pub fn administer(caller: &Caller) -> Result<(), Error> {
    match &caller.principal {
        Principal::System => Ok(()),
        _ => plan_office(caller).map(drop),
    }
}

/// The plan office user (administration that names its author, e.g. an API key's creator).
pub fn plan_office(caller: &Caller) -> Result<&UserPrincipal, Error> {
    let user = user(caller)?;
    match user.role {
        Role::PlanOffice => Ok(user),
        Role::Department | Role::PlatformCompany | Role::Finance | Role::Viewer => {
            Err(forbidden("only the plan office may do this"))
        }
    }
}

/// The roles that register or change projects at all (checked before the body is read).
pub fn project_editor(caller: &Caller) -> Result<(), Error> {
    if let Principal::System = caller.principal {
        return Ok(());
    }
    match user(caller)?.role {
        Role::PlanOffice | Role::Department | Role::PlatformCompany => Ok(()),
        Role::Finance | Role::Viewer => {
            Err(forbidden("this role does not register or change projects"))
        }
    }
}

/// Registering a project: the plan office (and the registry) any; a department one it
/// leads; a platform company one it implements (with some lead department); nobody else.
pub fn create_project(
    caller: &Caller,
    lead_department: Option<OrganizationId>,
    implementing_org: Option<OrganizationId>,
) -> Result<(), Error> {
    if let Principal::System = caller.principal {
        return Ok(());
    }
    let user = user(caller)?;
    match user.role {
        Role::PlanOffice => Ok(()),
        Role::Department if lead_department == Some(user.organization_id) => Ok(()),
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
) -> Result<&'c UserPrincipal, Error> {
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
    match project.status {
        ProjectStatus::Completed | ProjectStatus::Withdrawn => Err(forbidden(
            "a completed or withdrawn project is changed only by the plan office",
        )),
        ProjectStatus::Reserve | ProjectStatus::Preparation | ProjectStatus::Construction => {
            Ok(user)
        }
    }
}

/// Whether a user of `role` who may change a project may change this field of it:
/// `lead_department`, `code`, `plan` and `category` are the plan office's;
/// `implementing_org` also the lead department's; the rest every owner's.
pub fn may_change(role: Role, field: ProjectField) -> bool {
    match field {
        ProjectField::Name
        | ProjectField::Description
        | ProjectField::Location
        | ProjectField::Scale
        | ProjectField::StartYear
        | ProjectField::EndYear
        | ProjectField::Investment
        | ProjectField::InvestmentByYear
        | ProjectField::NationalCode
        | ProjectField::SourceRef => true,
        ProjectField::ImplementingOrg => matches!(role, Role::PlanOffice | Role::Department),
        ProjectField::LeadDepartment
        | ProjectField::Code
        | ProjectField::Plan
        | ProjectField::Category => role == Role::PlanOffice,
    }
}

/// Every field of `fields` the user may change, or a 403 naming the first it may not.
pub fn change_fields(user: &UserPrincipal, fields: &[ProjectField]) -> Result<(), Error> {
    match fields.iter().find(|field| !may_change(user.role, **field)) {
        Some(field) => Err(Error::Forbidden(format!(
            "this role may not change {}",
            field.name()
        ))),
        None => Ok(()),
    }
}

/// Lifecycle moves: the owners' moves forward and withdrawals; re-entry and corrections
/// are the plan office's alone.
pub fn transition(user: &UserPrincipal, kind: Move) -> Result<(), Error> {
    if kind.plan_office_only() && user.role != Role::PlanOffice {
        return Err(forbidden(
            "only the plan office re-enters a withdrawn project or corrects a status",
        ));
    }
    Ok(())
}

/// The roles that review reports at all (checked before the body is read).
pub fn reviewer(caller: &Caller) -> Result<&UserPrincipal, Error> {
    let user = user(caller)?;
    match user.role {
        Role::Finance | Role::PlanOffice => Ok(user),
        Role::Department | Role::PlatformCompany | Role::Viewer => {
            Err(forbidden("only finance or the plan office reviews reports"))
        }
    }
}

/// Reviewing a report: finance or the plan office, never the report's submitter.
pub fn review(caller: &Caller, submitted_by: UserId) -> Result<&UserPrincipal, Error> {
    let user = reviewer(caller)?;
    if user.id == submitted_by {
        return Err(forbidden("nobody reviews a report they submitted"));
    }
    Ok(user)
}

/// The audit trail: the plan office and finance.
pub fn read_audit(caller: &Caller) -> Result<&UserPrincipal, Error> {
    let user = user(caller)?;
    match user.role {
        Role::PlanOffice | Role::Finance => Ok(user),
        Role::Department | Role::PlatformCompany | Role::Viewer => Err(forbidden(
            "only the plan office and finance read the audit trail",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_plan_office_moves_or_recodes_a_project_and_leads_assign_implementers() {
        for role in Role::ALL {
            assert_eq!(
                may_change(role, ProjectField::LeadDepartment),
                role == Role::PlanOffice
            );
            assert_eq!(
                may_change(role, ProjectField::ImplementingOrg),
                matches!(role, Role::PlanOffice | Role::Department)
            );
            assert!(may_change(role, ProjectField::Investment));
        }
    }
}
