use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use portfolio_registry::{
    auth::{Caller, password},
    config::Settings,
    db::{self, Database},
    domain::{
        Error,
        money::Unit,
        user::{Role, Username},
    },
    host, openapi,
    ops::{
        self, exports,
        imports::{self, Upload},
        opendata,
        projects::ListQuery,
        users::NewAccount,
    },
    seed::SeedSet,
    sheets::read::Format,
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
    /// Import a ledger (.xlsx or .csv) into a plan as a user: a dry run, or all rows or none.
    Import {
        /// The workbook or CSV file.
        file: PathBuf,
        /// The plan's code, e.g. yunyang-eco-2021-2025.
        #[arg(long)]
        plan: String,
        /// The username the rows are written as (authorized as that user).
        #[arg(long = "as")]
        username: String,
        /// Try every row and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Export a plan's projects as the ledger (.xlsx with the summary, or .csv).
    Export {
        #[arg(long)]
        plan: String,
        /// xlsx or csv.
        #[arg(long, default_value = "xlsx")]
        format: String,
        /// yuan or wan (万元).
        #[arg(long, default_value = "yuan")]
        unit: String,
        /// Where to write the file.
        #[arg(long)]
        output: PathBuf,
    },
    /// Write a plan's projects as an OC4IDS 0.9.5 project package (JSON).
    Oc4ids {
        #[arg(long)]
        plan: String,
        /// Where to write the package.
        #[arg(long)]
        output: PathBuf,
    },
    /// Sweep the reserve: withdraw (reason `expired`) every reserve project past its plan's
    /// reserve validity, as the service does at start-up and daily; prints what left.
    ReserveSweep {
        /// Only this plan (default: every plan).
        #[arg(long)]
        plan: Option<String>,
        /// Sweep as of this day, YYYY-MM-DD (default today; never earlier).
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
        /// List what would leave, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// The audit trail's hash chain.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Write a consistent copy of the SQLite database to FILE while the service runs
    /// (PostgreSQL: pg_dump, see the README).
    Backup { file: PathBuf },
    /// Restore a backup taken by `backup` as the database DATABASE_URL, which must not exist
    /// yet; then verify its audit trail (PostgreSQL: pg_restore, see the README).
    Restore { file: PathBuf },
    /// Ask the service on BIND whether it is ready (GET /readyz); exit 0 when it answers 200.
    /// For a container's HEALTHCHECK, where no curl is installed.
    Healthcheck,
    /// Print the OpenAPI document (as committed in openapi/openapi.json).
    Openapi,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the chain from the first entry to the last; exit 1 at the first broken link.
    Verify,
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    host::cap_malloc_arenas();
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
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            blocking(move || {
                let database = Database::connect(&settings.database_url, settings.pool)?;
                verify_audit(&mut *database.connection()?)
            })
            .await?;
        }
        Command::Backup { file } => {
            blocking(move || {
                let database = Database::connect(&settings.database_url, settings.pool)?;
                db::backup::sqlite_copy(&mut *database.connection()?, &file)?;
                println!("backed up {} to {}", settings.database_url, file.display());
                Ok(())
            })
            .await?;
        }
        Command::Restore { file } => {
            blocking(move || {
                db::backup::sqlite_restore(&file, &settings.database_url)?;
                let database = Database::connect(&settings.database_url, settings.pool)?;
                let mut conn = database.connection()?;
                conn.run_migrations()?;
                verify_audit(&mut conn)
            })
            .await?;
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
        Command::Import {
            file,
            plan,
            username,
            dry_run,
        } => {
            blocking(move || {
                let format = match file.extension().and_then(|ext| ext.to_str()) {
                    Some("csv") => Format::Csv,
                    _ => Format::Xlsx,
                };
                let bytes =
                    std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
                let upload = Upload {
                    file_name: file
                        .file_name()
                        .map(|name| name.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    format,
                    bytes,
                };
                let parsed = imports::parse(upload, &startup::import_limits(&settings))
                    .map_err(described)?;
                let database = Database::connect(&settings.database_url, settings.pool)?;
                let mut conn = database.connection()?;
                conn.run_migrations()?;
                let caller = startup::caller_named(&mut conn, &username)?;
                let bar = progress_bar(parsed.rows() as u64, "rows");
                let outcome =
                    imports::run(&mut conn, &caller, &plan, parsed, dry_run, &|| bar.inc(1));
                bar.finish_and_clear();
                let report = match outcome {
                    Ok(report) => report,
                    Err(Error::ImportRejected(report)) => *report,
                    Err(other) => return Err(described(other)),
                };
                for row in &report.rows {
                    let errors: Vec<String> = row
                        .errors
                        .iter()
                        .chain(&row.warnings)
                        .map(|error| format!("{} {}", error.column, error.message))
                        .collect();
                    println!(
                        "{} 第{}行 {:?} {} {}",
                        row.sheet,
                        row.row,
                        row.action,
                        row.code.as_deref().unwrap_or(""),
                        errors.join("；")
                    );
                }
                println!("{:?}", report.counts);
                if report.counts.error > 0 {
                    anyhow::bail!(
                        "{} rows have errors; nothing was written",
                        report.counts.error
                    );
                }
                if report.dry_run {
                    println!("dry run: nothing was written");
                }
                Ok(())
            })
            .await?;
        }
        Command::Export {
            plan,
            format,
            unit,
            output,
        } => {
            blocking(move || {
                let unit = match unit.as_str() {
                    "yuan" => Unit::Yuan,
                    "wan" => Unit::Wan,
                    other => anyhow::bail!("--unit is yuan or wan, not {other}"),
                };
                let database = Database::connect(&settings.database_url, settings.pool)?;
                let mut conn = database.connection()?;
                let caller = Caller::system();
                let mut query = ListQuery::default();
                query.filter.plan = Some(plan);
                let bytes = match format.as_str() {
                    "xlsx" => {
                        let mut file =
                            exports::xlsx(&mut conn, &caller, query, unit).map_err(described)?;
                        let mut bytes = Vec::new();
                        std::io::Read::read_to_end(&mut file, &mut bytes)?;
                        bytes
                    }
                    "csv" => {
                        let names = exports::names(&mut conn, &caller).map_err(described)?;
                        let writer = exports::csv(unit);
                        let mut bytes = writer.header();
                        let bar = progress_bar(0, "projects");
                        let mut next = Some(query);
                        while let Some(query) = next {
                            let (projects, following) =
                                exports::page(&mut conn, &caller, query).map_err(described)?;
                            bar.inc(projects.len() as u64);
                            bytes.extend(writer.rows(&projects, &names));
                            next = following;
                        }
                        bar.finish_and_clear();
                        bytes
                    }
                    other => anyhow::bail!("--format is xlsx or csv, not {other}"),
                };
                std::fs::write(&output, bytes)
                    .with_context(|| format!("writing {}", output.display()))?;
                println!("wrote {}", output.display());
                Ok(())
            })
            .await?;
        }
        Command::Oc4ids { plan, output } => {
            blocking(move || {
                let database = Database::connect(&settings.database_url, settings.pool)?;
                let mut conn = database.connection()?;
                let caller = Caller::system();
                let publication = &settings.publication;
                let base = match &publication.public_url {
                    Some(url) => url.clone(),
                    None => format!("http://{}", settings.bind),
                };
                let uri = format!("{base}/api/v1/plans/{plan}/oc4ids");
                let selection = opendata::Selection {
                    plan,
                    updated_since: None,
                };
                let package = opendata::prepare(&mut conn, &caller, publication, uri, selection)
                    .map_err(described)?;
                let file = std::fs::File::create(&output)
                    .with_context(|| format!("creating {}", output.display()))?;
                let mut out = std::io::BufWriter::new(file);
                opendata::write(&mut conn, &caller, publication, &package, &mut out)
                    .map_err(described)?;
                std::io::Write::flush(&mut out)
                    .with_context(|| format!("writing {}", output.display()))?;
                println!("wrote {}", output.display());
                Ok(())
            })
            .await?;
        }
        Command::ReserveSweep {
            plan,
            as_of,
            dry_run,
        } => {
            blocking(move || {
                let database = Database::connect(&settings.database_url, settings.pool)?;
                let mut conn = database.connection()?;
                let plans = match plan {
                    Some(plan) => vec![plan],
                    None => portfolio_registry::db::plans::list(&mut conn)?
                        .into_iter()
                        .map(|plan| plan.code)
                        .collect(),
                };
                let caller = Caller::system();
                for plan in plans {
                    let outcome = conn
                        .write_transaction(|conn| {
                            ops::reserve::sweep(conn, &caller, &plan, as_of, dry_run)
                        })
                        .map_err(described)?;
                    let verb = if dry_run { "would leave" } else { "left" };
                    println!(
                        "{plan}: {} {verb} the reserve as of {}",
                        outcome.expired.len(),
                        outcome.as_of
                    );
                    for expired in outcome.expired {
                        println!(
                            "  {} reserve since {}, expired {}",
                            expired.code, expired.reserve_since, expired.reserve_expires
                        );
                    }
                }
                Ok(())
            })
            .await?;
        }
        Command::Healthcheck => {
            blocking(move || {
                let status = ready_status(&settings.bind)?;
                anyhow::ensure!(status == 200, "/readyz answered {status}");
                Ok(())
            })
            .await?;
        }
        Command::Openapi => unreachable!("handled before configuration is read"),
    }
    Ok(())
}

/// A progress bar on stderr (hidden when stderr is no terminal); `total` 0 counts up.
fn progress_bar(total: u64, unit: &str) -> indicatif::ProgressBar {
    let bar = if total == 0 {
        indicatif::ProgressBar::new_spinner()
    } else {
        indicatif::ProgressBar::new(total)
    };
    let template = if total == 0 {
        format!("{{spinner}} {{pos}} {unit} {{elapsed}}")
    } else {
        format!("{{bar:40}} {{pos}}/{{len}} {unit} {{elapsed}}")
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}

async fn blocking(
    work: impl FnOnce() -> anyhow::Result<()> + Send + 'static,
) -> anyhow::Result<()> {
    actix_web::web::block(work)
        .await
        .context("running the command")?
}

/// Prints what walking the audit chain found; an error when a link is broken.
fn verify_audit(conn: &mut db::DbConnection) -> anyhow::Result<()> {
    let verification = db::audit::verify(conn)?;
    println!("{}", serde_json::to_string_pretty(&verification)?);
    anyhow::ensure!(verification.ok, "the audit trail's chain is broken");
    Ok(())
}

/// The status line's code of `GET /readyz` on the service listening at `bind` (a wildcard
/// address is asked on loopback). A hand-written HTTP/1.0 request: one GET to this host is
/// all the binary ever sends, which does not warrant an HTTP client among its dependencies.
fn ready_status(bind: &str) -> anyhow::Result<u16> {
    use std::io::{Read, Write};
    let mut address: std::net::SocketAddr = bind.parse().context("BIND")?;
    if address.ip().is_unspecified() {
        address.set_ip(match address {
            std::net::SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let timeout = std::time::Duration::from_secs(3);
    let mut stream = std::net::TcpStream::connect_timeout(&address, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    write!(stream, "GET /readyz HTTP/1.0\r\nHost: {address}\r\n\r\n")?;
    let mut head = [0; 12];
    stream.read_exact(&mut head)?;
    // "HTTP/1.1 200"
    std::str::from_utf8(&head[9..12])?
        .parse()
        .context("reading the status line")
}
