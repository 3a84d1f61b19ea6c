//! Signing in and changing one's password: the two operations that check a password, which
//! takes tens of milliseconds on the hashing threads, so they await it between short
//! database transactions instead of holding one open.

use crate::{
    auth::{
        Caller, password, policy,
        token::{TokenKeys, TokenSubject},
    },
    db::{
        self, Database,
        audit::{self, Change},
        login_throttle, users,
    },
    domain::{
        Error,
        actor::{Actor, ActorKind},
        user::{NewPassword, User},
    },
};

/// A successful login.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the token expires.
    #[schema(example = 3600)]
    pub expires_in: i64,
    pub user: User,
}

/// Checks a username and password. Unknown users, wrong passwords and deactivated users
/// get the same answer after the same work (a password hash is always verified); repeated
/// failures per username and per client address are throttled through the database.
pub async fn login(
    database: &Database,
    keys: &TokenKeys,
    username: String,
    password: String,
    client_address: String,
    request_id: Option<String>,
) -> Result<LoginResponse, Error> {
    let user_subject = format!("user:{username}");
    let address_subject = format!("ip:{client_address}");
    let subjects = vec![user_subject.clone(), address_subject.clone()];
    let lookup = username.clone();
    let (blocked, account) = database
        .run(move |conn| {
            let blocked = login_throttle::blocked_for(conn, &subjects, db::now())?;
            let account = users::find_account_by_username(conn, &lookup)?;
            Ok::<_, Error>((blocked, account))
        })
        .await?;
    if let Some(retry_after_seconds) = blocked {
        return Err(Error::Throttled {
            retry_after_seconds,
        });
    }

    let stored_hash = account
        .as_ref()
        .map(|account| account.password_hash.clone());
    let password_matches = password::verify(password, stored_hash).await;

    let account = account.filter(|account| password_matches && account.user.active);
    let Some(account) = account else {
        database
            .write(move |conn| {
                let at = db::now();
                login_throttle::record_failure(
                    conn,
                    &user_subject,
                    login_throttle::USERNAME_LIMIT,
                    at,
                )?;
                login_throttle::record_failure(
                    conn,
                    &address_subject,
                    login_throttle::ADDRESS_LIMIT,
                    at,
                )?;
                Ok::<_, Error>(())
            })
            .await?;
        tracing::info!(%username, "login failed");
        return Err(Error::Unauthorized);
    };

    let user = account.user.clone();
    let actor = Actor {
        id: Some(user.id.to_string()),
        kind: ActorKind::User,
        role: Some(user.role),
        organization_id: Some(user.organization_id),
        request_id,
    };
    database
        .write(move |conn| {
            login_throttle::clear(conn, &user_subject)?;
            audit::record(conn, &actor, Change::new("auth.login", "user", user.id))?;
            Ok::<_, Error>(())
        })
        .await?;
    let access_token = keys.issue(TokenSubject {
        user_id: account.user.id,
        token_version: account.token_version,
    })?;
    Ok(LoginResponse {
        access_token,
        token_type: "Bearer",
        expires_in: keys.ttl_seconds(),
        user: account.user,
    })
}

/// Changes the caller's password if `current` is right; every token issued before stops
/// working.
pub async fn change_password(
    database: &Database,
    caller: &Caller,
    current: String,
    new_password: NewPassword,
) -> Result<(), Error> {
    let id = policy::user(caller)?.id;
    let account = database
        .run(move |conn| Ok::<_, Error>(users::find_account(conn, id)?))
        .await?
        .ok_or(Error::Unauthorized)?;
    if !password::verify(current, Some(account.password_hash)).await {
        return Err(Error::validation(
            "current_password",
            "is not your current password",
        ));
    }
    let new_hash = password::hash(&new_password).await?;
    let caller = caller.clone();
    database
        .write(move |conn| super::users::set_own_password(conn, &caller, new_hash))
        .await
}
