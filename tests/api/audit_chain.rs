//! The audit trail's hash chain: every entry is chained as its write commits, the database
//! refuses to change or remove an entry, and whatever is done to the rows behind its back
//! is reported where the chain first breaks.

use diesel::{prelude::*, sql_types::Text};
use portfolio_registry::db::{DatabaseUrl, DbConnection, StorageError};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, ProjectBuilder, TestApp, spawn_app};

/// A few writes of different kinds, so that the chain has entries to break.
async fn some_writes(app: &TestApp) {
    let team = app.team().await;
    for scale in ["1km", "2km", "3km"] {
        let project = app
            .register(
                &team.department_token,
                ProjectBuilder::led_by(&team.department).build(),
            )
            .await;
        let id = project["id"].as_str().unwrap();
        let edited = app
            .edit(&team.department_token, id, json!({"scale": scale}))
            .await;
        assert_eq!(edited.status(), StatusCode::OK);
    }
}

async fn verify(app: &TestApp) -> Value {
    let (status, verification) = app.get_json("/api/v1/audit/verify").await;
    assert_eq!(status, StatusCode::OK, "{verification}");
    verification
}

fn broken(verification: &Value) -> (String, String) {
    assert_eq!(verification["ok"], false, "{verification}");
    let link = &verification["first_broken"];
    (
        link["id"].as_str().unwrap_or_default().to_owned(),
        link["reason"].as_str().unwrap().to_owned(),
    )
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = Text)]
    id: String,
}

/// The id of the entry at `seq` in the chain.
async fn entry_at(app: &TestApp, seq: i64) -> String {
    app.db
        .run(move |conn| {
            diesel::sql_query(format!("SELECT id FROM audit_entries WHERE seq = {seq}"))
                .get_result::<Id>(conn)
                .map(|row| row.id)
                .map_err(StorageError::from)
        })
        .await
        .unwrap()
}

async fn try_sql(app: &TestApp, sql: &str) -> Result<usize, String> {
    let sql = sql.to_owned();
    app.db
        .run(move |conn: &mut DbConnection| {
            Ok::<_, StorageError>(
                diesel::sql_query(sql)
                    .execute(conn)
                    .map_err(|e| e.to_string()),
            )
        })
        .await
        .unwrap()
}

/// What someone with the database's own credentials can do: lift the append-only triggers.
async fn lift_protection(app: &TestApp) {
    let sql = match app.settings.database_url {
        DatabaseUrl::Postgres(_) => vec!["ALTER TABLE audit_entries DISABLE TRIGGER USER"],
        DatabaseUrl::Sqlite(_) => vec![
            "DROP TRIGGER audit_entries_seal_only",
            "DROP TRIGGER audit_entries_no_delete",
        ],
    };
    for statement in sql {
        app.execute_sql(statement).await;
    }
}

async fn every_entry_is_chained_and_the_chain_verifies(backend: Backend) {
    let app = spawn_app(backend).await;
    some_writes(&app).await;
    let verification = verify(&app).await;
    assert_eq!(verification["ok"], true, "{verification}");
    assert_eq!(verification["first_broken"], Value::Null);
    assert_eq!(verification["entries"], app.audit_count().await);

    let (_, page) = app.get_json("/api/v1/audit?limit=200").await;
    let items = page["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .all(|entry| entry["hash"].as_str().unwrap().len() == 64)
    );
    assert_eq!(items[0]["prev_hash"], "0".repeat(64));
}

async fn the_database_refuses_to_change_or_remove_an_entry(backend: Backend) {
    let app = spawn_app(backend).await;
    some_writes(&app).await;
    let first = entry_at(&app, 1).await;
    for sql in [
        format!("UPDATE audit_entries SET action = 'project.nothing' WHERE id = '{first}'"),
        format!("UPDATE audit_entries SET hash = NULL WHERE id = '{first}'"),
        format!("DELETE FROM audit_entries WHERE id = '{first}'"),
        "DELETE FROM audit_entries".to_owned(),
    ] {
        let refused = try_sql(&app, &sql).await.unwrap_err();
        assert!(refused.contains("append-only"), "{sql}: {refused}");
    }
    if let DatabaseUrl::Postgres(_) = app.settings.database_url {
        let refused = try_sql(&app, "TRUNCATE audit_entries").await.unwrap_err();
        assert!(refused.contains("append-only"), "{refused}");
    }
    assert_eq!(verify(&app).await["ok"], true);
}

async fn an_entry_edited_by_sql_is_reported_as_edited(backend: Backend) {
    let app = spawn_app(backend).await;
    some_writes(&app).await;
    lift_protection(&app).await;
    let edited = entry_at(&app, 5).await;
    app.execute_sql(&format!(
        "UPDATE audit_entries SET after_state = '{{\"scale\":\"9km\"}}' WHERE id = '{edited}'"
    ))
    .await;
    assert_eq!(broken(&verify(&app).await), (edited, "edited".to_owned()));
}

async fn an_entry_deleted_by_sql_is_reported_at_the_one_after_it(backend: Backend) {
    let app = spawn_app(backend).await;
    some_writes(&app).await;
    lift_protection(&app).await;
    let deleted = entry_at(&app, 4).await;
    let next = entry_at(&app, 5).await;
    app.execute_sql(&format!("DELETE FROM audit_entries WHERE id = '{deleted}'"))
        .await;
    assert_eq!(
        broken(&verify(&app).await),
        (next, "missing_before".to_owned())
    );
}

async fn the_last_entries_deleted_by_sql_are_reported_as_truncated(backend: Backend) {
    let app = spawn_app(backend).await;
    some_writes(&app).await;
    lift_protection(&app).await;
    let entries = app.audit_count().await;
    let last_left = entry_at(&app, entries - 2).await;
    app.execute_sql(&format!(
        "DELETE FROM audit_entries WHERE seq > {}",
        entries - 2
    ))
    .await;
    assert_eq!(
        broken(&verify(&app).await),
        (last_left, "truncated".to_owned())
    );
}

async fn entries_reordered_by_sql_are_reported_as_relinked(backend: Backend) {
    let app = spawn_app(backend).await;
    some_writes(&app).await;
    lift_protection(&app).await;
    let (third, fourth) = (entry_at(&app, 3).await, entry_at(&app, 4).await);
    for sql in [
        format!("UPDATE audit_entries SET seq = -1 WHERE id = '{third}'"),
        format!("UPDATE audit_entries SET seq = 3 WHERE id = '{fourth}'"),
        format!("UPDATE audit_entries SET seq = 4 WHERE id = '{third}'"),
    ] {
        app.execute_sql(&sql).await;
    }
    assert_eq!(broken(&verify(&app).await), (fourth, "relinked".to_owned()));
}

async fn an_entry_inserted_by_sql_is_reported_as_unchained_and_never_adopted(backend: Backend) {
    let app = spawn_app(backend).await;
    app.execute_sql(
        "INSERT INTO audit_entries (id, actor_kind, action, entity_type, entity_id, created_at) \
         VALUES ('forged', 'system', 'project.update', 'project', 'x', '2026-01-01 00:00:00')",
    )
    .await;
    // A later write chains its own entries, not the forged one.
    some_writes(&app).await;
    assert_eq!(
        broken(&verify(&app).await),
        ("forged".to_owned(), "unchained".to_owned())
    );
}

/// Two instances on one database writing at once: one chain, no fork, no gap.
async fn concurrent_writers_on_two_instances_extend_one_chain(backend: Backend) {
    let app = spawn_app(backend).await;
    let second = app.second_instance().await;
    let team = app.team().await;
    let mut writes = tokio::task::JoinSet::new();
    for n in 0..24 {
        let address = if n % 2 == 0 {
            app.address.clone()
        } else {
            second.clone()
        };
        let body = ProjectBuilder::led_by(&team.department).build();
        let token = team.department_token.clone();
        let client = app.client.clone();
        writes.spawn(async move {
            let response = client
                .post(format!("{address}/api/v1/projects"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::CREATED);
        });
    }
    writes.join_all().await;
    let verification = verify(&app).await;
    assert_eq!(verification["ok"], true, "{verification}");
    assert_eq!(verification["entries"], app.audit_count().await);
}

/// Entries made before the chain existed are chained, oldest first, when the migration
/// that brings the chain runs.
async fn the_chain_migration_chains_the_entries_already_there(backend: Backend) {
    let app = spawn_app(backend).await;
    some_writes(&app).await;
    let entries = app.audit_count().await;
    app.db
        .run(|conn| {
            conn.revert_migrations_through("2026-12-06-000009").unwrap();
            conn.run_migrations().unwrap();
            Ok::<_, StorageError>(())
        })
        .await
        .unwrap();
    let verification = verify(&app).await;
    assert_eq!(verification["ok"], true, "{verification}");
    assert_eq!(verification["entries"], entries);
}

on_both_backends!(
    every_entry_is_chained_and_the_chain_verifies,
    the_database_refuses_to_change_or_remove_an_entry,
    an_entry_edited_by_sql_is_reported_as_edited,
    an_entry_deleted_by_sql_is_reported_at_the_one_after_it,
    the_last_entries_deleted_by_sql_are_reported_as_truncated,
    entries_reordered_by_sql_are_reported_as_relinked,
    an_entry_inserted_by_sql_is_reported_as_unchained_and_never_adopted,
    concurrent_writers_on_two_instances_extend_one_chain,
    the_chain_migration_chains_the_entries_already_there,
);
