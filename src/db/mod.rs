//! Persistence: one code path for embedded SQLite and PostgreSQL through diesel's
//! `MultiConnection`. Query functions take `&mut DbConnection` so that several compose in
//! one transaction; [`Database`] runs them on the blocking thread pool, never on the async
//! workers.

pub mod adjustments;
pub mod api_keys;
pub mod audit;
pub mod backup;
mod connection;
pub mod console_sessions;
mod ids;
pub mod imports;
pub mod login_throttle;
pub mod organizations;
pub mod plans;
pub mod projects;
pub mod reports;
pub mod schema;
pub mod summary;
pub mod users;
mod write_queue;

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use diesel::{
    connection::{AnsiTransactionManager, TransactionManager},
    prelude::*,
};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub use connection::{ConnectionManager, DatabaseUrl, DatabaseUrlError};

use crate::{domain::Error, metrics::METRICS};

pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// A connection to either backend.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

pub type Pool = r2d2::Pool<ConnectionManager>;

/// Why a database operation could not be carried out, as far as callers need to know.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// No connection could be had in time, or the connection was lost.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("database task failed: {0}")]
    Task(String),
}

/// A storage failure as an operation reports it: a lost or unavailable database is
/// [`Error::Unavailable`], a unique constraint a conflict, anything else unexpected.
impl From<StorageError> for Error {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::Unavailable(cause) => Self::Unavailable(cause),
            StorageError::Query(error) => error.into(),
            StorageError::Task(cause) => Self::Internal(anyhow::anyhow!(cause)),
        }
    }
}

impl From<diesel::result::Error> for Error {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error as Query};
        match error {
            Query::NotFound => Self::NotFound("no such resource".to_owned()),
            Query::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                // The client learns which value is taken, never the database's wording.
                tracing::info!(message = %crate::logged::Logged::error(info.message()), "unique constraint");
                Self::Conflict(format!(
                    "{} is already taken by another record",
                    taken_column(info.as_ref())
                ))
            }
            Query::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                Self::Unavailable(info.message().to_owned())
            }
            other => Self::Internal(anyhow::Error::new(other).context("database query")),
        }
    }
}

/// The column a unique violation names: PostgreSQL's constraint `<table>_<column>_key`,
/// SQLite's message `UNIQUE constraint failed: <table>.<column>`; `body` when neither says.
fn taken_column(info: &dyn diesel::result::DatabaseErrorInformation) -> String {
    if let Some(column) = info.column_name() {
        return column.to_owned();
    }
    if let (Some(constraint), Some(table)) = (info.constraint_name(), info.table_name())
        && let Some(column) = constraint
            .strip_prefix(&format!("{table}_"))
            .and_then(|rest| rest.strip_suffix("_key"))
    {
        return column.to_owned();
    }
    info.message()
        .strip_prefix("UNIQUE constraint failed: ")
        .and_then(|columns| columns.split(", ").next())
        .and_then(|column| column.split_once('.'))
        .map_or_else(|| "body".to_owned(), |(_, column)| column.to_owned())
}

/// Pool settings: how many connections and how long a request waits for one.
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    pub max_size: u32,
    pub checkout_timeout: Duration,
}

/// How long a request waits for a connection while the database is unreachable (opening a
/// connection failed and none has opened since): long enough to take one that another
/// request returns, short enough that a request learns in about a second that the database
/// is away (503 with `Retry-After`) rather than after the whole checkout timeout.
const UNREACHABLE_WAIT: Duration = Duration::from_secs(1);

/// The pool, with the one way to run database work from async code.
#[derive(Clone)]
pub struct Database {
    pool: Pool,
    /// SQLite's writers of this process, in order (see [`write_queue`]); none on PostgreSQL.
    write_queue: Option<Arc<write_queue::WriteQueue>>,
    statements: Arc<AtomicU64>,
    /// Set while the database cannot be reached (see [`ConnectionManager`]).
    unreachable: Arc<AtomicBool>,
}

impl Database {
    /// Builds the pool. Fails when the first connection cannot be made.
    pub fn connect(url: &DatabaseUrl, settings: PoolSettings) -> anyhow::Result<Self> {
        let manager = ConnectionManager::new(url.clone());
        let statements = manager.statement_counter();
        let unreachable = manager.unreachable_flag();
        let pool = r2d2::Pool::builder()
            .max_size(settings.max_size)
            .min_idle(Some(1))
            // No `SELECT 1` before each use (a round trip per request): a connection found
            // lost while in use fails that request with a 503 and is then dropped (see
            // `ConnectionManager::has_broken`).
            .test_on_check_out(false)
            .connection_timeout(settings.checkout_timeout)
            .build(manager)
            .map_err(|error| anyhow::anyhow!("connecting to {url}: {error}"))?;
        let write_queue = matches!(url, DatabaseUrl::Sqlite(_)).then(Arc::default);
        Ok(Self {
            pool,
            write_queue,
            statements,
            unreachable,
        })
    }

    /// Runs `work` with a pooled connection on the blocking thread pool.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
    {
        self.run_on_pool(false, work).await
    }

    /// Runs `work`, which writes, as [`Database::run`] does; on SQLite once this process's
    /// earlier writers are done (see [`write_queue`]).
    pub async fn run_writing<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
    {
        self.run_on_pool(true, work).await
    }

    async fn run_on_pool<T, E, F>(&self, writes: bool, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
    {
        let database = self.clone();
        let span = tracing::Span::current();
        let (outcome, statements) = actix_web::web::block(move || {
            let _entered = span.enter();
            // The turn is taken before the connection: a writer waiting holds none.
            let queue = database.write_queue.as_deref().filter(|_| writes);
            let _turn = queue.map(write_queue::WriteQueue::wait_turn);
            let before = connection::statements_on_this_thread();
            let outcome = database
                .checkout()
                .map_err(E::from)
                .and_then(|mut connection| work(&mut connection));
            (outcome, connection::statements_on_this_thread() - before)
        })
        .await
        .map_err(|error| StorageError::Task(error.to_string()))?;
        METRICS.add_request_statements(statements);
        outcome
    }

    /// Runs `work` in one write transaction (see [`DbConnection::write_transaction`]), on
    /// SQLite in its turn among the writers (see [`Database::run_writing`]).
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StorageError> + From<diesel::result::Error> + Send + 'static,
    {
        self.run_writing(|connection| connection.write_transaction(work))
            .await
    }

    /// A connection for a request. It waits up to the checkout timeout while the database
    /// is reachable (busy, say), but gives up after [`UNREACHABLE_WAIT`] once it is not.
    /// The wait is taken in slices of that length, so that a request already waiting when
    /// the pool finds the database unreachable gives up as soon as a new one would.
    fn checkout(&self) -> Result<r2d2::PooledConnection<ConnectionManager>, StorageError> {
        let asked = Instant::now();
        let deadline = asked + self.pool.connection_timeout();
        loop {
            let wait = UNREACHABLE_WAIT.min(deadline.saturating_duration_since(Instant::now()));
            match self.pool.get_timeout(wait) {
                Ok(connection) => {
                    METRICS.checked_out(asked.elapsed());
                    return Ok(connection);
                }
                Err(error)
                    if self.unreachable.load(Ordering::Relaxed) || Instant::now() >= deadline =>
                {
                    METRICS.pool_checkout_timeouts.inc();
                    return Err(StorageError::Unavailable(error.to_string()));
                }
                Err(_) => {}
            }
        }
    }

    /// The most connections the pool holds.
    pub fn max_connections(&self) -> usize {
        self.pool.max_size() as usize
    }

    /// Puts the pool's state in the metrics (when they are read).
    pub fn report_pool(&self) {
        let state = self.pool.state();
        METRICS
            .pool_in_use
            .set(i64::from(state.connections - state.idle_connections));
        METRICS.pool_idle.set(i64::from(state.idle_connections));
        METRICS.pool_max.set(i64::from(self.pool.max_size()));
    }

    /// Statements run so far through this pool (see [`ConnectionManager`]).
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// A connection for work outside a request (start-up, CLI, tests).
    pub fn connection(&self) -> Result<r2d2::PooledConnection<ConnectionManager>, StorageError> {
        self.pool
            .get()
            .map_err(|error| StorageError::Unavailable(error.to_string()))
    }
}

impl DbConnection {
    /// Runs `work` in a transaction meant to write; the audit entries it records join the
    /// chain just before it commits (see [`audit::Recording`]). On SQLite it begins with
    /// `BEGIN IMMEDIATE`, taking the write lock up front: a deferred transaction that reads
    /// and then writes fails at once with "database is locked" when another writer got
    /// there first, whereas an immediate one waits its turn (`busy_timeout`).
    pub fn write_transaction<T, E, F>(&mut self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        let recording = audit::Recording::start();
        let work = |conn: &mut DbConnection| {
            let value = work(conn)?;
            recording.seal(conn)?;
            Ok(value)
        };
        match self {
            DbConnection::Postgres(_) => self.transaction(work),
            DbConnection::Sqlite(sqlite) => {
                AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
                let outcome = work(self);
                let DbConnection::Sqlite(sqlite) = self else {
                    unreachable!("the backend of a connection does not change")
                };
                match outcome {
                    Ok(value) => {
                        AnsiTransactionManager::commit_transaction(sqlite)?;
                        Ok(value)
                    }
                    Err(error) => {
                        AnsiTransactionManager::rollback_transaction(sqlite)?;
                        Err(error)
                    }
                }
            }
        }
    }

    /// Applies the pending migrations of this connection's backend, and chains the audit
    /// entries made before the chain existed.
    pub fn run_migrations(&mut self) -> anyhow::Result<()> {
        let applied = match self {
            DbConnection::Postgres(pg) => pg.run_pending_migrations(POSTGRES_MIGRATIONS),
            DbConnection::Sqlite(sqlite) => sqlite.run_pending_migrations(SQLITE_MIGRATIONS),
        }
        .map_err(|error| anyhow::anyhow!("running migrations: {error}"))?;
        for version in applied {
            tracing::info!(%version, "applied migration");
        }
        self.write_transaction(audit::seal_legacy)
            .map_err(|error| anyhow::anyhow!("chaining the audit trail: {error}"))
    }

    /// Reverts every migration (used by the test that proves each `down.sql` works).
    pub fn revert_all_migrations(&mut self) -> anyhow::Result<()> {
        match self {
            DbConnection::Postgres(pg) => pg.revert_all_migrations(POSTGRES_MIGRATIONS),
            DbConnection::Sqlite(sqlite) => sqlite.revert_all_migrations(SQLITE_MIGRATIONS),
        }
        .map(drop)
        .map_err(|error| anyhow::anyhow!("reverting migrations: {error}"))
    }

    /// Inside a write transaction: waits for the reserve sweep's lock and holds it until the
    /// transaction ends, so that two instances on one PostgreSQL never sweep at once (the
    /// second finds the first's work done). SQLite's write transaction excludes every other
    /// writer already.
    pub fn lock_reserve_sweep(&mut self) -> QueryResult<()> {
        const SWEEP_LOCK_KEY: i64 = 0x5052_4553_5745_4550; // "PRESWEEP"
        if matches!(self, DbConnection::Postgres(_)) {
            diesel::sql_query(format!("SELECT pg_advisory_xact_lock({SWEEP_LOCK_KEY})"))
                .execute(self)?;
        }
        Ok(())
    }

    /// Reverts the migrations down to and including `version` (e.g. `2026-12-02-000008`),
    /// newest first (used by the tests that apply a migration to existing data).
    pub fn revert_migrations_through(&mut self, version: &str) -> anyhow::Result<()> {
        let digits = |version: &str| version.replace('-', "");
        loop {
            let reverted = match self {
                DbConnection::Postgres(pg) => pg.revert_last_migration(POSTGRES_MIGRATIONS),
                DbConnection::Sqlite(sqlite) => sqlite.revert_last_migration(SQLITE_MIGRATIONS),
            }
            .map_err(|error| anyhow::anyhow!("reverting migrations: {error}"))?;
            if digits(&reverted.to_string()) <= digits(version) {
                return Ok(());
            }
        }
    }

    /// Runs `work` while holding a lock that other instances of the service take too, so
    /// that two instances starting on one PostgreSQL do not migrate or seed at once.
    /// (SQLite serializes writers itself.)
    pub fn with_startup_lock<T>(
        &mut self,
        work: impl FnOnce(&mut DbConnection) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        const STARTUP_LOCK_KEY: i64 = 0x5052_4547_5354_5259; // "PREGSTRY"
        let is_postgres = matches!(self, DbConnection::Postgres(_));
        if is_postgres {
            diesel::sql_query(format!("SELECT pg_advisory_lock({STARTUP_LOCK_KEY})"))
                .execute(self)?;
        }
        let outcome = work(self);
        if is_postgres {
            diesel::sql_query(format!("SELECT pg_advisory_unlock({STARTUP_LOCK_KEY})"))
                .execute(self)?;
        }
        outcome
    }
}

/// The current time as stored: UTC, truncated to microseconds, which both backends keep
/// exactly (so a stored time compares equal to the value the registry handed out).
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// The registry's calendar day, in China Standard Time (UTC+8), where its plans are kept:
/// reserve dates and the sweep's "today" follow the county's calendar, not the server's.
pub fn today() -> chrono::NaiveDate {
    (Utc::now() + chrono::Duration::hours(8)).date_naive()
}

pub fn to_utc(stored: NaiveDateTime) -> DateTime<Utc> {
    stored.and_utc()
}

/// Reads a stored id or name; a malformed one is corrupt data, reported as a deserialization error.
pub(crate) fn parse_stored<T>(stored: &str) -> QueryResult<T>
where
    T: std::str::FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    stored
        .parse()
        .map_err(|error| diesel::result::Error::DeserializationError(Box::new(error)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pool of one connection on a fresh SQLite file, with that connection held, so that
    /// every checkout has to wait.
    struct Exhausted {
        db: Database,
        held: Option<r2d2::PooledConnection<ConnectionManager>>,
        dir: std::path::PathBuf,
    }

    impl Exhausted {
        fn new(checkout_timeout: Duration) -> Self {
            let unique = uuid::Uuid::new_v4().simple().to_string();
            let dir = std::env::temp_dir().join(format!("portfolio-registry-unit-{unique}"));
            let url = DatabaseUrl::Sqlite(dir.join("registry.db"));
            let settings = PoolSettings {
                max_size: 1,
                checkout_timeout,
            };
            let db = Database::connect(&url, settings).unwrap();
            let held = Some(db.connection().unwrap());
            Self { db, held, dir }
        }
    }

    impl Drop for Exhausted {
        fn drop(&mut self) {
            drop(self.held.take());
            drop(std::fs::remove_dir_all(&self.dir));
        }
    }

    /// Timings are generous: the point is a second against the configured ten.
    #[test]
    fn while_the_database_is_unreachable_a_checkout_gives_up_within_about_a_second() {
        let pool = Exhausted::new(Duration::from_secs(10));
        pool.db.unreachable.store(true, Ordering::Relaxed);
        let started = Instant::now();
        let outcome = pool.db.checkout();
        assert!(matches!(outcome, Err(StorageError::Unavailable(_))));
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "{:?}",
            started.elapsed()
        );
    }

    /// A busy database that is reachable gets the whole wait, across the one-second slices:
    /// a connection returned after more than a slice is still handed over.
    #[test]
    fn while_the_database_is_reachable_a_checkout_waits_the_whole_timeout() {
        let pool = Exhausted::new(Duration::from_secs(2));
        let started = Instant::now();
        let outcome = pool.db.checkout();
        assert!(matches!(outcome, Err(StorageError::Unavailable(_))));
        assert!(started.elapsed() >= Duration::from_secs(2));

        let mut pool = Exhausted::new(Duration::from_secs(30));
        let held = pool.held.take();
        let returned_later = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(1500));
            drop(held);
        });
        let started = Instant::now();
        assert!(pool.db.checkout().is_ok());
        assert!(started.elapsed() >= Duration::from_millis(1500));
        returned_later.join().unwrap();
    }
}
