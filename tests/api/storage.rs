use std::collections::HashSet;

use diesel::prelude::*;
use portfolio_registry::{
    db::{
        DbConnection, StorageError,
        projects::{NewProject, insert},
        schema::{categories, plans},
    },
    domain::Error,
    domain::{ProjectId, ProjectStatus, project::ProjectDetails},
};
use reqwest::StatusCode;

use crate::helpers::{Backend, spawn_app_with};

/// A new project in the plan's `risk` category, which the seeds leave empty.
fn risk_project(conn: &mut DbConnection, name: &str) -> QueryResult<NewProject> {
    let (plan_id, category_id): (String, String) = categories::table
        .inner_join(plans::table)
        .filter(categories::code.eq("risk"))
        .select((plans::id, categories::id))
        .first(conn)?;
    Ok(NewProject {
        plan_id: plan_id.parse().unwrap(),
        category_id: category_id.parse().unwrap(),
        status: ProjectStatus::Reserve,
        details: ProjectDetails {
            name: name.to_owned(),
            ..ProjectDetails::default()
        },
        seed_key: None,
    })
}

fn register(conn: &mut DbConnection, name: &str) -> Result<ProjectId, Error> {
    let new = risk_project(conn, name)?;
    Ok(insert(conn, &new, None, None)?)
}

/// Concurrent writers queue for the write lock instead of failing with "database is
/// locked" (SQLite), and each takes its own project code.
async fn concurrent_writers_all_succeed_with_distinct_codes(backend: Backend) {
    let app = spawn_app_with(backend, |settings| settings.pool.max_size = 8).await;
    let writers: Vec<_> = (0..40)
        .map(|n| {
            let db = app.db.clone();
            tokio::spawn(async move {
                db.write(move |conn| register(conn, &format!("并发写入测试项目{n}")))
                    .await
            })
        })
        .collect();
    let mut codes = HashSet::new();
    for writer in writers {
        let id = writer
            .await
            .unwrap()
            .expect("every concurrent write succeeds");
        let (status, project) = app.get_json(&format!("/api/v1/projects/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        codes.insert(project["code"].as_str().unwrap().to_owned());
    }
    let expected: HashSet<_> = (1..=40).map(|n| format!("YY-RISK-{n:03}")).collect();
    assert_eq!(codes, expected);
}

/// A write that fails part-way leaves nothing behind, not even a used-up code.
async fn a_failed_write_transaction_leaves_no_trace(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let before = app.all_pages("limit=200").await;
    let outcome: Result<(), Error> = app
        .db
        .write(|conn| {
            register(conn, "半途失败的项目")?;
            Err(Error::Conflict("fails after the insert".to_owned()))
        })
        .await;
    assert!(outcome.is_err());
    assert_eq!(app.all_pages("limit=200").await, before);
    let last_seq = app
        .db
        .run(|conn| {
            categories::table
                .filter(categories::code.eq("risk"))
                .select(categories::last_seq)
                .first::<i32>(conn)
                .map_err(StorageError::from)
        })
        .await
        .unwrap();
    assert_eq!(last_seq, 0, "the code counter was rolled back too");
}

on_both_backends!(
    concurrent_writers_all_succeed_with_distinct_codes,
    a_failed_write_transaction_leaves_no_trace,
);
