use diesel::{prelude::*, sql_types::BigInt};
use portfolio_registry::db::{Database, DbConnection};

use crate::helpers::{Backend, TestDatabase, test_settings};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

fn count_projects(conn: &mut DbConnection) -> QueryResult<i64> {
    diesel::sql_query("SELECT COUNT(*) AS count FROM projects")
        .get_result::<Count>(conn)
        .map(|row| row.count)
}

/// Every `down.sql` undoes its `up.sql`: all migrations apply, revert and apply again.
async fn migrations_apply_revert_and_apply_again(backend: Backend) {
    let database = TestDatabase::create(&backend);
    let settings = test_settings(database.url.clone());
    tokio::task::spawn_blocking(move || {
        let db = Database::connect(&settings.database_url, settings.pool).unwrap();
        let mut conn = db.connection().unwrap();
        conn.run_migrations().unwrap();
        assert_eq!(count_projects(&mut conn).unwrap(), 0);

        conn.revert_all_migrations().unwrap();
        assert!(count_projects(&mut conn).is_err(), "the tables are gone");

        conn.run_migrations().unwrap();
        assert_eq!(count_projects(&mut conn).unwrap(), 0);
    })
    .await
    .unwrap();
}

on_both_backends!(migrations_apply_revert_and_apply_again);
