//! Progress reports (调度) and their review by finance.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    Backend, ProjectBuilder, Team, TestApp, assert_problem, invalid_fields, spawn_app,
};

/// A project under construction, led by the team's department.
async fn building(app: &TestApp, team: &Team) -> String {
    let body = ProjectBuilder::led_by(&team.department)
        .set("start_year", json!(2023))
        .set("investment", json!({"total": "1000.00"}))
        .build();
    let id = app.register(&team.department_token, body).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for to in ["preparation", "construction"] {
        assert_eq!(
            app.transition(&team.department_token, &id, to, None)
                .await
                .status(),
            200
        );
    }
    id
}

async fn project(app: &TestApp, id: &str) -> Value {
    app.get_json(&format!("/api/v1/projects/{id}")).await.1
}

async fn accepted_reports_make_the_projects_figures_exactly(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let id = building(&app, &team).await;
    let version = project(&app, &id).await["version"].as_i64().unwrap();
    let june = app
        .report(&team.department_token, &id, "2025-06", "0.10", 40)
        .await;
    assert_eq!(june["status"], "submitted");
    let may = app
        .report(&team.department_token, &id, "2025-05", "0.20", 30)
        .await;
    let big = app
        .report(
            &team.department_token,
            &id,
            "2025-04",
            "9999999999999.99",
            20,
        )
        .await;
    for report in [&june, &may, &big] {
        let response = app
            .review(
                &team.finance_token,
                report["id"].as_str().unwrap(),
                "accepted",
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let current = project(&app, &id).await;
    assert_eq!(current["completed_investment"], "10000000000000.29");
    assert_eq!(
        current["progress_pct"], 40,
        "from the accepted report with the latest period"
    );
    assert_eq!(current["version"].as_i64().unwrap(), version + 3);

    let (_, reports) = app
        .get_json(&format!("/api/v1/projects/{id}/reports"))
        .await;
    let periods: Vec<_> = reports
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["period"].as_str().unwrap())
        .collect();
    assert_eq!(periods, ["2025-04", "2025-05", "2025-06"]);
    assert!(
        reports
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "accepted" && r["reviewed_by"].is_string())
    );
}

async fn one_report_per_project_and_period(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let id = building(&app, &team).await;
    app.report(&team.department_token, &id, "2025-06", "1.00", 10)
        .await;
    let body = json!({"period": "2025-06", "investment_completed": "2.00", "physical_progress": 20, "summary": "再报"});
    let again = app
        .post(
            &format!("/api/v1/projects/{id}/reports"),
            &team.department_token,
            body,
        )
        .await;
    assert_problem(again, StatusCode::CONFLICT).await;
}

async fn only_projects_in_preparation_or_construction_report(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let reserve = app
        .register(
            &team.department_token,
            ProjectBuilder::led_by(&team.department).build(),
        )
        .await;
    let body = json!({"period": "2025-06", "investment_completed": "1.00", "physical_progress": 10, "summary": "尚未开工"});
    let response = app
        .post(
            &format!(
                "/api/v1/projects/{}/reports",
                reserve["id"].as_str().unwrap()
            ),
            &team.department_token,
            body,
        )
        .await;
    assert_problem(response, StatusCode::CONFLICT).await;
}

async fn invalid_reports_are_422_naming_the_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let id = building(&app, &team).await;
    let valid = json!({"period": "2025-06", "investment_completed": "1.00", "physical_progress": 10, "summary": "进展"});
    let with = |field: &str, value: Value| {
        let mut body = valid.clone();
        body[field] = value;
        body
    };
    let cases = [
        (with("period", json!("2025-13")), "period"),
        (with("period", json!("June")), "period"),
        (with("physical_progress", json!(101)), "physical_progress"),
        (
            with("investment_completed", json!("-1.00")),
            "investment_completed",
        ),
        (
            with("investment_completed", json!("1.234")),
            "investment_completed",
        ),
        (with("summary", json!(" ")), "summary"),
        (with("status", json!("accepted")), "status"),
    ];
    for (body, field) in cases {
        let response = app
            .post(
                &format!("/api/v1/projects/{id}/reports"),
                &team.department_token,
                body.clone(),
            )
            .await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(invalid_fields(&problem), [field], "{body}");
    }
}

async fn nobody_reviews_a_report_they_submitted(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let id = building(&app, &team).await;
    let report = app
        .report(&app.admin_token, &id, "2025-06", "5.00", 10)
        .await;
    let report_id = report["id"].as_str().unwrap();
    let own = app.review(&app.admin_token, report_id, "accepted").await;
    assert_problem(own, StatusCode::FORBIDDEN).await;
    let owner = app
        .review(&team.department_token, report_id, "accepted")
        .await;
    assert_problem(owner, StatusCode::FORBIDDEN).await;
    assert_eq!(project(&app, &id).await["completed_investment"], "0.00");
    assert_eq!(
        app.review(&team.finance_token, report_id, "accepted")
            .await
            .status(),
        200
    );
    let twice = app.review(&team.finance_token, report_id, "returned").await;
    assert_problem(twice, StatusCode::CONFLICT).await;
}

async fn a_returned_report_is_corrected_and_submitted_again(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let id = building(&app, &team).await;
    let report = app
        .report(&team.department_token, &id, "2025-06", "5.00", 10)
        .await;
    let path = format!("/api/v1/reports/{}", report["id"].as_str().unwrap());
    let early = app
        .patch(
            &path,
            &team.department_token,
            json!({"physical_progress": 15}),
        )
        .await;
    assert_problem(early, StatusCode::CONFLICT).await;

    let returned = app
        .review(
            &team.finance_token,
            report["id"].as_str().unwrap(),
            "returned",
        )
        .await;
    assert_eq!(
        returned.json::<Value>().await.unwrap()["status"],
        "returned"
    );
    assert_eq!(project(&app, &id).await["completed_investment"], "0.00");

    let corrected = app
        .patch(
            &path,
            &team.department_token,
            json!({"investment_completed": "4.50", "physical_progress": 15}),
        )
        .await;
    assert_eq!(corrected.status(), StatusCode::OK);
    let corrected: Value = corrected.json().await.unwrap();
    assert_eq!(corrected["status"], "submitted");
    assert_eq!(corrected["investment_completed"], "4.50");
    assert_eq!(
        corrected["summary"], report["summary"],
        "members left out stay"
    );
    assert_eq!(
        app.review(
            &team.finance_token,
            report["id"].as_str().unwrap(),
            "accepted"
        )
        .await
        .status(),
        200
    );
    assert_eq!(project(&app, &id).await["completed_investment"], "4.50");
}

async fn reports_are_read_by_users_but_not_api_keys(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let id = building(&app, &team).await;
    app.report(&team.department_token, &id, "2025-06", "5.00", 10)
        .await;
    let (_, key) = app.add_api_key("tool").await;
    let response = app
        .request(
            Method::GET,
            &format!("/api/v1/projects/{id}/reports"),
            Some(&key),
            None,
        )
        .await;
    assert_problem(response, StatusCode::FORBIDDEN).await;
    let response = app
        .request(
            Method::GET,
            &format!("/api/v1/projects/{id}/reports"),
            Some(&team.finance_token),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// Found by schemathesis: JSON Schema counts 82.0 as the integer 82.
async fn whole_numbers_may_be_written_with_a_zero_fraction(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let id = building(&app, &team).await;
    let body = json!({"period": "2025-06", "investment_completed": "1.00", "physical_progress": 82.0, "summary": "进展"});
    let response = app
        .post(
            &format!("/api/v1/projects/{id}/reports"),
            &team.department_token,
            body,
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        response.json::<Value>().await.unwrap()["physical_progress"],
        82
    );
    let fraction = json!({"period": "2025-07", "investment_completed": "1.00", "physical_progress": 82.5, "summary": "进展"});
    let response = app
        .post(
            &format!("/api/v1/projects/{id}/reports"),
            &team.department_token,
            fraction,
        )
        .await;
    assert_eq!(
        invalid_fields(&assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["physical_progress"]
    );
}

/// The review queue lists the waiting reports oldest first, each beside its project's
/// figures; reviewed ones leave it, and a reviewer never sees their own.
async fn the_review_queue_lists_waiting_reports_oldest_first(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let id = building(&app, &team).await;
    let first = app
        .report(&team.department_token, &id, "2025-06", "0.10", 40)
        .await;
    let second = app
        .report(&team.department_token, &id, "2025-05", "0.20", 30)
        .await;
    let queue = |token: String| {
        let app = &app;
        async move {
            let response = app
                .request(Method::GET, "/api/v1/reports", Some(&token), None)
                .await;
            assert_eq!(response.status(), StatusCode::OK);
            response.json::<Value>().await.unwrap()
        }
    };
    let waiting = queue(team.finance_token.clone()).await;
    let ids: Vec<&Value> = waiting
        .as_array()
        .unwrap()
        .iter()
        .map(|w| &w["report"]["id"])
        .collect();
    assert_eq!(
        ids,
        [&first["id"], &second["id"]],
        "oldest submission first"
    );
    assert_eq!(waiting[0]["project"]["investment"]["total"], "1000.00");
    let accepted = app
        .review(
            &team.finance_token,
            first["id"].as_str().unwrap(),
            "accepted",
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let waiting = queue(app.admin_token.clone()).await;
    assert_eq!(waiting.as_array().unwrap().len(), 1);
    assert_eq!(waiting[0]["report"]["id"], second["id"]);
    let refused = app
        .request(
            Method::GET,
            "/api/v1/reports",
            Some(&team.department_token),
            None,
        )
        .await;
    assert_problem(refused, StatusCode::FORBIDDEN).await;
    let too_many = app.get("/api/v1/reports?limit=500").await;
    let problem = assert_problem(too_many, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(invalid_fields(&problem), ["limit"]);
}

on_both_backends!(
    the_review_queue_lists_waiting_reports_oldest_first,
    whole_numbers_may_be_written_with_a_zero_fraction,
    accepted_reports_make_the_projects_figures_exactly,
    one_report_per_project_and_period,
    only_projects_in_preparation_or_construction_report,
    invalid_reports_are_422_naming_the_field,
    nobody_reviews_a_report_they_submitted,
    a_returned_report_is_corrected_and_submitted_again,
    reports_are_read_by_users_but_not_api_keys,
);
