//! Signing in and changing one's password: the two operations that check a password, which
//! takes tens of milliseconds on the hashing threads, so they await it between short
//! database transactions instead of holding one open.

use crate::{
    auth::{
        Caller, api_key, password, policy, random_token,
        token::{TokenKeys, TokenSubject},
    },
    db::{
        self, Database,
        audit::{self, Change},
        console_sessions, login_throttle,
        users::{self, Account},
    },
    domain::{
        Error,
        actor::{Actor, ActorKind},
        user::{NewPassword, User, Username},
    },
    logged::Logged,
    metrics::METRICS,
};

/// The longest password a login hashes: the policy sets none longer than 256 characters
/// (1,024 bytes of UTF-8 at most).
pub const MAX_LOGIN_PASSWORD_BYTES: usize = 1024;

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

/// Signs in to the API: a bearer token for the user.
pub async fn login(
    database: &Database,
    keys: &TokenKeys,
    credentials: Credentials,
) -> Result<LoginResponse, Error> {
    let account = sign_in(database, credentials).await?;
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

/// What a login presents, and where it comes from.
pub struct Credentials {
    pub username: String,
    pub password: String,
    pub client_address: String,
    pub request_id: Option<String>,
}

/// Checks a username and password, for the API's login and the console's alike. Unknown
/// users, wrong passwords and deactivated users get the same answer after the same work (a
/// password hash is always verified); repeated failures are throttled through the database
/// (see [`Subjects`]). A success is audited as `auth.login`.
async fn sign_in(database: &Database, credentials: Credentials) -> Result<Account, Error> {
    let Credentials {
        username,
        password,
        client_address,
        request_id,
    } = credentials;
    let subjects = Subjects::of(&username, &client_address);
    let checked = subjects.clone();
    let lookup = Username::parse(&username).ok();
    let (blocked, account) = database
        .run(move |conn| {
            let blocked = checked.blocked(conn)?;
            let account = match lookup {
                Some(username) => users::find_account_by_username(conn, username.as_str())?,
                None => None,
            };
            Ok::<_, Error>((blocked, account))
        })
        .await?;
    if let Some(retry_after_seconds) = blocked {
        return Err(throttled(retry_after_seconds));
    }

    // A name no account can have, or a password longer than any the policy lets one set,
    // fails without a hash: nothing to learn from it that the contract does not say.
    let well_formed =
        Username::parse(&username).is_ok() && password.len() <= MAX_LOGIN_PASSWORD_BYTES;
    let password_matches = well_formed && {
        let stored_hash = account
            .as_ref()
            .map(|account| account.password_hash.clone());
        password::verify(password, stored_hash).await?
    };

    let account = account.filter(|account| password_matches && account.user.active);
    let Some(account) = account else {
        subjects.record_failure(database).await?;
        tracing::info!(username = %Logged::request(&username), "login failed");
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
            subjects.succeeded(conn)?;
            audit::record(conn, &actor, Change::new("auth.login", "user", user.id))?;
            Ok::<_, Error>(())
        })
        .await?;
    Ok(account)
}

/// The answer to a login (or a password change) from a subject that failed too often.
fn throttled(retry_after_seconds: u64) -> Error {
    METRICS.logins_throttled.inc();
    Error::Throttled {
        retry_after_seconds,
    }
}

/// Changes the caller's password if `current` is right; every token issued before stops
/// working.
/// A wrong current password counts as a failed login, for the user and for the client
/// address alike: a stolen token guesses no faster here than at the login.
pub async fn change_password(
    database: &Database,
    caller: &Caller,
    current: String,
    new_password: NewPassword,
    client_address: String,
) -> Result<(), Error> {
    let me = policy::user(caller)?;
    let id = me.id;
    let subjects = Subjects::of(&me.username, &client_address);
    let checked = subjects.clone();
    let (blocked, account) = database
        .run(move |conn| {
            let blocked = checked.blocked(conn)?;
            Ok::<_, Error>((blocked, users::find_account(conn, id)?))
        })
        .await?;
    if let Some(retry_after_seconds) = blocked {
        return Err(throttled(retry_after_seconds));
    }
    let account = account.ok_or(Error::Unauthorized)?;
    let matches = current.len() <= MAX_LOGIN_PASSWORD_BYTES
        && password::verify(current, Some(account.password_hash)).await?;
    if !matches {
        subjects.record_failure(database).await?;
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

/// A console session just opened: the secret for the browser's cookie (stored only as its
/// hash), the token the console sends with every change (CSRF), and the user.
pub struct ConsoleSession {
    pub secret: String,
    pub csrf_token: String,
    pub user: User,
}

/// How long a console session lives without activity, and at most.
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    pub idle: chrono::Duration,
    pub absolute: chrono::Duration,
}

/// Activity is written at most this often, so reads do not each cost a write.
const SESSION_TOUCH_INTERVAL: chrono::Duration = chrono::Duration::minutes(1);

/// Signs in to the console: the same check as the API's login, then a session row.
pub async fn open_console_session(
    database: &Database,
    credentials: Credentials,
) -> Result<ConsoleSession, Error> {
    let account = sign_in(database, credentials).await?;
    let secret = random_token(32);
    let csrf_token = random_token(32);
    let id = api_key::hash(&secret);
    let (user_id, token_version, csrf) =
        (account.user.id, account.token_version, csrf_token.clone());
    database
        .write(move |conn| {
            console_sessions::insert(conn, &id, user_id, token_version, &csrf, db::now())?;
            Ok::<_, Error>(())
        })
        .await?;
    Ok(ConsoleSession {
        secret,
        csrf_token,
        user: account.user,
    })
}

/// The user a session cookie stands for, with the session's CSRF token; `None` when the
/// session is unknown, idle or too old, or its user was deactivated or changed password
/// since (the token version moved on).
pub async fn resume_console_session(
    database: &Database,
    secret: &str,
    limits: SessionLimits,
) -> Result<Option<(User, String)>, Error> {
    let id = api_key::hash(secret);
    let looked_up = id.clone();
    let found = database
        .run(move |conn| {
            let Some(session) = console_sessions::find(conn, &looked_up)? else {
                return Ok::<_, Error>(None);
            };
            let account = users::find_account(conn, session.user_id)?;
            Ok(Some((session, account)))
        })
        .await?;
    let Some((session, account)) = found else {
        return Ok(None);
    };
    let at = db::now();
    let expired =
        session.last_seen_at < at - limits.idle || session.created_at < at - limits.absolute;
    let account = account.filter(|account| {
        !expired && account.user.active && account.token_version == session.token_version
    });
    let Some(account) = account else {
        database
            .write(move |conn| Ok::<_, Error>(console_sessions::delete(conn, &id)?))
            .await?;
        return Ok(None);
    };
    if at - session.last_seen_at >= SESSION_TOUCH_INTERVAL {
        database
            .write(move |conn| Ok::<_, Error>(console_sessions::touch(conn, &id, at, limits.idle)?))
            .await?;
    }
    Ok(Some((account.user, session.csrf_token)))
}

/// Ends the console session `secret` (logout), audited as `auth.logout`.
pub fn close_console_session(
    conn: &mut db::DbConnection,
    caller: &Caller,
    secret: &str,
) -> Result<(), Error> {
    let me = policy::user(caller)?;
    console_sessions::delete(conn, &api_key::hash(secret))?;
    audit::record(
        conn,
        &caller.actor(),
        Change::new("auth.logout", "user", me.id),
    )?;
    Ok(())
}

/// Failures allowed within `login_throttle::WINDOW` before the subject waits: per
/// (username, client address); per username and per address across all of them.
pub const PAIR_LIMIT: i32 = 5;
pub const USERNAME_LIMIT: i32 = 10;
pub const ADDRESS_LIMIT: i32 = 20;

/// What failed password checks are counted against, and who waits for them.
///
/// The policy (argued in README, "Login throttling"): every failure counts against the
/// (username, address) pair, the username and the address. The pair waits after
/// [`PAIR_LIMIT`] failures, whoever it is. The username and the address wait after theirs
/// only for clients that have not signed in to that account from that address before: an
/// attacker guessing one account from many addresses, or many accounts from one address,
/// is slowed, while the owner at an address they have used, and colleagues behind the same
/// proxy, still sign in. Waits grow from 30 s to 15 min; nothing locks for good.
#[derive(Debug, Clone)]
struct Subjects {
    pair: String,
    user: String,
    address: String,
}

impl Subjects {
    fn of(username: &str, client_address: &str) -> Self {
        Self {
            // The address holds no space, so the first one separates the two.
            pair: format!("pair:{client_address} {username}"),
            user: format!("user:{username}"),
            address: format!("ip:{client_address}"),
        }
    }

    /// Seconds until this client may try again; `None` when it may now.
    fn blocked(&self, conn: &mut db::DbConnection) -> Result<Option<u64>, Error> {
        let at = db::now();
        let known = login_throttle::is_known(conn, &self.pair, at)?;
        let subjects: &[&str] = if known {
            &[&self.pair]
        } else {
            &[&self.pair, &self.user, &self.address]
        };
        Ok(login_throttle::blocked_for(conn, subjects, at)?)
    }

    async fn record_failure(&self, database: &Database) -> Result<(), Error> {
        METRICS.logins_failed.inc();
        let subjects = self.clone();
        database
            .write(move |conn| {
                let at = db::now();
                for (subject, limit) in [
                    (&subjects.pair, PAIR_LIMIT),
                    (&subjects.user, USERNAME_LIMIT),
                    (&subjects.address, ADDRESS_LIMIT),
                ] {
                    login_throttle::record_failure(conn, subject, limit, at)?;
                }
                Ok::<_, Error>(())
            })
            .await
    }

    /// After a successful check: the pair's failures are forgotten and the client is
    /// known. The username's and address's counts stay: an attack elsewhere goes on.
    fn succeeded(&self, conn: &mut db::DbConnection) -> Result<(), Error> {
        login_throttle::clear(conn, &self.pair)?;
        login_throttle::remember_client(conn, &self.pair, db::now())?;
        Ok(())
    }
}
