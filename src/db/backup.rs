//! Copies of the embedded database. SQLite's `VACUUM INTO` writes a consistent copy from
//! one read transaction, so it runs beside the service's writers: the copy holds every
//! write committed before it began and none of a later one. PostgreSQL is copied with its
//! own tools (`pg_dump`/`pg_restore`, see the README).

use std::path::Path;

use diesel::{RunQueryDsl, sql_types::Text};

use super::{DatabaseUrl, DbConnection};

/// Writes a consistent copy of the SQLite database behind `conn` to `target`, which must
/// not exist yet.
pub fn sqlite_copy(conn: &mut DbConnection, target: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        matches!(conn, DbConnection::Sqlite(_)),
        "a PostgreSQL database is backed up with pg_dump (see the README)"
    );
    anyhow::ensure!(
        !target.exists(),
        "{} exists already; a backup never overwrites a file",
        target.display()
    );
    let path = target
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("{} is not a UTF-8 path", target.display()))?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(path)
        .execute(conn)?;
    Ok(())
}

/// Puts the SQLite backup `source` in place as the database `url`, which must not exist
/// yet (restore into a fresh database; the service is not running on it).
pub fn sqlite_restore(source: &Path, url: &DatabaseUrl) -> anyhow::Result<()> {
    let DatabaseUrl::Sqlite(target) = url else {
        anyhow::bail!("a PostgreSQL database is restored with pg_restore (see the README)");
    };
    anyhow::ensure!(
        !target.exists(),
        "{} exists already; restore into a fresh database",
        target.display()
    );
    std::fs::copy(source, target)?;
    Ok(())
}
