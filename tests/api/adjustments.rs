//! Adjustment requests: the owner asks, the plan office approves (the change applied as
//! its update, audited under the request) or rejects (nothing changes).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, ProjectBuilder, Team, TestApp, assert_problem, created, invalid_fields, spawn_app,
};

/// A project of the team's department with a total, location and scale.
async fn owned_project(app: &TestApp, team: &Team) -> String {
    let body = ProjectBuilder::led_by(&team.department)
        .set("investment", json!({"total": "100.00"}))
        .set("location", json!("双江街道"))
        .set("scale", json!("10MW"))
        .build();
    let project = app.register(&team.department_token, body).await;
    project["id"].as_str().unwrap().to_owned()
}

async fn request(app: &TestApp, token: &str, project: &str, changes: Value) -> reqwest::Response {
    app.post(
        &format!("/api/v1/projects/{project}/adjustments"),
        token,
        json!({"changes": changes, "reason": "可研批复调整"}),
    )
    .await
}

async fn review(app: &TestApp, id: &str, decision: &str, note: Option<&str>) -> reqwest::Response {
    app.post(
        &format!("/api/v1/adjustments/{id}/review"),
        &app.admin_token,
        json!({"decision": decision, "note": note}),
    )
    .await
}

async fn project(app: &TestApp, id: &str) -> Value {
    app.get_json(&format!("/api/v1/projects/{id}")).await.1
}

async fn an_owners_increase_waits_for_the_plan_office_and_approval_applies_it_with_its_audit(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let id = owned_project(&app, &team).await;
    let filed = created(
        request(
            &app,
            &team.department_token,
            &id,
            json!({"investment": {"total": "150"}}),
        )
        .await,
    )
    .await;
    assert_eq!(filed["status"], "pending");
    assert_eq!(filed["changes"], json!({"investment": {"total": "150.00"}}));
    assert_eq!(project(&app, &id).await["investment"]["total"], "100.00");
    let (_, pending) = app.get_json("/api/v1/adjustments?status=pending").await;
    assert_eq!(pending["items"][0]["id"], filed["id"]);

    let request_id = filed["id"].as_str().unwrap();
    let response = review(&app, request_id, "approved", Some("同意")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let approved: Value = response.json().await.unwrap();
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["review_note"], "同意");
    let adjusted = project(&app, &id).await;
    assert_eq!(adjusted["investment"]["total"], "150.00");
    assert_eq!(adjusted["version"], 2);
    let (_, history) = app
        .get_json(&format!("/api/v1/projects/{id}/history"))
        .await;
    let entry = history["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(entry["action"], "project.adjust");
    assert_eq!(entry["cause"], json!({"adjustment": request_id}));
    assert_eq!(entry["actor"]["role"], "plan_office");
    let (_, of_project) = app
        .get_json(&format!("/api/v1/projects/{id}/adjustments"))
        .await;
    assert_eq!(of_project["items"][0]["status"], "approved");
}

async fn a_pending_request_locks_its_fields_for_the_owner_but_not_the_plan_office(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let id = owned_project(&app, &team).await;
    let filed =
        created(request(&app, &team.department_token, &id, json!({"scale": "20MW"})).await).await;
    let locked = app
        .edit(&team.department_token, &id, json!({"scale": "15MW"}))
        .await;
    let problem = assert_problem(locked, StatusCode::CONFLICT).await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains(filed["id"].as_str().unwrap()),
        "{problem}"
    );
    let other_field = app
        .edit(&team.department_token, &id, json!({"location": "盘龙街道"}))
        .await;
    assert_eq!(other_field.status(), StatusCode::OK);
    let by_plan_office = app
        .edit(&app.admin_token, &id, json!({"scale": "12MW"}))
        .await;
    assert_eq!(by_plan_office.status(), StatusCode::OK);
    let second = request(&app, &team.department_token, &id, json!({"scale": "30MW"})).await;
    assert_problem(second, StatusCode::CONFLICT).await;
}

async fn approving_after_the_fields_changed_is_a_conflict_and_rejection_changes_nothing(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let id = owned_project(&app, &team).await;
    let filed =
        created(request(&app, &team.department_token, &id, json!({"scale": "20MW"})).await).await;
    let request_id = filed["id"].as_str().unwrap();
    let edited = app
        .edit(&app.admin_token, &id, json!({"scale": "12MW"}))
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let before = project(&app, &id).await;
    let audit = app.audit_count().await;

    assert_problem(
        review(&app, request_id, "approved", None).await,
        StatusCode::CONFLICT,
    )
    .await;
    let problem = assert_problem(
        review(&app, request_id, "rejected", Some("  ")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(invalid_fields(&problem), ["note"]);
    assert_eq!(project(&app, &id).await, before);
    assert_eq!(app.audit_count().await, audit, "refusals leave no trace");

    let rejected = review(&app, request_id, "rejected", Some("规模已另行调整")).await;
    assert_eq!(rejected.status(), StatusCode::OK);
    assert_eq!(
        project(&app, &id).await,
        before,
        "a rejection changes nothing"
    );
    assert_problem(
        review(&app, request_id, "approved", None).await,
        StatusCode::CONFLICT,
    )
    .await;
}

async fn a_request_changes_governed_fields_with_a_reason_and_keeps_the_projects_rules(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let id = owned_project(&app, &team).await;
    let audit = app.audit_count().await;
    for (changes, field) in [
        (json!({"name": "改名"}), "changes.name"),
        (
            json!({"investment": {"county": "1"}}),
            "changes.investment.county",
        ),
        (json!({}), "changes"),
        (json!({"scale": "10MW"}), "changes"),
        (json!({"end_year": 1800}), "end_year"),
    ] {
        let response = request(&app, &team.department_token, &id, changes.clone()).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(invalid_fields(&problem), [field], "{changes}");
    }
    let no_reason = app
        .post(
            &format!("/api/v1/projects/{id}/adjustments"),
            &team.department_token,
            json!({"changes": {"scale": "20MW"}, "reason": " "}),
        )
        .await;
    let problem = assert_problem(no_reason, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(invalid_fields(&problem), ["reason"]);
    let (_, requests) = app
        .get_json(&format!("/api/v1/projects/{id}/adjustments"))
        .await;
    assert_eq!(requests["items"], json!([]));
    assert_eq!(app.audit_count().await, audit);
}

on_both_backends!(
    an_owners_increase_waits_for_the_plan_office_and_approval_applies_it_with_its_audit,
    a_pending_request_locks_its_fields_for_the_owner_but_not_the_plan_office,
    approving_after_the_fields_changed_is_a_conflict_and_rejection_changes_nothing,
    a_request_changes_governed_fields_with_a_reason_and_keeps_the_projects_rules,
);
