//! Opening connections: the backend is chosen by the URL's scheme, and every SQLite
//! connection gets the settings a server needs.

use std::{
    fmt,
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
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

impl DatabaseUrl {
    /// `postgres://…` or `postgresql://…` selects PostgreSQL; anything else is a SQLite
    /// file path, optionally written `sqlite://path` or `sqlite:path`.
    pub fn parse(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Self::Postgres(url.to_owned());
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        Self::Sqlite(PathBuf::from(path))
    }
}

/// Shows the location without a password.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(scheme_end), Some(at)) if at > scheme_end => {
                    write!(f, "{}***{}", &url[..scheme_end + 3], &url[at..])
                }
                _ => f.write_str(url),
            },
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

/// An r2d2 manager that keeps the real connection error (diesel's derived `establish`
/// tries each backend in turn and reports only the last failure).
///
/// Every connection counts the statements it runs into one counter shared by the pool
/// (so tests and benchmarks can pin statements per request), and traces each one under the
/// `portfolio_registry::sql` target (`RUST_LOG=portfolio_registry::sql=trace`).
#[derive(Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    statements: Arc<AtomicU64>,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl) -> Self {
        Self {
            url,
            statements: Arc::default(),
        }
    }

    /// The counter of statements run by every connection of this manager.
    pub fn statement_counter(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.statements)
    }

    fn open(&self) -> Result<DbConnection, ConnectError> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                let mut connection = diesel::PgConnection::establish(url)?;
                connection.batch_execute(POSTGRES_SETTINGS)?;
                Ok(DbConnection::Postgres(connection))
            }
            DatabaseUrl::Sqlite(path) => {
                if let Some(directory) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
                    std::fs::create_dir_all(directory).map_err(|source| {
                        ConnectError::Directory {
                            path: path.display().to_string(),
                            source,
                        }
                    })?;
                }
                let mut connection = diesel::SqliteConnection::establish(&path.to_string_lossy())?;
                connection.batch_execute(SQLITE_SETTINGS)?;
                Ok(DbConnection::Sqlite(connection))
            }
        }
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
        let mut connection = self.open()?;
        let statements = Arc::clone(&self.statements);
        connection.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::StartQuery { query, .. } = event {
                statements.fetch_add(1, Ordering::Relaxed);
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

    #[test]
    fn the_scheme_selects_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("postgres://u:p@db/registry"),
            DatabaseUrl::Postgres("postgres://u:p@db/registry".into())
        );
        assert!(matches!(
            DatabaseUrl::parse("postgresql://db/registry"),
            DatabaseUrl::Postgres(_)
        ));
        for url in [
            "./data/registry.db",
            "sqlite://data/r.db",
            "sqlite:data/r.db",
        ] {
            assert!(
                matches!(DatabaseUrl::parse(url), DatabaseUrl::Sqlite(_)),
                "{url}"
            );
        }
    }

    #[test]
    fn display_hides_the_password() {
        let url = DatabaseUrl::parse("postgres://registry:s3cret@db:5432/registry");
        assert_eq!(url.to_string(), "postgres://***@db:5432/registry");
    }
}
