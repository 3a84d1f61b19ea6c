//! PATCH /projects/{id}: merge patch, If-Match, who may change which field.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    Backend, ProjectBuilder, Team, TestApp, assert_problem, invalid_fields, spawn_app,
};

async fn a_project(app: &TestApp, team: &Team) -> Value {
    let body = ProjectBuilder::led_by(&team.department)
        .set("implementing_org", json!(team.company))
        .set("location", json!("人和街道"))
        .set(
            "investment",
            json!({"total": "100.00", "central": "30.00", "county": "20.00"}),
        )
        .build();
    app.register(&team.department_token, body).await
}

fn path(project: &Value) -> String {
    format!("/api/v1/projects/{}", project["id"].as_str().unwrap())
}

async fn a_patch_merges_and_bumps_the_version_and_etag(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let project = a_project(&app, &team).await;
    let patch = json!({"location": null, "scale": "5km", "investment": {"county": null, "municipal": 10.5}});
    let response = app
        .with_if_match(
            Method::PATCH,
            &path(&project),
            &team.department_token,
            Some("\"1\""),
            patch,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["etag"], "\"2\"");
    let updated: Value = response.json().await.unwrap();
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["location"], Value::Null);
    assert_eq!(updated["scale"], "5km");
    assert_eq!(updated["name"], project["name"], "members left out stay");
    let investment = &updated["investment"];
    assert_eq!(investment["total"], "100.00");
    assert_eq!(investment["central"], "30.00");
    assert_eq!(investment["county"], Value::Null);
    assert_eq!(investment["municipal"], "10.50");
    assert_eq!(investment["secured"], "40.50");
    assert_eq!(investment["gap"], "59.50");
}

async fn merge_patch_content_type_is_accepted(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let project = a_project(&app, &team).await;
    let response = app
        .client
        .patch(format!("{}{}", app.address, path(&project)))
        .bearer_auth(&team.department_token)
        .header("if-match", "\"1\"")
        .header("content-type", "application/merge-patch+json")
        .body(r#"{"scale": "3km"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

async fn without_if_match_a_write_is_428_and_with_a_stale_one_412(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let project = a_project(&app, &team).await;
    let path = path(&project);
    for tag in [None, Some("*")] {
        let response = app
            .with_if_match(
                Method::PATCH,
                &path,
                &team.department_token,
                tag,
                json!({"scale": "x"}),
            )
            .await;
        assert_problem(response, StatusCode::PRECONDITION_REQUIRED).await;
    }
    assert_eq!(
        app.edit(
            &team.department_token,
            project["id"].as_str().unwrap(),
            json!({"scale": "1km"})
        )
        .await
        .status(),
        200
    );
    for tag in ["\"1\"", "W/\"2\"", "2"] {
        let response = app
            .with_if_match(
                Method::PATCH,
                &path,
                &team.department_token,
                Some(tag),
                json!({"scale": "2km"}),
            )
            .await;
        assert_problem(response, StatusCode::PRECONDITION_FAILED).await;
    }
    let (_, current) = app.get_json(&path).await;
    assert_eq!(current["scale"], "1km", "a refused write changed nothing");
    assert_eq!(current["version"], 2);
}

async fn twenty_concurrent_patches_with_one_etag_let_exactly_one_through(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let project = a_project(&app, &team).await;
    let path = path(&project);
    let requests = (0..20).map(|n| {
        let request = app
            .client
            .patch(format!("{}{path}", app.address))
            .bearer_auth(&team.department_token)
            .header("if-match", "\"1\"")
            .json(&json!({"scale": format!("{n}km")}));
        async move { request.send().await.unwrap().status() }
    });
    let statuses = futures_join_all(requests.collect()).await;
    let ok = statuses
        .iter()
        .filter(|status| **status == StatusCode::OK)
        .count();
    let stale = statuses
        .iter()
        .filter(|status| **status == StatusCode::PRECONDITION_FAILED)
        .count();
    assert_eq!((ok, stale), (1, 19), "{statuses:?}");
    let (_, current) = app.get_json(&path).await;
    assert_eq!(current["version"], 2);
}

/// Runs the futures concurrently (on the test's runtime) and collects their outputs in order.
async fn futures_join_all<F: std::future::Future + Send + 'static>(
    futures: Vec<F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut outputs = Vec::new();
    for handle in handles {
        outputs.push(handle.await.unwrap());
    }
    outputs
}

async fn fields_of_the_plan_office_are_403_for_owners_and_nothing_changes(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let project = a_project(&app, &team).await;
    let id = project["id"].as_str().unwrap();
    let cases = [
        (&team.department_token, json!({"lead_department": null})),
        (&team.department_token, json!({"code": "YY-RISK-999"})),
        (
            &team.department_token,
            json!({"plan": "yunyang-eco-2021-2025"}),
        ),
        (&team.company_token, json!({"implementing_org": null})),
        (
            &team.company_token,
            json!({"scale": "1km", "category": "pollution"}),
        ),
    ];
    for (token, patch) in cases {
        let response = app.edit(token, id, patch.clone()).await;
        assert_problem(response, StatusCode::FORBIDDEN).await;
    }
    let (_, current) = app.get_json(&path(&project)).await;
    assert_eq!(current, project);
    let response = app
        .edit(
            &team.department_token,
            id,
            json!({"implementing_org": null}),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the lead department sets the implementing organization"
    );
}

async fn the_plan_office_changes_code_and_category(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let project = a_project(&app, &team).await;
    let id = project["id"].as_str().unwrap();
    let response = app
        .edit(
            &app.admin_token,
            id,
            json!({"code": "YY-POL-900", "category": "pollution"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let updated: Value = response.json().await.unwrap();
    assert_eq!(
        (updated["code"].as_str(), updated["category"].as_str()),
        (Some("YY-POL-900"), Some("pollution"))
    );
    let taken = app
        .edit(&app.admin_token, id, json!({"code": "YY-LC-002"}))
        .await;
    assert_problem(taken, StatusCode::CONFLICT).await;
}

async fn invalid_patches_are_422_naming_the_field_and_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let project = a_project(&app, &team).await;
    let id = project["id"].as_str().unwrap();
    let cases = [
        (json!({"status": "completed"}), "status"),
        (json!({"version": 9}), "version"),
        (json!({"investment": {"gap": "1.00"}}), "investment.gap"),
        (
            json!({"completed_investment": "1.00"}),
            "completed_investment",
        ),
        (json!({"name": null}), "name"),
        (json!({"investment": {"central": "80.01"}}), "investment"),
        (
            json!({"investment": {"total": "1.001"}}),
            "investment.total",
        ),
        (json!({"end_year": 1800}), "end_year"),
        (
            json!({"lead_department": uuid::Uuid::new_v4()}),
            "lead_department",
        ),
        (json!({"favourite": true}), "favourite"),
    ];
    for (patch, field) in cases {
        let response = app.edit(&app.admin_token, id, patch.clone()).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(invalid_fields(&problem), [field], "{patch}");
    }
    let (_, current) = app.get_json(&path(&project)).await;
    assert_eq!(current, project);
}

/// A patched national code is checked exactly as sent, like a registered one; `null`
/// removes it.
async fn a_national_code_with_a_space_is_422_on_patch(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let project = a_project(&app, &team).await;
    let id = project["id"].as_str().unwrap();
    let code = "2021-500235-44-01-123456";
    for padded in [format!("{code} "), format!(" {code}"), String::new()] {
        let response = app
            .edit(&team.department_token, id, json!({"national_code": padded}))
            .await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(invalid_fields(&problem), ["national_code"], "{padded:?}");
    }
    let (_, current) = app.get_json(&path(&project)).await;
    assert_eq!(current, project, "a refused patch changed nothing");

    let set = app
        .edit(&team.department_token, id, json!({"national_code": code}))
        .await;
    assert_eq!(set.status(), StatusCode::OK);
    let removed = app
        .edit(&team.department_token, id, json!({"national_code": null}))
        .await;
    let removed: Value = removed.json().await.unwrap();
    assert_eq!(removed["national_code"], Value::Null);
}

async fn a_patch_is_audited_with_before_and_after(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let project = a_project(&app, &team).await;
    let id = project["id"].as_str().unwrap();
    assert_eq!(
        app.edit(&team.department_token, id, json!({"scale": "9km"}))
            .await
            .status(),
        200
    );
    let (status, history) = app
        .get_json(&format!("/api/v1/projects/{id}/history"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let items = history["items"].as_array().unwrap();
    assert_eq!(
        items
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["project.create", "project.update"]
    );
    let update = &items[1];
    assert_eq!(update["before"]["scale"], Value::Null);
    assert_eq!(update["after"]["scale"], "9km");
    assert_eq!(update["actor"]["role"], "department");
    assert!(update["request_id"].is_string());
}

async fn a_withdrawn_project_is_edited_only_by_the_plan_office(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let project = a_project(&app, &team).await;
    let id = project["id"].as_str().unwrap();
    let withdrawn = app
        .transition(&team.department_token, id, "withdrawn", Some("资金未落实"))
        .await;
    assert_eq!(withdrawn.status(), StatusCode::OK);
    for token in [&team.department_token, &team.company_token] {
        let response = app.edit(token, id, json!({"scale": "1km"})).await;
        assert_problem(response, StatusCode::FORBIDDEN).await;
    }
    let (_, current) = app.get_json(&path(&project)).await;
    assert_eq!(
        current["scale"],
        Value::Null,
        "a refused write changed nothing"
    );
    assert_eq!(
        app.edit(&app.admin_token, id, json!({"scale": "1km"}))
            .await
            .status(),
        200
    );
}

on_both_backends!(
    a_withdrawn_project_is_edited_only_by_the_plan_office,
    a_patch_merges_and_bumps_the_version_and_etag,
    merge_patch_content_type_is_accepted,
    without_if_match_a_write_is_428_and_with_a_stale_one_412,
    twenty_concurrent_patches_with_one_etag_let_exactly_one_through,
    fields_of_the_plan_office_are_403_for_owners_and_nothing_changes,
    the_plan_office_changes_code_and_category,
    invalid_patches_are_422_naming_the_field_and_change_nothing,
    a_national_code_with_a_space_is_422_on_patch,
    a_patch_is_audited_with_before_and_after,
);
