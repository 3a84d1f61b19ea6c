//! API keys of external tools: issued by the plan office, shown once, revocable.

use crate::{
    auth::{Caller, api_key, policy},
    db::{
        DbConnection,
        api_keys::{self, ApiKey},
        audit::{self, Change},
    },
    domain::{ApiKeyId, Error},
};

pub fn not_found(id: impl std::fmt::Display) -> Error {
    Error::NotFound(format!("no active API key has the id {id}"))
}

/// All API keys, revoked ones included; never the keys themselves (plan office only).
pub fn list(conn: &mut DbConnection, caller: &Caller) -> Result<Vec<ApiKey>, Error> {
    policy::plan_office(caller)?;
    Ok(api_keys::list(conn)?)
}

/// A name for a key: 1–200 characters, not blank.
pub fn parse_name(name: &str) -> Result<String, Error> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::validation(
            "name",
            "must be 1 to 200 characters, not blank",
        ));
    }
    Ok(name.to_owned())
}

/// Issues a read-only key; the key itself is in the answer and nowhere else.
pub fn issue(
    conn: &mut DbConnection,
    caller: &Caller,
    name: String,
) -> Result<(ApiKey, String), Error> {
    let creator = policy::plan_office(caller)?.id;
    let (key, key_hash) = api_key::generate();
    let created = api_keys::insert(conn, &name, &key_hash, creator)?;
    audit::record(
        conn,
        &caller.actor(),
        Change::new("api_key.create", "api_key", created.id).after(&created),
    )?;
    Ok((created, key))
}

/// Revokes a key at once.
pub fn revoke(conn: &mut DbConnection, caller: &Caller, id: ApiKeyId) -> Result<(), Error> {
    policy::plan_office(caller)?;
    let before = api_keys::find(conn, id)?;
    let after = api_keys::revoke(conn, id)?.ok_or_else(|| not_found(id))?;
    audit::record(
        conn,
        &caller.actor(),
        Change::new("api_key.revoke", "api_key", id)
            .before(&before)
            .after(&after),
    )?;
    Ok(())
}
