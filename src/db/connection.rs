//! Opening connections: the backend is chosen by the URL's scheme, and every SQLite
//! connection gets the settings a server needs.

use std::{
    fmt,
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
};

use diesel::{
    Connection, ConnectionError,
    connection::{InstrumentationEvent, SimpleConnection, TransactionManager},
};

use super::DbConnection;

/// Where the database is: a `postgres://` URL, or else a SQLite file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    Sqlite(PathBuf),
}

/// A `DATABASE_URL` the service does not understand. It is refused at start: taken as a
/// SQLite file path, it would silently create a new, empty database named after it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DatabaseUrlError {
    /// Another scheme (`mysql://…`, a misspelt `postgress://…`); shown without a password.
    #[error(
        "must be a postgres:// or postgresql:// URL, or a SQLite file path (optionally after sqlite: or sqlite://), not {0:?}"
    )]
    UnknownScheme(String),
    /// Not shown: its `password=` would be printed.
    #[error(
        "must be a postgres:// or postgresql:// URL, or a SQLite file path, not a libpq key=value string: write it as postgres://user@host:5432/dbname"
    )]
    KeyValue,
    #[error("names no SQLite file after {0:?}")]
    NoFile(&'static str),
}

impl DatabaseUrl {
    /// `postgres://…` or `postgresql://…` selects PostgreSQL; `sqlite://path`,
    /// `sqlite:path` or a plain path a SQLite file. Any other `scheme://…`, and a libpq
    /// `key=value` string, is refused.
    pub fn parse(url: &str) -> Result<Self, DatabaseUrlError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        for prefix in ["sqlite://", "sqlite:"] {
            if let Some(path) = url.strip_prefix(prefix) {
                return match path {
                    "" => Err(DatabaseUrlError::NoFile(prefix)),
                    path => Ok(Self::Sqlite(PathBuf::from(path))),
                };
            }
        }
        if url.contains("://") {
            return Err(DatabaseUrlError::UnknownScheme(without_password(url)));
        }
        if is_libpq_key_value(url) {
            return Err(DatabaseUrlError::KeyValue);
        }
        Ok(Self::Sqlite(PathBuf::from(url)))
    }
}

/// Whether `text` begins like a libpq connection string, `host=db dbname=registry`: a
/// keyword, then `=`. A file path begins with a name that holds other characters (`.`,
/// `/`) or no `=` at all; a file whose name is a bare word and `=` is written `./a=b.db`.
fn is_libpq_key_value(text: &str) -> bool {
    text.split_once('=').is_some_and(|(keyword, _)| {
        let keyword = keyword.trim();
        !keyword.is_empty()
            && keyword
                .bytes()
                .all(|b| b.is_ascii_alphabetic() || b == b'_')
    })
}

/// The URL with whatever stands between `scheme://` and the last `@` (user and password)
/// shown as `***`.
fn without_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}***{}", &url[..scheme_end + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// Shows the location without a password.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Postgres(url) => f.write_str(&without_password(url)),
            Self::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
        }
    }
}

/// SQLite as a server database: wait for the write lock instead of failing at once, let
/// readers run beside the writer (WAL), and enforce foreign keys (off by default).
const SQLITE_SETTINGS: &str = "PRAGMA busy_timeout = 10000;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;";

/// Generic plans for prepared statements. Every statement of the registry is a key lookup
/// or a keyset page whose best plan does not depend on the values bound; left to choose,
/// PostgreSQL re-plans each execution of a statement whose `LIMIT` is a parameter (a custom
/// plan looks cheaper than a generic one with an unknown limit), which was a third of the
/// database's work on a list page (BENCHMARKS.md).
const POSTGRES_SETTINGS: &str = "SET plan_cache_mode = force_generic_plan";

thread_local! {
    /// Statements run on this thread, by any connection: a unit of database work runs on
    /// one thread, so the difference across it is what that work ran.
    static STATEMENTS_ON_THIS_THREAD: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Statements run so far on this thread (see [`STATEMENTS_ON_THIS_THREAD`]).
pub fn statements_on_this_thread() -> u64 {
    STATEMENTS_ON_THIS_THREAD.get()
}

/// An r2d2 manager that keeps the real connection error (diesel's derived `establish`
/// tries each backend in turn and reports only the last failure).
///
/// Every connection counts the statements it runs into one counter shared by the pool
/// (so tests and benchmarks can pin statements per request), and traces each one under the
/// `portfolio_registry::sql` target (`RUST_LOG=portfolio_registry::sql=trace`).
///
/// It also keeps whether the database is unreachable: set when opening a connection fails,
/// cleared when one opens again. The pool keeps retrying in the background, so the flag
/// clears by itself once the database is back; `Database::run` reads it to answer 503 at
/// once instead of waiting the whole checkout timeout for a connection that cannot open.
#[derive(Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    statements: Arc<AtomicU64>,
    unreachable: Arc<AtomicBool>,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl) -> Self {
        Self {
            url,
            statements: Arc::default(),
            unreachable: Arc::default(),
        }
    }

    /// The counter of statements run by every connection of this manager.
    pub fn statement_counter(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.statements)
    }

    /// Whether the last attempt to open a connection failed.
    pub fn unreachable_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.unreachable)
    }

    /// Records the outcome of opening a connection; logs the start and end of an outage
    /// once each (the pool retries every few seconds meanwhile).
    fn record(&self, opened: &Result<DbConnection, ConnectError>) {
        match opened {
            Ok(_) => {
                if self.unreachable.swap(false, Ordering::Relaxed) {
                    tracing::info!(database = %self.url, "the database is reachable again");
                }
            }
            Err(error) => {
                if !self.unreachable.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        database = %self.url, %error,
                        "the database cannot be reached; requests answer 503 until it can"
                    );
                }
            }
        }
    }

    fn open(&self) -> Result<DbConnection, ConnectError> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                let mut connection = diesel::PgConnection::establish(url)?;
                connection.batch_execute(POSTGRES_SETTINGS)?;
                Ok(DbConnection::Postgres(connection))
            }
            DatabaseUrl::Sqlite(path) => {
                private_file(path).map_err(|source| ConnectError::Directory {
                    path: path.display().to_string(),
                    source,
                })?;
                let mut connection = diesel::SqliteConnection::establish(&path.to_string_lossy())?;
                connection.batch_execute(SQLITE_SETTINGS)?;
                Ok(DbConnection::Sqlite(connection))
            }
        }
    }
}

/// Makes the SQLite file's folder (mode 0700) and the file itself (0600) when they do not
/// exist: the database holds password hashes, which no other local user may read. SQLite
/// gives its `-wal` and `-shm` files the database file's mode.
fn private_file(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    if let Some(directory) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(directory)?;
    }
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Err(error) if error.kind() != std::io::ErrorKind::AlreadyExists => Err(error),
        _ => Ok(()),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("creating the directory of {path}: {source}")]
    Directory {
        path: String,
        source: std::io::Error,
    },
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConnection, ConnectError> {
        let opened = self.open();
        self.record(&opened);
        let mut connection = opened?;
        let statements = Arc::clone(&self.statements);
        connection.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::StartQuery { query, .. } = event {
                statements.fetch_add(1, Ordering::Relaxed);
                STATEMENTS_ON_THIS_THREAD.set(STATEMENTS_ON_THIS_THREAD.get() + 1);
                tracing::trace!(target: "portfolio_registry::sql", "{query}");
            }
        });
        Ok(connection)
    }

    fn is_valid(&self, connection: &mut DbConnection) -> Result<(), ConnectError> {
        Ok(connection.batch_execute("SELECT 1")?)
    }

    /// Dropped instead of returned to the pool: a connection whose transaction was left
    /// open (a panic mid-transaction), or one found lost while in use (diesel puts its
    /// transaction manager in error when libpq reports the connection bad). The pool does
    /// not test connections on checkout (see `Database::connect`).
    fn has_broken(&self, connection: &mut DbConnection) -> bool {
        std::thread::panicking()
            || <DbConnection as Connection>::TransactionManager::is_broken_transaction_manager(
                connection,
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The database holds password hashes: its folder and files are the owner's alone.
    #[test]
    fn a_new_sqlite_database_is_private_to_its_owner() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("data").join("registry.db");
        let manager = ConnectionManager::new(DatabaseUrl::Sqlite(path.clone()));
        let mut connection = manager.open().unwrap();
        if let DbConnection::Sqlite(connection) = &mut connection {
            connection
                .batch_execute("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);")
                .unwrap();
        }
        let mode =
            |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(mode(&path), 0o600);
        let wal = path.with_file_name("registry.db-wal");
        if wal.exists() {
            assert_eq!(mode(&wal), 0o600);
        }
    }

    /// SQLite is built with its query planner stability guarantee (`.cargo/config.toml`):
    /// without it every cached statement with a `LIMIT ?` is prepared again on each run.
    #[test]
    fn sqlite_plans_a_statement_once_whatever_is_bound_to_it() {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Used {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            used: i32,
        }
        let root = tempfile::tempdir().unwrap();
        let manager = ConnectionManager::new(DatabaseUrl::Sqlite(root.path().join("r.db")));
        let DbConnection::Sqlite(mut connection) = manager.open().unwrap() else {
            unreachable!("a SQLite URL opens SQLite")
        };
        let Used { used } =
            diesel::sql_query("SELECT sqlite_compileoption_used('ENABLE_QPSG') AS used")
                .get_result(&mut connection)
                .unwrap();
        assert_eq!(used, 1);
    }

    #[test]
    fn the_scheme_selects_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("postgres://u:p@db/registry"),
            Ok(DatabaseUrl::Postgres("postgres://u:p@db/registry".into()))
        );
        assert!(matches!(
            DatabaseUrl::parse("postgresql://db/registry"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        for (url, path) in [
            ("./data/registry.db", "./data/registry.db"),
            ("/tmp/x.db", "/tmp/x.db"),
            ("registry.db", "registry.db"),
            ("data/reg=1.db", "data/reg=1.db"),
            ("sqlite://data/r.db", "data/r.db"),
            ("sqlite:data/r.db", "data/r.db"),
            ("sqlite:///tmp/r.db", "/tmp/r.db"),
            ("sqlite:host=db.db", "host=db.db"),
        ] {
            assert_eq!(
                DatabaseUrl::parse(url),
                Ok(DatabaseUrl::Sqlite(PathBuf::from(path))),
                "{url}"
            );
        }
    }

    /// Each of these once became a SQLite file named after it.
    #[test]
    fn another_scheme_or_a_libpq_string_is_refused_rather_than_taken_for_a_file() {
        for url in [
            "postgress://db/registry",
            "mysql://db/registry",
            "mariadb://db/registry",
            "Postgres://db/registry",
            "file:///tmp/registry.db",
            " postgres://db/registry",
        ] {
            assert!(
                matches!(
                    DatabaseUrl::parse(url),
                    Err(DatabaseUrlError::UnknownScheme(_))
                ),
                "{url}"
            );
        }
        for url in [
            "host=localhost dbname=registry",
            "dbname=registry",
            "host = db port=5432 password=s3cret",
        ] {
            assert_eq!(
                DatabaseUrl::parse(url),
                Err(DatabaseUrlError::KeyValue),
                "{url}"
            );
        }
        for url in ["sqlite:", "sqlite://"] {
            assert!(
                matches!(DatabaseUrl::parse(url), Err(DatabaseUrlError::NoFile(_))),
                "{url}"
            );
        }
    }

    #[test]
    fn a_refused_url_names_the_accepted_forms_without_its_password() {
        let error = DatabaseUrl::parse("mysql://user:pw@host/db").unwrap_err();
        let message = error.to_string();
        assert!(message.contains("\"mysql://***@host/db\""), "{message}");
        assert!(!message.contains("pw"), "{message}");
        for form in [
            "postgres://",
            "postgresql://",
            "SQLite file path",
            "sqlite:",
        ] {
            assert!(message.contains(form), "{message}");
        }
        let error = DatabaseUrl::parse("host=db user=u password=s3cret").unwrap_err();
        assert!(!error.to_string().contains("s3cret"), "{error}");
        assert!(error.to_string().contains("postgres://"), "{error}");
    }

    #[test]
    fn display_hides_the_password() {
        let url = DatabaseUrl::parse("postgres://registry:s3cret@db:5432/registry").unwrap();
        assert_eq!(url.to_string(), "postgres://***@db:5432/registry");
    }
}
