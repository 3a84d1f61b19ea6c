use diesel::{prelude::*, sql_types::BigInt};
use portfolio_registry::db::{Database, DbConnection};

use crate::helpers::{Backend, ProjectBuilder, TestDatabase, spawn_app, test_settings, today};

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

/// The plan procedures' migration fills what it adds from the data already there: the
/// completed investment of each year from accepted reports, and reserve dates from the
/// registration day.
async fn the_plan_procedures_migration_fills_years_and_reserve_dates_from_existing_data(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let body = ProjectBuilder::led_by(&team.department)
        .set("investment", serde_json::json!({"total": "100.00"}))
        .build();
    let project = app.register(&team.department_token, body).await;
    let id = project["id"].as_str().unwrap();
    app.transition(&team.department_token, id, "preparation", None)
        .await;
    app.accepted_report(&team, id, "2022-03", "4.00", 10).await;
    app.accepted_report(&team, id, "2022-09", "2.50", 20).await;
    app.accepted_report(&team, id, "2024-01", "1.00", 30).await;
    let before = app.get_json(&format!("/api/v1/projects/{id}")).await.1;

    app.db
        .run(|conn| {
            conn.revert_migrations_through("2026-12-02-000008").unwrap();
            conn.run_migrations().unwrap();
            Ok::<_, portfolio_registry::db::StorageError>(())
        })
        .await
        .unwrap();
    let after = app.get_json(&format!("/api/v1/projects/{id}")).await.1;
    assert_eq!(after["investment_by_year"], before["investment_by_year"]);
    assert_eq!(after["investment_by_year"][1]["completed"], "6.50");
    assert_eq!(after["reserve_since"], today().to_string());
    assert_eq!(after["reserve_expires"], serde_json::Value::Null);
}

on_both_backends!(
    migrations_apply_revert_and_apply_again,
    the_plan_procedures_migration_fills_years_and_reserve_dates_from_existing_data,
);
