use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use portfolio_registry::{
    auth::{Caller, password},
    config::Settings,
    db::{self, Database},
    domain::{
        Error,
        user::{Role, Username},
    },
    openapi,
    ops::{self, users::NewAccount},
    seed::SeedSet,
    startup::{self, Application, described},
    synth, telemetry,
};

/// Portfolio Registry: the project reserve library of a five-year ecological plan.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate, load the plan, and serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load a plan's seeds (default: the embedded Yunyang plan) and exit; idempotent.
    Seed {
        /// A folder with plan.json, organizations.csv and projects.csv.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Add a user (the password comes from REGISTRY_USER_PASSWORD, or is generated and printed).
    UserAdd {
        username: String,
        /// plan_office, department, platform_company, finance or viewer
        #[arg(long)]
        role: Role,
        /// The organization's name, e.g. 县生态环境部门
        #[arg(long)]
        organization: String,
    },
    /// Fill a database with synthetic projects for benchmarks (plan synthetic-bench, names 合成-…).
    Synth {
        /// How many projects to add.
        #[arg(long, default_value_t = 100_000)]
        projects: usize,
        /// Add them even though the database holds real plans.
        #[arg(long)]
        force: bool,
    },
    /// Print the OpenAPI document (as committed in openapi/openapi.json).
    Openapi,
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    dotenvy::dotenv().ok();
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        print!("{}", openapi::document());
        return Ok(());
    }
    let settings = Settings::from_env()?;
    telemetry::init(settings.log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let application = Application::build(&settings).await?;
            tracing::info!(bind = %settings.bind, database = %settings.database_url, "serving");
            application.run_until_stopped().await?;
        }
        Command::Migrate => {
            blocking(move || {
                let database = Database::connect(&settings.database_url, settings.pool)?;
                database
                    .connection()?
                    .with_startup_lock(|conn| conn.run_migrations())
            })
            .await?;
        }
        Command::Seed { dir } => {
            blocking(move || {
                let seeds = match dir {
                    Some(dir) => SeedSet::from_dir(&dir)?,
                    None => SeedSet::embedded()?,
                };
                let database = Database::connect(&settings.database_url, settings.pool)?;
                let report = database.connection()?.with_startup_lock(|conn| {
                    conn.run_migrations()?;
                    ops::seed::load(conn, &seeds).map_err(described)
                })?;
                println!("{report:?}");
                Ok(())
            })
            .await?;
        }
        Command::UserAdd {
            username,
            role,
            organization,
        } => {
            blocking(move || {
                let username =
                    Username::parse(&username).map_err(|why| anyhow::anyhow!("username {why}"))?;
                let given = std::env::var("REGISTRY_USER_PASSWORD").ok();
                let (password, generated) =
                    startup::given_or_random(given.as_deref(), "REGISTRY_USER_PASSWORD")?;
                let password_hash = password::hash_blocking(&password)?;
                let database = Database::connect(&settings.database_url, settings.pool)?;
                let mut conn = database.connection()?;
                conn.run_migrations()?;
                let user = conn
                    .write_transaction(|conn| {
                        let organization = db::organizations::find_by_name(conn, &organization)?
                            .ok_or_else(|| {
                                Error::validation(
                                    "organization",
                                    format!("no organization is named {organization:?}"),
                                )
                            })?;
                        let new = NewAccount {
                            username,
                            display_name: String::new(),
                            password_hash,
                            role,
                            organization_id: organization.id,
                        };
                        ops::users::create(conn, &Caller::system(), new)
                    })
                    .map_err(described)?;
                println!("added {} ({}) in {organization}", user.username, user.role);
                if let Some(generated) = generated {
                    println!("password (shown only this once): {generated}");
                }
                Ok(())
            })
            .await?;
        }
        Command::Synth { projects, force } => {
            blocking(move || {
                let database = Database::connect(&settings.database_url, settings.pool)?;
                let mut conn = database.connection()?;
                conn.run_migrations()?;
                let started = std::time::Instant::now();
                let report = synth::generate(&mut conn, projects, force)?;
                println!("{report:?} in {:.1} s", started.elapsed().as_secs_f64());
                Ok(())
            })
            .await?;
        }
        Command::Openapi => unreachable!("handled before configuration is read"),
    }
    Ok(())
}

async fn blocking(
    work: impl FnOnce() -> anyhow::Result<()> + Send + 'static,
) -> anyhow::Result<()> {
    actix_web::web::block(work)
        .await
        .context("running the command")?
}
