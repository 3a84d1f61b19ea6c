//! Users and their credentials.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{DbConnection, now, parse_stored, schema::users, to_utc};
use crate::domain::{
    OrganizationId, UserId,
    user::{Role, User, Username},
};

#[derive(Queryable, Selectable)]
#[diesel(table_name = users)]
struct UserRow {
    id: UserId,
    username: String,
    display_name: String,
    password_hash: String,
    role: String,
    organization_id: OrganizationId,
    active: bool,
    token_version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// A user with what authentication needs.
pub struct Account {
    pub user: User,
    pub password_hash: String,
    pub token_version: i32,
}

fn into_account(row: UserRow) -> QueryResult<Account> {
    Ok(Account {
        user: User {
            id: row.id,
            username: row.username,
            display_name: row.display_name,
            role: parse_stored(&row.role)?,
            organization_id: row.organization_id,
            active: row.active,
            created_at: to_utc(row.created_at),
            updated_at: to_utc(row.updated_at),
        },
        password_hash: row.password_hash,
        token_version: row.token_version,
    })
}

pub fn find_account(conn: &mut DbConnection, id: UserId) -> QueryResult<Option<Account>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(into_account)
        .transpose()
}

pub fn find_account_by_username(
    conn: &mut DbConnection,
    username: &str,
) -> QueryResult<Option<Account>> {
    users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(into_account)
        .transpose()
}

pub fn find(conn: &mut DbConnection, id: UserId) -> QueryResult<Option<User>> {
    Ok(find_account(conn, id)?.map(|account| account.user))
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<User>> {
    users::table
        .select(UserRow::as_select())
        .order(users::username.asc())
        .load(conn)?
        .into_iter()
        .map(|row| into_account(row).map(|account| account.user))
        .collect()
}

/// Whether any active user of the plan office exists.
pub fn plan_office_exists(conn: &mut DbConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        users::table
            .filter(users::role.eq(Role::PlanOffice.as_str()))
            .filter(users::active.eq(true))
            .select(users::id),
    ))
    .get_result(conn)
}

pub struct NewUser<'a> {
    pub username: &'a Username,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub organization_id: OrganizationId,
}

pub fn insert(conn: &mut DbConnection, new: &NewUser<'_>) -> QueryResult<User> {
    let id = UserId::new_random();
    let created_at = now();
    diesel::insert_into(users::table)
        .values((
            users::id.eq(id),
            users::username.eq(new.username.as_str()),
            users::display_name.eq(new.display_name),
            users::password_hash.eq(new.password_hash),
            users::role.eq(new.role.as_str()),
            users::organization_id.eq(new.organization_id),
            users::active.eq(true),
            users::token_version.eq(1),
            users::created_at.eq(created_at),
            users::updated_at.eq(created_at),
        ))
        .execute(conn)?;
    find(conn, id)?.ok_or(diesel::result::Error::NotFound)
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Default)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub organization_id: Option<OrganizationId>,
    pub active: Option<bool>,
    pub password_hash: Option<String>,
    /// Ends every token issued before (the token version moves on).
    pub revoke_tokens: bool,
}

pub fn update(conn: &mut DbConnection, id: UserId, changes: UserChanges) -> QueryResult<User> {
    #[derive(AsChangeset)]
    #[diesel(table_name = users)]
    struct Changeset {
        display_name: Option<String>,
        role: Option<&'static str>,
        organization_id: Option<OrganizationId>,
        active: Option<bool>,
        password_hash: Option<String>,
        updated_at: NaiveDateTime,
    }
    let revoke_tokens = changes.revoke_tokens;
    diesel::update(users::table.find(id))
        .set(Changeset {
            display_name: changes.display_name,
            role: changes.role.map(Role::as_str),
            organization_id: changes.organization_id,
            active: changes.active,
            password_hash: changes.password_hash,
            updated_at: now(),
        })
        .execute(conn)?;
    if revoke_tokens {
        diesel::update(users::table.find(id))
            .set(users::token_version.eq(users::token_version + 1))
            .execute(conn)?;
    }
    find(conn, id)?.ok_or(diesel::result::Error::NotFound)
}
