//! Building the application: database, migrations, seeds, and the HTTP server.

use std::{net::TcpListener, sync::Arc};

use actix_web::{
    App, HttpResponse, HttpServer,
    dev::{Server, ServiceResponse},
    http::header,
    middleware::{ErrorHandlerResponse, ErrorHandlers, from_fn},
    web,
};
use anyhow::Context;

use crate::{
    accounts,
    auth::{Authenticator, token::TokenKeys},
    config::Settings,
    db::{self, Database},
    error::{AppError, PROBLEM_JSON, json_error},
    openapi, routes,
    seed::SeedSet,
    telemetry,
};

/// Largest request body accepted (413 above).
pub const BODY_LIMIT_BYTES: usize = 256 * 1024;

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    pub database: Database,
    pub authenticator: Arc<Authenticator>,
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
            let report = db::seed::load(conn, &SeedSet::embedded()?)?;
            tracing::info!(?report, "plan seeds loaded");
            accounts::ensure_first_admin(conn, settings.admin_password.as_deref())
        })?;
        drop(conn);
        let secret = accounts::jwt_secret(&settings)?;
        let keys = TokenKeys::new(&secret, settings.token_ttl_seconds)?;
        Ok(AppState {
            database,
            authenticator: Arc::new(Authenticator { keys }),
        })
    })
    .await
    .context("preparing the database")?
}

pub struct Application {
    server: Server,
    port: u16,
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
        // Database work runs on each worker's blocking threads: threads beyond the pooled
        // connections would only wait for one, each holding a stack and a malloc arena.
        let workers = std::thread::available_parallelism().map_or(1, usize::from);
        let blocking_threads = state.database.max_connections().div_ceil(workers).max(1);
        let database = web::Data::new(state.database);
        let authenticator = web::Data::from(state.authenticator);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(database.clone())
                .app_data(authenticator.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(BODY_LIMIT_BYTES)
                        .error_handler(json_error),
                )
                .app_data(web::PayloadConfig::new(BODY_LIMIT_BYTES))
                .wrap(ErrorHandlers::new().default_handler(problem_for_bare_errors))
                .wrap(from_fn(telemetry::request_context))
                .configure(routes::configure)
                .default_service(web::to(|| async {
                    Err::<HttpResponse, _>(AppError::NotFound("no such resource".to_owned()))
                }))
        })
        .workers(workers)
        .worker_max_blocking_threads(blocking_threads)
        .listen(listener)?
        .run();
        Ok(Self { server, port })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
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
        404 => AppError::NotFound("no such resource".to_owned()),
        405 => AppError::MethodNotAllowed(openapi::allowed_methods(
            response.request().match_pattern().as_deref(),
        )),
        413 => AppError::PayloadTooLarge,
        415 => AppError::UnsupportedMediaType("unsupported content type".to_owned()),
        _ => AppError::Internal(anyhow::anyhow!("unhandled error status {status}")),
    };
    let (request, _) = response.into_parts();
    let response = ServiceResponse::new(request, actix_web::ResponseError::error_response(&error))
        .map_into_right_body();
    Ok(ErrorHandlerResponse::Response(response))
}
