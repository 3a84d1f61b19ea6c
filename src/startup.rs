//! Building the application: database, migrations, seeds, and the HTTP server.

use std::{net::TcpListener, sync::Arc};

use actix_web::{
    App, HttpResponse, HttpServer,
    dev::{Server, ServiceResponse},
    http::header,
    middleware::{Compress, ErrorHandlerResponse, ErrorHandlers, from_fn},
    web,
};
use anyhow::Context;

use crate::{
    auth::{self, password, scrape::ScrapeToken, token::TokenKeys},
    config::{Settings, TrustedProxies},
    db::{Database, DatabaseUrl},
    domain::{Error, user::NewPassword},
    error::{AppError, PROBLEM_JSON, json_error},
    openapi,
    opendata::oc4ids::Publication,
    ops,
    ops::sessions::SessionLimits,
    routes::{self, body::BodyTimeout, console::SecureCookie},
    seed::SeedSet,
    sheets::read::Limits,
    telemetry,
};

/// Largest request body accepted (413 above).
pub const BODY_LIMIT_BYTES: usize = 256 * 1024;

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    pub database: Database,
    pub keys: Arc<TokenKeys>,
    pub import_limits: Limits,
    pub publication: Publication,
    pub trusted_proxies: TrustedProxies,
    pub body_timeout: BodyTimeout,
    pub session_limits: SessionLimits,
    pub secure_cookie: SecureCookie,
    /// Who may read `/metrics` (`None`: nobody, it is off).
    pub metrics_token: Option<ScrapeToken>,
}

/// Opens the pool, migrates, loads the plan's seeds and creates the first `admin` (each
/// once; idempotent), and sets up the token keys.
pub async fn prepare(settings: &Settings) -> anyhow::Result<AppState> {
    let settings = settings.clone();
    actix_web::web::block(move || {
        let database = Database::connect(&settings.database_url, settings.pool)?;
        let mut conn = database.connection()?;
        conn.with_startup_lock(|conn| {
            conn.run_migrations()?;
            let report = ops::seed::load(conn, &SeedSet::embedded()?)?;
            tracing::info!(?report, "plan seeds loaded");
            ensure_first_admin(conn, settings.admin_password.as_deref())?;
            sweep_reserve(conn)
        })?;
        drop(conn);
        let secret = jwt_secret(&settings)?;
        let keys = TokenKeys::new(&secret, settings.token_ttl_seconds)?;
        Ok(AppState {
            database,
            keys: Arc::new(keys),
            import_limits: import_limits(&settings),
            publication: settings.publication.clone(),
            trusted_proxies: settings.trusted_proxies.clone(),
            body_timeout: BodyTimeout(settings.body_timeout),
            session_limits: SessionLimits {
                idle: chrono::Duration::from_std(settings.session_idle)?,
                absolute: chrono::Duration::from_std(settings.session_max)?,
            },
            metrics_token: settings.metrics_token.clone(),
            secure_cookie: SecureCookie(
                settings
                    .publication
                    .public_url
                    .as_deref()
                    .is_some_and(|url| url.starts_with("https://")),
            ),
        })
    })
    .await
    .context("preparing the database")?
}

pub struct Application {
    server: Server,
    port: u16,
    database: Database,
}

/// How often a running service sweeps the reserve (it sweeps at start-up too).
const RESERVE_SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Withdraws every plan's expired reserve projects as of today, in one write transaction.
fn sweep_reserve(conn: &mut crate::db::DbConnection) -> anyhow::Result<()> {
    let withdrawn = conn
        .write_transaction(ops::reserve::sweep_all)
        .map_err(described)?;
    tracing::info!(withdrawn, "reserve swept");
    Ok(())
}

/// The daily reserve sweep of a running service. A failed sweep is logged and tried again
/// the next day (each project's exit is its own conditional write; nothing is half done).
async fn sweep_daily(database: Database) {
    loop {
        actix_web::rt::time::sleep(RESERVE_SWEEP_EVERY).await;
        let swept = database.write(ops::reserve::sweep_all).await;
        match swept {
            Ok(withdrawn) => tracing::info!(withdrawn, "reserve swept"),
            Err(error) => {
                tracing::error!(error = %crate::logged::Logged::error(&error.to_string()), "the reserve sweep failed")
            }
        }
    }
}

impl Application {
    /// Prepares the database and binds the listener (port 0 picks a free port).
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let state = prepare(settings).await?;
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("binding {}", settings.bind))?;
        Self::with_listener(state, listener)
    }

    pub fn with_listener(state: AppState, listener: TcpListener) -> anyhow::Result<Self> {
        let port = listener.local_addr()?.port();
        let sweeper = state.database.clone();
        // Database work runs on each worker's blocking threads: threads beyond the pooled
        // connections would only wait for one, each holding a stack and a malloc arena.
        let workers = std::thread::available_parallelism().map_or(1, usize::from);
        let blocking_threads = state.database.max_connections().div_ceil(workers).max(1);
        let database = web::Data::new(state.database);
        let keys = web::Data::from(state.keys);
        let import_limits = web::Data::new(state.import_limits);
        let publication = web::Data::new(state.publication);
        let trusted_proxies = web::Data::new(state.trusted_proxies);
        let body_timeout = web::Data::new(state.body_timeout);
        let session_limits = web::Data::new(state.session_limits);
        let secure_cookie = web::Data::new(state.secure_cookie);
        let metrics_token = web::Data::new(state.metrics_token);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(database.clone())
                .app_data(keys.clone())
                .app_data(import_limits.clone())
                .app_data(publication.clone())
                .app_data(trusted_proxies.clone())
                .app_data(body_timeout.clone())
                .app_data(session_limits.clone())
                .app_data(secure_cookie.clone())
                .app_data(metrics_token.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(BODY_LIMIT_BYTES)
                        .error_handler(json_error),
                )
                .app_data(web::PayloadConfig::new(BODY_LIMIT_BYTES))
                .wrap(from_fn(routes::body::body_deadline))
                .wrap(ErrorHandlers::new().default_handler(problem_for_bare_errors))
                .wrap(from_fn(routes::language::localize_problems))
                .wrap(from_fn(telemetry::request_context))
                .wrap(Compress::default())
                .wrap(from_fn(routes::compression::policy))
                .wrap(from_fn(routes::headers::security_headers))
                .configure(routes::configure)
                .service(web::resource("/api/openapi.json").get(openapi::serve))
                .service(web::resource("/metrics").get(routes::health::metrics))
                .service(web::resource("/docs").get(openapi::docs_redirect))
                .service(openapi::docs())
                .default_service(web::to(|| async {
                    Err::<HttpResponse, _>(AppError::not_found("no such resource"))
                }))
        })
        .workers(workers)
        .worker_max_blocking_threads(blocking_threads)
        .listen(listener)?
        .run();
        Ok(Self {
            server,
            port,
            database: sweeper,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the server stops, sweeping the reserve daily meanwhile.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let daily = std::pin::pin!(sweep_daily(self.database));
        match futures_util::future::select(self.server, daily).await {
            futures_util::future::Either::Left((stopped, _)) => stopped,
            futures_util::future::Either::Right(((), _)) => unreachable!("the sweep never ends"),
        }
    }
}

/// Error responses that actix makes itself (a 405 of a resource, say) get the
/// problem+json body too; those the service made are left alone.
fn problem_for_bare_errors<B>(
    response: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes() == PROBLEM_JSON.as_bytes());
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(
            response.map_into_left_body(),
        ));
    }
    let status = response.status();
    let error = match status.as_u16() {
        400 => AppError::BadRequest("the request could not be read".to_owned()),
        404 => AppError::not_found("no such resource"),
        405 => AppError::MethodNotAllowed(openapi::allowed_methods(
            response.request().match_pattern().as_deref(),
        )),
        413 => AppError::PayloadTooLarge,
        415 => AppError::UnsupportedMediaType("unsupported content type".to_owned()),
        _ => anyhow::anyhow!("unhandled error status {status}").into(),
    };
    let (request, _) = response.into_parts();
    let response = ServiceResponse::new(request, actix_web::ResponseError::error_response(&error))
        .map_into_right_body();
    Ok(ErrorHandlerResponse::Response(response))
}

/// The bounds of an uploaded spreadsheet, from the settings.
pub fn import_limits(settings: &Settings) -> Limits {
    Limits {
        bytes: settings.import_max_bytes,
        rows: settings.import_max_rows,
        ..Limits::default()
    }
}

/// On a database without an active plan office user, adds `admin` with `password`, or
/// with a random one printed once.
fn ensure_first_admin(
    conn: &mut crate::db::DbConnection,
    password: Option<&str>,
) -> anyhow::Result<()> {
    let mut generated = None;
    let outcome = conn.write_transaction(|conn| {
        ops::users::ensure_first_admin(conn, || {
            let (password, random) = given_or_random(password, "ADMIN_PASSWORD")?;
            generated = random;
            password::hash_blocking(&password)
        })
    })?;
    match outcome {
        ops::users::FirstAdmin::Present => {}
        ops::users::FirstAdmin::Inactive => tracing::warn!(
            "no active plan office user, and `admin` exists but is inactive: reactivate it"
        ),
        ops::users::FirstAdmin::Created => match generated {
            Some(generated) => println!(
                "Created the plan office user `admin` with the password {generated} \
                 (shown only this once: keep it, then change it)."
            ),
            None => println!("Created the plan office user `admin` with ADMIN_PASSWORD."),
        },
    }
    Ok(())
}

/// `password` checked against the policy, or a random one, returned also as text to be
/// shown once.
pub fn given_or_random(
    password: Option<&str>,
    source: &str,
) -> anyhow::Result<(NewPassword, Option<String>)> {
    let generated = password.is_none().then(|| auth::random_token(18));
    let text = password.or(generated.as_deref()).unwrap_or_default();
    let password = NewPassword::parse(text).map_err(|why| anyhow::anyhow!("{source} {why}"))?;
    Ok((password, generated))
}

/// `JWT_SECRET`, or on SQLite a secret generated once and kept beside the database file.
pub fn jwt_secret(settings: &Settings) -> anyhow::Result<Vec<u8>> {
    if let Some(secret) = &settings.jwt_secret {
        return Ok(secret.as_bytes().to_vec());
    }
    let DatabaseUrl::Sqlite(database) = &settings.database_url else {
        anyhow::bail!(
            "set JWT_SECRET (at least 32 bytes): every instance on PostgreSQL must sign tokens alike"
        );
    };
    let path = database
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."))
        .join("jwt-secret");
    if let Ok(secret) = std::fs::read_to_string(&path) {
        return Ok(secret.trim().as_bytes().to_vec());
    }
    let secret = auth::random_token(48);
    let mut file = std::fs::OpenOptions::new();
    file.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
    std::io::Write::write_all(
        &mut file
            .open(&path)
            .with_context(|| format!("writing {}", path.display()))?,
        secret.as_bytes(),
    )
    .with_context(|| format!("writing {}", path.display()))?;
    tracing::info!(path = %path.display(), "generated the token signing secret");
    Ok(secret.into_bytes())
}

/// The user `username` as the caller of a command-line operation (an import as that user).
pub fn caller_named(
    conn: &mut crate::db::DbConnection,
    username: &str,
) -> anyhow::Result<auth::Caller> {
    let account = crate::db::users::find_account_by_username(conn, username)?
        .filter(|account| account.user.active)
        .ok_or_else(|| anyhow::anyhow!("no active user is named {username:?}"))?;
    Ok(auth::Caller {
        principal: auth::Principal::User(auth::UserPrincipal {
            id: account.user.id,
            username: account.user.username,
            role: account.user.role,
            organization_id: account.user.organization_id,
        }),
        request_id: None,
    })
}

/// An operation's refusal as the command line reports it.
pub fn described(error: Error) -> anyhow::Error {
    match error {
        Error::Validation(errors) => anyhow::anyhow!(
            "{}",
            errors
                .iter()
                .map(|error| format!("{}: {}", error.field, error.message))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        Error::Internal(cause) => cause,
        other => anyhow::anyhow!("{other}"),
    }
}
