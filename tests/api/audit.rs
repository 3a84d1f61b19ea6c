//! The audit trail: every write, who, when, before and after; append-only.

use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, ProjectBuilder, assert_problem, invalid_fields, spawn_app};

async fn walk(app: &crate::helpers::TestApp, query: &str) -> Vec<Value> {
    let mut entries = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/api/v1/audit?{query}&cursor={cursor}"),
            None => format!("/api/v1/audit?{query}"),
        };
        let (status, page) = app.get_json(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        entries.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return entries,
        }
    }
}

async fn the_trail_pages_through_every_entry_once_in_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let all = walk(&app, "limit=7").await;
    assert_eq!(all.len() as i64, app.audit_count().await);
    let ids: HashSet<_> = all
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), all.len());
    let times: Vec<chrono::DateTime<chrono::Utc>> = all
        .iter()
        .map(|e| e["at"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(times.windows(2).all(|pair| pair[0] <= pair[1]));
    assert!(
        all.iter()
            .any(|e| e["action"] == "project.create" && e["actor"]["kind"] == "system")
    );
}

async fn filters_narrow_the_trail(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let project = app
        .register(
            &team.department_token,
            ProjectBuilder::led_by(&team.department).build(),
        )
        .await;
    let id = project["id"].as_str().unwrap();
    assert_eq!(
        app.edit(&team.department_token, id, json!({"scale": "1km"}))
            .await
            .status(),
        200
    );

    let for_project = walk(&app, &format!("entity_type=project&entity_id={id}")).await;
    let actions: Vec<_> = for_project
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["project.create", "project.update"]);
    let me: Value = app
        .request(
            Method::GET,
            "/api/v1/me",
            Some(&team.department_token),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    let by_actor = walk(&app, &format!("actor={}", me["id"].as_str().unwrap())).await;
    assert!(by_actor.iter().all(|e| e["actor"]["id"] == me["id"]));
    assert_eq!(
        by_actor
            .iter()
            .filter(|e| e["action"] == "project.update")
            .count(),
        1
    );
    assert!(walk(&app, "since=2999-01-01T00:00:00Z").await.is_empty());
    assert_eq!(walk(&app, "until=2000-01-01T00:00:00Z").await.len(), 0);
}

async fn invalid_audit_parameters_are_422(backend: Backend) {
    let app = spawn_app(backend).await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("since=yesterday", "since"),
        ("cursor=x", "cursor"),
        ("colour=red", "colour"),
    ] {
        let problem = assert_problem(
            app.get(&format!("/api/v1/audit?{query}")).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(invalid_fields(&problem), [field], "{query}");
    }
}

/// An empty filter once matched nothing (200, no entries) while the contract allowed it;
/// now the contract says `minLength: 1` and every empty parameter is a 422 naming it.
async fn an_empty_value_of_any_audit_parameter_is_422_naming_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, project) = app.get_json("/api/v1/projects?limit=1").await;
    let history = format!(
        "/api/v1/projects/{}/history",
        project["items"][0]["id"].as_str().unwrap()
    );
    let trail = [
        "entity_type",
        "entity_id",
        "actor",
        "since",
        "until",
        "limit",
        "cursor",
    ]
    .map(|parameter| ("/api/v1/audit", parameter));
    let project_history = ["limit", "cursor"].map(|parameter| (history.as_str(), parameter));
    for (path, parameter) in trail.into_iter().chain(project_history) {
        let response = app.get(&format!("{path}?{parameter}=")).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(invalid_fields(&problem), [parameter], "{path}");
    }
}

async fn no_api_changes_an_audit_entry(backend: Backend) {
    let app = spawn_app(backend).await;
    for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
        let response = app
            .request(
                method.clone(),
                "/api/v1/audit",
                Some(&app.admin_token),
                Some(json!({})),
            )
            .await;
        assert_problem(response, StatusCode::METHOD_NOT_ALLOWED).await;
    }
}

on_both_backends!(
    the_trail_pages_through_every_entry_once_in_order,
    filters_narrow_the_trail,
    invalid_audit_parameters_are_422,
    an_empty_value_of_any_audit_parameter_is_422_naming_it,
    no_api_changes_an_audit_entry,
);
