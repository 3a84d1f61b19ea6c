//! Users: adding one (the API, `user-add`, the first admin at start-up), changing one, and
//! a user changing their own password. Passwords arrive hashed: hashing is slow and runs
//! before the transaction (see `auth::password`).

use crate::{
    auth::{Caller, policy},
    db::{
        DbConnection,
        audit::{self, Change},
        organizations,
        users::{self, NewUser, UserChanges},
    },
    domain::{
        Error, OrganizationId, UserId,
        organization::OrganizationKind,
        user::{Role, User, Username},
    },
};

pub fn not_found(id: impl std::fmt::Display) -> Error {
    Error::NotFound(format!("no user has the id {id}"))
}

/// All users (plan office only).
pub fn list(conn: &mut DbConnection, caller: &Caller) -> Result<Vec<User>, Error> {
    policy::plan_office(caller)?;
    Ok(users::list(conn)?)
}

/// One user (plan office only; everyone reads themselves at `/me`).
pub fn find(conn: &mut DbConnection, caller: &Caller, id: UserId) -> Result<User, Error> {
    policy::plan_office(caller)?;
    users::find(conn, id)?.ok_or_else(|| not_found(id))
}

/// The caller as a user.
pub fn me(conn: &mut DbConnection, caller: &Caller) -> Result<User, Error> {
    let id = policy::user(caller)?.id;
    users::find(conn, id)?.ok_or(Error::Unauthorized)
}

/// Checks that `organization_id` is an active organization whose kind fits `role`.
fn check_membership(
    conn: &mut DbConnection,
    role: Role,
    organization_id: OrganizationId,
) -> Result<(), Error> {
    match organizations::find(conn, organization_id)? {
        None => Err(Error::validation(
            "organization_id",
            "no organization has this id",
        )),
        Some(organization) if !organization.active => Err(Error::validation(
            "organization_id",
            "the organization is deactivated",
        )),
        Some(organization) if !role.fits(organization.kind) => Err(Error::validation(
            "role",
            format!(
                "a {role} user cannot belong to a {} organization",
                organization.kind
            ),
        )),
        Some(_) => Ok(()),
    }
}

/// A user to add, its password already hashed.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: Username,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub organization_id: OrganizationId,
}

/// Adds a user (plan office, or the registry itself).
pub fn create(conn: &mut DbConnection, caller: &Caller, new: NewAccount) -> Result<User, Error> {
    policy::administer(caller)?;
    check_membership(conn, new.role, new.organization_id)?;
    if users::find_account_by_username(conn, new.username.as_str())?.is_some() {
        return Err(Error::Conflict(format!(
            "the username {:?} is taken",
            new.username.as_str()
        )));
    }
    let user = users::insert(
        conn,
        &NewUser {
            username: &new.username,
            display_name: new.display_name.trim(),
            password_hash: &new.password_hash,
            role: new.role,
            organization_id: new.organization_id,
        },
    )?;
    audit::record(
        conn,
        &caller.actor(),
        Change::new("user.create", "user", user.id).after(&user),
    )?;
    Ok(user)
}

/// What an administrator changes about a user; `None` keeps a value.
#[derive(Debug, Clone, Default)]
pub struct AccountChanges {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub organization_id: Option<OrganizationId>,
    pub active: Option<bool>,
    /// A new password, hashed; ends the user's tokens.
    pub password_hash: Option<String>,
}

/// Changes a user (plan office). Nobody deactivates or demotes themselves: another plan
/// office user can, so the registry never loses its last administrator by accident.
pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    id: UserId,
    changes: AccountChanges,
) -> Result<User, Error> {
    let me = policy::plan_office(caller)?.id;
    self_demotion_refused(me, id, &changes)?;
    // An administrator setting someone's password is told apart in the trail.
    let action = if changes.password_hash.is_some() {
        "user.password_reset"
    } else {
        "user.update"
    };
    let before = users::find(conn, id)?.ok_or_else(|| not_found(id))?;
    if changes.role.is_some() || changes.organization_id.is_some() {
        let role = changes.role.unwrap_or(before.role);
        let organization_id = changes.organization_id.unwrap_or(before.organization_id);
        check_membership(conn, role, organization_id)?;
    }
    let after = users::update(
        conn,
        id,
        UserChanges {
            display_name: changes.display_name.map(|name| name.trim().to_owned()),
            role: changes.role,
            organization_id: changes.organization_id,
            active: changes.active,
            // A new password or a deactivation ends the tokens issued before: a user
            // reactivated later starts again from a login, not from an old token.
            revoke_tokens: changes.password_hash.is_some() || changes.active == Some(false),
            password_hash: changes.password_hash,
        },
    )?;
    audit::record(
        conn,
        &caller.actor(),
        Change::new(action, "user", id)
            .before(&before)
            .after(&after),
    )?;
    Ok(after)
}

/// The refusal of a plan office user deactivating or demoting themselves (checked before
/// a new password is hashed too).
pub fn self_demotion_refused(
    me: UserId,
    id: UserId,
    changes: &AccountChanges,
) -> Result<(), Error> {
    let demotes =
        changes.active == Some(false) || changes.role.is_some_and(|role| role != Role::PlanOffice);
    if me == id && demotes {
        return Err(Error::Conflict(
            "you cannot deactivate or demote yourself; another plan office user can".to_owned(),
        ));
    }
    Ok(())
}

/// Sets the caller's own password (checked against the current one by the caller of this
/// function: see `ops::sessions::change_password`); every token issued before stops working.
pub fn set_own_password(
    conn: &mut DbConnection,
    caller: &Caller,
    password_hash: String,
) -> Result<(), Error> {
    let id = policy::user(caller)?.id;
    users::update(
        conn,
        id,
        UserChanges {
            password_hash: Some(password_hash),
            revoke_tokens: true,
            ..UserChanges::default()
        },
    )?;
    audit::record(
        conn,
        &caller.actor(),
        Change::new("user.password_change", "user", id),
    )?;
    Ok(())
}

/// Name of the plan office organization created when the seeds brought none.
const PLAN_OFFICE_NAME: &str = "规划办公室";

/// What [`ensure_first_admin`] found.
pub enum FirstAdmin {
    /// An active plan office user exists already.
    Present,
    /// `admin` exists but is inactive: it must be reactivated by hand.
    Inactive,
    /// `admin` was added with the password hashed by `hash`.
    Created,
}

/// On a database without an active plan office user (a new one, say), adds the plan office
/// user `admin`, in the plan office organization (created if the seeds brought none).
/// `hash` is called only when the user is added.
pub fn ensure_first_admin(
    conn: &mut DbConnection,
    hash: impl FnOnce() -> anyhow::Result<String>,
) -> Result<FirstAdmin, Error> {
    if users::plan_office_exists(conn)? {
        return Ok(FirstAdmin::Present);
    }
    if users::find_account_by_username(conn, "admin")?.is_some() {
        return Ok(FirstAdmin::Inactive);
    }
    let caller = Caller::system();
    let organization = match organizations::first_of_kind(conn, OrganizationKind::PlanOffice)? {
        Some(organization) => organization,
        None => super::organizations::create(
            conn,
            &caller,
            PLAN_OFFICE_NAME.to_owned(),
            OrganizationKind::PlanOffice,
        )?,
    };
    create(
        conn,
        &caller,
        NewAccount {
            username: Username::parse("admin").expect("a valid username"),
            display_name: "Administrator".to_owned(),
            password_hash: hash()?,
            role: Role::PlanOffice,
            organization_id: organization.id,
        },
    )?;
    Ok(FirstAdmin::Created)
}
