//! Statements per request, pinned (counted, not timed): a list costs the same whatever its
//! page size or depth (no N+1), and a read or a write a small fixed number.

use serde_json::json;

use crate::helpers::{Backend, TestApp, spawn_app};

/// The statements the database ran for one request.
async fn statements_for(
    app: &TestApp,
    request: impl std::future::Future<Output = reqwest::Response>,
) -> u64 {
    let before = app.db.statements();
    let response = request.await;
    assert!(response.status().is_success(), "{}", response.status());
    app.db.statements() - before
}

async fn a_list_page_costs_the_same_statements_whatever_its_size_or_depth(backend: Backend) {
    let app = spawn_app(backend).await;
    let small = statements_for(&app, app.get("/api/v1/projects?limit=5")).await;
    let large = statements_for(&app, app.get("/api/v1/projects?limit=200")).await;
    let (_, first) = app.get_json("/api/v1/projects?limit=50").await;
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let deep = statements_for(
        &app,
        app.get(&format!("/api/v1/projects?limit=50&cursor={cursor}")),
    )
    .await;
    let filtered = statements_for(
        &app,
        app.get("/api/v1/projects?limit=50&category=pollution&status=reserve"),
    )
    .await;
    // The caller's lookup; the page; the page's years (one statement for all its projects).
    assert_eq!((small, large, deep), (3, 3, 3));
    assert_eq!(filtered, 4, "a category filter resolves the category first");
}

async fn reading_one_project_takes_three_statements(backend: Backend) {
    let app = spawn_app(backend).await;
    let project = app.project_named("洞鹿风电项目").await;
    let path = format!("/api/v1/projects/{}", project["id"].as_str().unwrap());
    // The caller's lookup; the project; its investment by year.
    assert_eq!(statements_for(&app, app.get(&path)).await, 3);
}

async fn a_patch_takes_a_fixed_number_of_statements(backend: Backend) {
    let app = spawn_app(backend).await;
    let project = app.project_named("洞鹿风电项目").await;
    let id = project["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/projects/{id}");
    let patch = app.with_if_match(
        reqwest::Method::PATCH,
        &path,
        &app.admin_token,
        Some("\"1\""),
        json!({"scale": "210MW"}),
    );
    let statements = statements_for(&app, patch).await;
    // The caller; then begin, read (the project and its years), update, re-read (both
    // again), audit, chain it (take the chain's end, link the entry, move the end), commit.
    assert_eq!(statements, 12, "{statements}");
}

on_both_backends!(
    a_list_page_costs_the_same_statements_whatever_its_size_or_depth,
    reading_one_project_takes_three_statements,
    a_patch_takes_a_fixed_number_of_statements,
);
