//! Investment by year: the plan of each year of the plan's period, written like the other
//! amounts; the completed investment of each year from accepted reports; the summary's sums.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, PLAN, ProjectBuilder, TestApp, assert_problem, invalid_fields, spawn_app,
};

/// The `{year: [planned, completed]}` of a project as read.
fn years(project: &Value) -> Vec<(i64, Value, Value)> {
    project["investment_by_year"]
        .as_array()
        .expect("investment_by_year")
        .iter()
        .map(|year| {
            (
                year["year"].as_i64().unwrap(),
                year["planned"].clone(),
                year["completed"].clone(),
            )
        })
        .collect()
}

/// A project of the team's department with a total of 100 yuan.
async fn project_with_total(app: &TestApp, department: &str, token: &str) -> Value {
    let body = ProjectBuilder::led_by(department)
        .set("investment", json!({"total": "100.00"}))
        .set(
            "investment_by_year",
            json!([{"year": 2023, "planned": "30.00"}]),
        )
        .build();
    app.register(token, body).await
}

async fn a_project_reads_every_year_of_its_plans_period_with_its_plan(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let project = project_with_total(&app, &team.department, &team.department_token).await;
    assert_eq!(
        years(&project),
        [
            (2021, Value::Null, json!("0.00")),
            (2022, Value::Null, json!("0.00")),
            (2023, json!("30.00"), json!("0.00")),
            (2024, Value::Null, json!("0.00")),
            (2025, Value::Null, json!("0.00")),
        ]
    );
}

async fn a_patch_changes_only_the_years_it_lists_and_null_clears_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let project = project_with_total(&app, &team.department, &team.department_token).await;
    let id = project["id"].as_str().unwrap();
    let response = app
        .edit(
            &team.department_token,
            id,
            json!({"investment_by_year": [{"year": 2024, "planned": 20}]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let changed: Value = response.json().await.unwrap();
    assert_eq!(changed["investment_by_year"][2]["planned"], "30.00");
    assert_eq!(changed["investment_by_year"][3]["planned"], "20.00");
    assert_eq!(changed["version"], 2);

    let response = app
        .edit(
            &team.department_token,
            id,
            json!({"investment_by_year": [{"year": 2023, "planned": null}]}),
        )
        .await;
    let cleared: Value = response.json().await.unwrap();
    assert_eq!(cleared["investment_by_year"][2]["planned"], Value::Null);
    assert_eq!(cleared["investment_by_year"][3]["planned"], "20.00");
    let (_, history) = app
        .get_json(&format!("/api/v1/projects/{id}/history"))
        .await;
    let last = history["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "project.update");
    assert_eq!(last["before"]["investment_by_year"][2]["planned"], "30.00");
}

async fn years_outside_the_period_or_above_the_total_are_refused_and_change_nothing(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let project = project_with_total(&app, &team.department, &team.department_token).await;
    let id = project["id"].as_str().unwrap();
    for patch in [
        json!({"investment_by_year": [{"year": 2026, "planned": "1.00"}]}),
        json!({"investment_by_year": [{"year": 2024, "planned": "70.01"}]}),
        json!({"investment_by_year": [{"year": 2024, "planned": "1"}, {"year": 2024, "planned": "2"}]}),
        json!({"investment": {"total": "29.99"}}),
    ] {
        let response = app.edit(&team.department_token, id, patch.clone()).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(invalid_fields(&problem), ["investment_by_year"], "{patch}");
    }
    let (_, after) = app.get_json(&format!("/api/v1/projects/{id}")).await;
    assert_eq!(after["version"], 1);
    assert_eq!(years(&after), years(&project));
}

async fn completed_by_year_sums_the_accepted_reports_of_that_year(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let project = project_with_total(&app, &team.department, &team.department_token).await;
    let id = project["id"].as_str().unwrap();
    let moved = app
        .transition(&team.department_token, id, "preparation", None)
        .await;
    assert_eq!(moved.status(), StatusCode::OK);
    app.accepted_report(&team, id, "2023-05", "10.00", 10).await;
    app.accepted_report(&team, id, "2023-11", "0.01", 20).await;
    app.accepted_report(&team, id, "2024-01", "5.00", 30).await;
    app.report(&team.department_token, id, "2024-02", "7.00", 40)
        .await;
    let (_, read) = app.get_json(&format!("/api/v1/projects/{id}")).await;
    let completed: Vec<Value> = years(&read).into_iter().map(|year| year.2).collect();
    assert_eq!(
        completed,
        [
            json!("0.00"),
            json!("0.00"),
            json!("10.01"),
            json!("5.00"),
            json!("0.00")
        ]
    );
    assert_eq!(read["completed_investment"], "15.01");
}

async fn the_summary_adds_planned_and_completed_by_year_exactly_without_withdrawn(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let large = ProjectBuilder::led_by(&team.department)
        .set("investment", json!({"total": "999999999999999.99"}))
        .set(
            "investment_by_year",
            json!([{"year": 2022, "planned": "999999999999999.98"}]),
        )
        .build();
    app.register(&team.department_token, large).await;
    let small = ProjectBuilder::led_by(&team.department)
        .set("name", json!("小项目"))
        .set("investment", json!({"total": "1.00"}))
        .set(
            "investment_by_year",
            json!([{"year": 2022, "planned": "0.03"}]),
        )
        .build();
    app.register(&team.department_token, small).await;
    let gone = ProjectBuilder::led_by(&team.department)
        .set("name", json!("退出项目"))
        .set("investment", json!({"total": "9.00"}))
        .set(
            "investment_by_year",
            json!([{"year": 2022, "planned": "9.00"}]),
        )
        .build();
    let gone = app.register(&team.department_token, gone).await;
    let withdrawn = app
        .transition(
            &team.department_token,
            gone["id"].as_str().unwrap(),
            "withdrawn",
            Some("合并"),
        )
        .await;
    assert_eq!(withdrawn.status(), StatusCode::OK);

    let (status, summary) = app.get_json(&format!("/api/v1/plans/{PLAN}/summary")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        summary["by_year"],
        json!([
            {"year": 2021, "planned": "0.00", "completed": "0.00"},
            {"year": 2022, "planned": "1000000000000000.01", "completed": "0.00"},
            {"year": 2023, "planned": "0.00", "completed": "0.00"},
            {"year": 2024, "planned": "0.00", "completed": "0.00"},
            {"year": 2025, "planned": "0.00", "completed": "0.00"},
        ])
    );
}

/// The summary's years as the projects themselves state them: every project's years added
/// up, withdrawn ones left out.
async fn years_summed_from_the_projects(app: &TestApp) -> Value {
    use rust_decimal::Decimal;
    let mut sums = std::collections::BTreeMap::<i64, (Decimal, Decimal)>::new();
    for project in app.all_pages(&format!("plan={PLAN}&limit=200")).await {
        if project["status"] == "withdrawn" {
            continue;
        }
        for (year, planned, completed) in years(&project) {
            let amount = |value: &Value| {
                value
                    .as_str()
                    .map_or(Decimal::ZERO, |text| text.parse().unwrap())
            };
            let sum = sums.entry(year).or_default();
            sum.0 += amount(&planned);
            sum.1 += amount(&completed);
        }
    }
    sums.into_iter()
        .map(|(year, (planned, completed))| {
            json!({"year": year, "planned": format!("{planned:.2}"), "completed": format!("{completed:.2}")})
        })
        .collect()
}

async fn the_summarys_years_follow_edits_reports_withdrawal_and_re_entry(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let summary_years = || async {
        app.get_json(&format!("/api/v1/plans/{PLAN}/summary"))
            .await
            .1["by_year"]
            .clone()
    };
    let mut ids = Vec::new();
    for planned in ["1.10", "2.20"] {
        let body = ProjectBuilder::led_by(&team.department)
            .set("name", json!(format!("年度{planned}")))
            .set("investment", json!({"total": "100.00"}))
            .set(
                "investment_by_year",
                json!([{"year": 2023, "planned": planned}]),
            )
            .build();
        let project = app.register(&team.department_token, body).await;
        ids.push(project["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        summary_years().await,
        years_summed_from_the_projects(&app).await
    );

    let edited = app
        .edit(
            &team.department_token,
            &ids[0],
            json!({"investment_by_year": [{"year": 2023, "planned": null}, {"year": 2024, "planned": "3.33"}]}),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    assert_eq!(
        summary_years().await,
        years_summed_from_the_projects(&app).await
    );

    let moved = app
        .transition(&team.department_token, &ids[1], "preparation", None)
        .await;
    assert_eq!(moved.status(), StatusCode::OK);
    app.accepted_report(&team, &ids[1], "2025-03", "4.44", 10)
        .await;
    assert_eq!(
        summary_years().await,
        years_summed_from_the_projects(&app).await
    );

    let withdrawn = app
        .transition(&team.department_token, &ids[1], "withdrawn", Some("合并"))
        .await;
    assert_eq!(withdrawn.status(), StatusCode::OK);
    let without = summary_years().await;
    assert_eq!(without, years_summed_from_the_projects(&app).await);
    assert_eq!(
        without[4]["completed"], "0.00",
        "a withdrawn project's years leave"
    );

    let back = app
        .transition(&app.admin_token, &ids[1], "reserve", Some("恢复储备"))
        .await;
    assert_eq!(back.status(), StatusCode::OK);
    let with = summary_years().await;
    assert_eq!(with, years_summed_from_the_projects(&app).await);
    assert_eq!(with[4]["completed"], "4.44", "and come back with it");
}

on_both_backends!(
    a_project_reads_every_year_of_its_plans_period_with_its_plan,
    a_patch_changes_only_the_years_it_lists_and_null_clears_one,
    years_outside_the_period_or_above_the_total_are_refused_and_change_nothing,
    completed_by_year_sums_the_accepted_reports_of_that_year,
    the_summary_adds_planned_and_completed_by_year_exactly_without_withdrawn,
    the_summarys_years_follow_edits_reports_withdrawal_and_re_entry,
);
