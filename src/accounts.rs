//! Start-up tasks for accounts: the first administrator and the token signing secret.

use std::{io::Write, path::Path};

use anyhow::{Context, bail};

use crate::{
    auth::{self, password},
    config::Settings,
    db::{
        self, DatabaseUrl, DbConnection,
        audit::{self, Actor, Change},
        users::NewUser,
    },
    domain::{
        OrganizationId,
        organization::OrganizationKind,
        user::{NewPassword, Role, User, Username},
    },
    error::AppError,
};

/// Name of the plan office organization created when the seeds brought none.
const PLAN_OFFICE_NAME: &str = "规划办公室";

/// On a database without an active plan office user (a new one, say), creates the plan
/// office user `admin` with `password`, or with a random one printed once.
pub fn ensure_first_admin(conn: &mut DbConnection, password: Option<&str>) -> anyhow::Result<()> {
    conn.write_transaction(|conn| {
        if db::users::plan_office_exists(conn)? {
            return Ok(());
        }
        if db::users::find_account_by_username(conn, "admin")?.is_some() {
            tracing::warn!(
                "no active plan office user, and `admin` exists but is inactive: reactivate it"
            );
            return Ok(());
        }
        let (password, generated) = given_or_random(password, "ADMIN_PASSWORD")?;
        let organization =
            match db::organizations::first_of_kind(conn, OrganizationKind::PlanOffice)? {
                Some(organization) => organization,
                None => {
                    db::organizations::insert(conn, PLAN_OFFICE_NAME, OrganizationKind::PlanOffice)?
                }
            };
        let username = Username::parse("admin").expect("a valid username");
        let user = db::users::insert(
            conn,
            &NewUser {
                username: &username,
                display_name: "Administrator",
                password_hash: &password::hash_blocking(&password)?,
                role: Role::PlanOffice,
                organization_id: organization.id,
            },
        )?;
        audit::record(
            conn,
            &Actor::system(),
            Change::new("user.create", "user", user.id).after(&user),
        )?;
        match generated {
            Some(generated) => println!(
                "Created the plan office user `admin` with the password {generated} \
                 (shown only this once: keep it, then change it)."
            ),
            None => println!("Created the plan office user `admin` with ADMIN_PASSWORD."),
        }
        Ok(())
    })
}

/// Checks that `organization_id` is an active organization whose kind fits `role`.
pub fn check_membership(
    conn: &mut DbConnection,
    role: Role,
    organization_id: OrganizationId,
    role_field: &str,
) -> Result<(), AppError> {
    match db::organizations::find(conn, organization_id)? {
        None => Err(AppError::validation(
            "organization_id",
            "no organization has this id",
        )),
        Some(organization) if !organization.active => Err(AppError::validation(
            "organization_id",
            "the organization is deactivated",
        )),
        Some(organization) if !role.fits(organization.kind) => Err(AppError::validation(
            role_field,
            format!(
                "a {role} user cannot belong to a {} organization",
                organization.kind
            ),
        )),
        Some(_) => Ok(()),
    }
}

/// `password` checked against the policy, or a random one, returned also as text to be
/// shown once.
fn given_or_random(
    password: Option<&str>,
    source: &str,
) -> anyhow::Result<(NewPassword, Option<String>)> {
    let generated = password.is_none().then(|| auth::random_token(18));
    let text = password.or(generated.as_deref()).unwrap_or_default();
    let password = NewPassword::parse(text).map_err(|why| anyhow::anyhow!("{source} {why}"))?;
    Ok((password, generated))
}

/// Adds a user from the command line; returns it with the generated password, if any.
pub fn add_user(
    conn: &mut DbConnection,
    username: &str,
    role: Role,
    organization_name: &str,
    password: Option<&str>,
) -> anyhow::Result<(User, Option<String>)> {
    let username = Username::parse(username).map_err(|why| anyhow::anyhow!("username {why}"))?;
    let (password, generated) = given_or_random(password, "REGISTRY_USER_PASSWORD")?;
    let password_hash = password::hash_blocking(&password)?;
    let user = conn.write_transaction(|conn| {
        let organization = db::organizations::find_by_name(conn, organization_name)?
            .ok_or_else(|| anyhow::anyhow!("no organization is named {organization_name:?}"))?;
        check_membership(conn, role, organization.id, "role")
            .map_err(|error| anyhow::anyhow!("{error:?}"))?;
        if db::users::find_account_by_username(conn, username.as_str())?.is_some() {
            bail!("the username {:?} is taken", username.as_str());
        }
        let user = db::users::insert(
            conn,
            &NewUser {
                username: &username,
                display_name: "",
                password_hash: &password_hash,
                role,
                organization_id: organization.id,
            },
        )?;
        audit::record(
            conn,
            &Actor::system(),
            Change::new("user.create", "user", user.id).after(&user),
        )?;
        Ok(user)
    })?;
    Ok((user, generated))
}

/// `JWT_SECRET`, or on SQLite a secret generated once and kept beside the database file.
pub fn jwt_secret(settings: &Settings) -> anyhow::Result<Vec<u8>> {
    if let Some(secret) = &settings.jwt_secret {
        return Ok(secret.as_bytes().to_vec());
    }
    let DatabaseUrl::Sqlite(database) = &settings.database_url else {
        bail!(
            "set JWT_SECRET (at least 32 bytes): every instance on PostgreSQL must sign tokens alike"
        );
    };
    let path = database
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join("jwt-secret");
    if let Ok(secret) = std::fs::read_to_string(&path) {
        return Ok(secret.trim().as_bytes().to_vec());
    }
    let secret = auth::random_token(48);
    let mut file = std::fs::OpenOptions::new();
    file.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
    file.open(&path)
        .and_then(|mut file| file.write_all(secret.as_bytes()))
        .with_context(|| format!("writing {}", path.display()))?;
    tracing::info!(path = %path.display(), "generated the token signing secret");
    Ok(secret.into_bytes())
}

/// A successful login.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the token expires.
    #[schema(example = 3600)]
    pub expires_in: i64,
    pub user: crate::domain::user::User,
}

/// Checks a username and password. Unknown users, wrong passwords and deactivated users
/// get the same answer after the same work (a password hash is always verified); repeated
/// failures per username and per client address are throttled through the database.
pub async fn login(
    database: &db::Database,
    authenticator: &auth::Authenticator,
    username: String,
    password: String,
    client_address: String,
    request_id: String,
) -> Result<LoginResponse, crate::error::AppError> {
    use crate::{db::login_throttle, error::AppError};

    let user_subject = format!("user:{username}");
    let address_subject = format!("ip:{client_address}");
    let subjects = vec![user_subject.clone(), address_subject.clone()];
    let lookup = username.clone();
    let (blocked, account) = database
        .run(move |conn| {
            let blocked = login_throttle::blocked_for(conn, &subjects, db::now())?;
            let account = db::users::find_account_by_username(conn, &lookup)?;
            Ok::<_, AppError>((blocked, account))
        })
        .await?;
    if let Some(retry_after_seconds) = blocked {
        return Err(AppError::TooManyRequests {
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
                Ok::<_, AppError>(())
            })
            .await?;
        tracing::info!(%username, "login failed");
        return Err(AppError::Unauthorized);
    };

    let user = account.user.clone();
    let actor = Actor {
        id: Some(user.id.to_string()),
        kind: db::audit::ActorKind::User,
        role: Some(user.role),
        organization_id: Some(user.organization_id),
        request_id: Some(request_id),
    };
    database
        .write(move |conn| {
            login_throttle::clear(conn, &user_subject)?;
            audit::record(conn, &actor, Change::new("auth.login", "user", user.id))?;
            Ok::<_, AppError>(())
        })
        .await?;
    let access_token = authenticator.keys.issue(auth::token::TokenSubject {
        user_id: account.user.id,
        token_version: account.token_version,
    })?;
    Ok(LoginResponse {
        access_token,
        token_type: "Bearer",
        expires_in: authenticator.keys.ttl_seconds(),
        user: account.user,
    })
}
