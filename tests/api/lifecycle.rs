//! Lifecycle moves: the graph, who may make each move, and the preconditions.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, ProjectBuilder, Team, TestApp, assert_problem, invalid_fields, spawn_app,
};

const STATUSES: [&str; 5] = [
    "reserve",
    "preparation",
    "construction",
    "completed",
    "withdrawn",
];

/// The edges of the lifecycle as DESIGN.md draws them, and whether each is the plan
/// office's alone (re-entry and corrections).
fn edge(from: &str, to: &str) -> Option<bool> {
    let forward = [
        ("reserve", "preparation"),
        ("preparation", "construction"),
        ("construction", "completed"),
    ];
    let withdrawal = [
        ("reserve", "withdrawn"),
        ("preparation", "withdrawn"),
        ("construction", "withdrawn"),
    ];
    let plan_office_only = [
        ("withdrawn", "reserve"),
        ("preparation", "reserve"),
        ("construction", "reserve"),
        ("construction", "preparation"),
        ("completed", "reserve"),
        ("completed", "preparation"),
        ("completed", "construction"),
    ];
    if forward.contains(&(from, to)) || withdrawal.contains(&(from, to)) {
        Some(false)
    } else if plan_office_only.contains(&(from, to)) {
        Some(true)
    } else {
        None
    }
}

fn expected(role: &str, from: &str, to: &str) -> StatusCode {
    let owner = matches!(role, "department" | "platform_company");
    if matches!(role, "finance" | "viewer") || (owner && matches!(from, "completed" | "withdrawn"))
    {
        return StatusCode::FORBIDDEN;
    }
    match edge(from, to) {
        None => StatusCode::CONFLICT,
        Some(true) if owner => StatusCode::FORBIDDEN,
        Some(_) => StatusCode::OK,
    }
}

/// A project with everything every move needs, brought to `status` by the plan office.
async fn project_in(app: &TestApp, team: &Team, status: &str) -> String {
    let body = ProjectBuilder::led_by(&team.department)
        .set("implementing_org", json!(team.company))
        .set("start_year", json!(2023))
        .set("end_year", json!(2025))
        .set("investment", json!({"total": "500.00"}))
        .build();
    let id = app.register(&team.department_token, body).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path: &[&str] = match status {
        "reserve" => &[],
        "preparation" => &["preparation"],
        "construction" => &["preparation", "construction"],
        "completed" => &["preparation", "construction", "completed"],
        _ => &["withdrawn"],
    };
    for step in path {
        let response = app
            .transition(&app.admin_token, &id, step, Some("准备测试"))
            .await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "to {step}: {}",
            response.text().await.unwrap()
        );
        if *step == "construction" {
            // Completion needs accepted completed investment.
            app.accepted_report(team, &id, "2025-01", "100.00", 100)
                .await;
        }
    }
    id
}

async fn every_move_for_every_role_follows_the_graph(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let finance = app.add_organization("县财政二局", "finance").await;
    let (_, viewer_token) = app.add_user("viewer", "viewer", &finance).await;
    let roles = [
        ("plan_office", app.admin_token.clone()),
        ("department", team.department_token.clone()),
        ("platform_company", team.company_token.clone()),
        ("finance", team.finance_token.clone()),
        ("viewer", viewer_token),
    ];
    for from in STATUSES {
        for to in STATUSES {
            for (role, token) in &roles {
                let id = project_in(&app, &team, from).await;
                let response = app.transition(token, &id, to, Some("表驱动测试")).await;
                let status = response.status();
                let body = response.text().await.unwrap();
                assert_eq!(
                    status,
                    expected(role, from, to),
                    "{role}: {from} → {to}: {body}"
                );
                let (_, project) = app.get_json(&format!("/api/v1/projects/{id}")).await;
                let now = if status == StatusCode::OK { to } else { from };
                assert_eq!(project["status"], now, "{role}: {from} → {to}");
            }
        }
    }
}

async fn preconditions_are_422_naming_what_is_missing(backend: Backend) {
    let app = spawn_app(backend).await;
    let seeded = app.project_named("洞鹿风电项目").await;
    let id = seeded["id"].as_str().unwrap();
    let response = app
        .transition(&app.admin_token, id, "preparation", None)
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        invalid_fields(&problem),
        ["lead_department", "investment.total"]
    );

    let team = app.team().await;
    let bare = app
        .register(
            &team.department_token,
            ProjectBuilder::led_by(&team.department).build(),
        )
        .await;
    let bare = bare["id"].as_str().unwrap();
    assert_eq!(
        app.edit(
            &app.admin_token,
            bare,
            json!({"investment": {"total": "1.00"}})
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        app.transition(&team.department_token, bare, "preparation", None)
            .await
            .status(),
        200
    );
    let response = app
        .transition(&team.department_token, bare, "construction", None)
        .await;
    assert_eq!(
        invalid_fields(&assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["start_year"]
    );
    let response = app
        .transition(&team.department_token, bare, "withdrawn", Some("   "))
        .await;
    assert_eq!(
        invalid_fields(&assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["note"]
    );

    let building = project_in(&app, &team, "preparation").await;
    assert_eq!(
        app.transition(&team.department_token, &building, "construction", None)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.edit(&team.department_token, &building, json!({"end_year": null}))
            .await
            .status(),
        200
    );
    let response = app
        .transition(&team.department_token, &building, "completed", None)
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        invalid_fields(&problem),
        ["end_year", "completed_investment"]
    );
}

async fn an_unknown_status_is_422_and_a_stale_tag_412(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let id = project_in(&app, &team, "reserve").await;
    let response = app
        .transition(&team.department_token, &id, "finished", None)
        .await;
    assert_eq!(
        invalid_fields(&assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["to"]
    );
    let response = app
        .with_if_match(
            reqwest::Method::POST,
            &format!("/api/v1/projects/{id}/transitions"),
            &team.department_token,
            Some("\"0\""),
            json!({"to": "preparation"}),
        )
        .await;
    assert_problem(response, StatusCode::PRECONDITION_FAILED).await;
    let response = app
        .with_if_match(
            reqwest::Method::POST,
            &format!("/api/v1/projects/{id}/transitions"),
            &team.department_token,
            None,
            json!({"to": "preparation"}),
        )
        .await;
    assert_problem(response, StatusCode::PRECONDITION_REQUIRED).await;
}

async fn the_history_holds_every_move_from_registration_on(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let id = project_in(&app, &team, "construction").await;
    assert_eq!(
        app.transition(&team.department_token, &id, "withdrawn", Some("资金未落实"))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.transition(&app.admin_token, &id, "reserve", Some("重新入库"))
            .await
            .status(),
        200
    );
    let (status, history) = app
        .get_json(&format!("/api/v1/projects/{id}/transitions"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let moves: Vec<(Value, Value)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| (entry["from"].clone(), entry["to"].clone()))
        .collect();
    assert_eq!(
        moves,
        [
            (Value::Null, json!("reserve")),
            (json!("reserve"), json!("preparation")),
            (json!("preparation"), json!("construction")),
            (json!("construction"), json!("withdrawn")),
            (json!("withdrawn"), json!("reserve")),
        ]
    );
    let entries = history.as_array().unwrap();
    assert_eq!(entries[3]["note"], "资金未落实");
    assert!(
        entries
            .iter()
            .all(|entry| entry["by"].is_string() && entry["at"].is_string())
    );
    let (_, seeded) = app
        .get_json(&format!(
            "/api/v1/projects/{}/transitions",
            app.project_named("洞鹿风电项目").await["id"]
                .as_str()
                .unwrap()
        ))
        .await;
    assert_eq!(seeded[0]["from"], Value::Null);
    assert_eq!(seeded[0]["by"], Value::Null, "the registry loaded it");
}

on_both_backends!(
    every_move_for_every_role_follows_the_graph,
    preconditions_are_422_naming_what_is_missing,
    an_unknown_status_is_422_and_a_stale_tag_412,
    the_history_holds_every_move_from_registration_on,
);
