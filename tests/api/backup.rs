//! Backups taken while the service serves writes: SQLite's `backup` (VACUUM INTO) and
//! PostgreSQL's pg_dump, each restored into a fresh database.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    process::Command,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use diesel::{prelude::*, sql_types::BigInt};
use portfolio_registry::db::{Database, DatabaseUrl, audit, backup};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, ProjectBuilder, TestApp, TestDatabase, spawn_app, test_settings};

/// Each project a client was told was written, with the newest version it was told of.
type Acknowledged = Arc<Mutex<HashMap<String, i64>>>;

/// A department office at month's end: registering projects and editing them, until told
/// to stop.
async fn write_until(app: &TestApp, stop: Arc<AtomicBool>, acknowledged: Acknowledged) {
    let team = app.team().await;
    let mut writers = tokio::task::JoinSet::new();
    for writer in 0..4 {
        let (client, address) = (app.client.clone(), app.address.clone());
        let (token, department) = (team.department_token.clone(), team.department.clone());
        let (stop, acknowledged) = (stop.clone(), acknowledged.clone());
        writers.spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let created: Value = client
                    .post(format!("{address}/api/v1/projects"))
                    .bearer_auth(&token)
                    .json(&ProjectBuilder::led_by(&department).build())
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let id = created["id"].as_str().unwrap().to_owned();
                acknowledged.lock().unwrap().insert(id.clone(), 1);
                let edited = client
                    .patch(format!("{address}/api/v1/projects/{id}"))
                    .bearer_auth(&token)
                    .header("If-Match", "\"1\"")
                    .json(&json!({"scale": format!("{writer}-{n}")}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(edited.status(), StatusCode::OK);
                acknowledged.lock().unwrap().insert(id, 2);
            }
        });
    }
    writers.join_all().await;
}

fn run(command: &mut Command) {
    let output = command.output().expect("running a PostgreSQL tool");
    assert!(output.status.success(), "{command:?}: {output:?}");
}

/// Takes a backup of the app's database into `dir`; returns the file.
async fn take_backup(app: &TestApp, dir: &Path) -> PathBuf {
    let file = dir.join("backup");
    let target = file.clone();
    match &app.settings.database_url {
        DatabaseUrl::Sqlite(_) => app
            .db
            .run(move |conn| backup::sqlite_copy(conn, &target))
            .await
            .unwrap(),
        DatabaseUrl::Postgres(url) => {
            let url = url.clone();
            tokio::task::spawn_blocking(move || {
                run(Command::new("pg_dump")
                    .args(["--format=custom", "--file"])
                    .arg(&target)
                    .arg(url))
            })
            .await
            .unwrap()
        }
    }
    file
}

/// Restores `file` into the fresh database `fresh`.
fn restore(file: &Path, fresh: &DatabaseUrl) {
    match fresh {
        DatabaseUrl::Sqlite(path) => {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            backup::sqlite_restore(file, fresh).unwrap();
        }
        DatabaseUrl::Postgres(url) => run(Command::new("pg_restore")
            .args(["--no-owner", "--exit-on-error", "--dbname"])
            .arg(url)
            .arg(file)),
    }
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = BigInt)]
    version: i64,
}

async fn a_backup_under_write_load_restores_every_acknowledged_write_and_a_verifying_chain(
    backend: Backend,
) {
    let app = spawn_app(backend.clone()).await;
    let (stop, acknowledged) = (Arc::new(AtomicBool::new(false)), Acknowledged::default());
    let load = write_until(&app, stop.clone(), acknowledged.clone());
    let backup_under_load = async {
        tokio::time::sleep(Duration::from_millis(800)).await;
        let before = acknowledged.lock().unwrap().clone();
        let dir = std::env::temp_dir().join(format!("registry-backup-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = take_backup(&app, &dir).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        stop.store(true, Ordering::Relaxed);
        (before, dir, file)
    };
    let ((), (before, dir, file)) = tokio::join!(load, backup_under_load);
    assert!(
        before.len() >= 4,
        "writes were acknowledged before the backup: {before:?}"
    );
    assert!(
        acknowledged.lock().unwrap().len() > before.len(),
        "and more while it ran"
    );

    let fresh = TestDatabase::create(&backend);
    restore(&file, &fresh.url);
    let settings = test_settings(fresh.url.clone());
    tokio::task::spawn_blocking(move || {
        let restored = Database::connect(&settings.database_url, settings.pool).unwrap();
        let mut conn = restored.connection().unwrap();
        for (id, version) in before {
            let found =
                diesel::sql_query(format!("SELECT version FROM projects WHERE id = '{id}'"))
                    .get_result::<Version>(&mut *conn)
                    .unwrap_or_else(|error| panic!("{id} is missing from the backup: {error}"));
            assert!(
                found.version >= version,
                "{id}: {} < {version}",
                found.version
            );
        }
        let verification = audit::verify(&mut conn).unwrap();
        assert!(verification.ok, "{verification:?}");
    })
    .await
    .unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

on_both_backends!(
    a_backup_under_write_load_restores_every_acknowledged_write_and_a_verifying_chain,
);
