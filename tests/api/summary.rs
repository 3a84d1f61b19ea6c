//! The finance summary: planned against registered, summed exactly.

use diesel::prelude::*;
use portfolio_registry::db::{self, schema::projects};
use proptest::{
    collection,
    strategy::{Strategy, ValueTree},
    test_runner::{Config, TestRunner},
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, ProjectBuilder, TestApp, assert_problem, spawn_app};

const SUMMARY: &str = "/api/v1/plans/yunyang-eco-2021-2025/summary";

fn fen(amount: &Value) -> i128 {
    amount.as_str().unwrap().replace('.', "").parse().unwrap()
}

/// Asserts that each breakdown adds up to `registered`, field by field, to the fen.
fn assert_parts_add_up(summary: &Value) {
    let registered = &summary["registered"];
    for field in ["total", "secured", "gap", "completed"] {
        for breakdown in ["by_category", "by_department"] {
            let parts: i128 = summary[breakdown]
                .as_array()
                .unwrap()
                .iter()
                .map(|part| fen(&part[field]))
                .sum();
            assert_eq!(parts, fen(&registered[field]), "{breakdown}.{field}");
        }
        let by_status: i128 = summary["by_status"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|part| part["status"] != "withdrawn")
            .map(|part| fen(&part[field]))
            .sum();
        assert_eq!(by_status, fen(&registered[field]), "by_status.{field}");
    }
    let sources: i128 = summary["by_funding_source"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| fen(&s["amount"]))
        .sum();
    assert_eq!(sources, fen(&registered["secured"]));
}

async fn the_seeded_plan_states_planned_beside_registered(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, summary) = app.get_json(SUMMARY).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        summary["plan"],
        json!({"code": "yunyang-eco-2021-2025", "planned_project_count": 159, "planned_investment": "18460000000.00"})
    );
    assert_eq!(
        summary["registered"],
        json!({"projects": 101, "withdrawn": 0, "total": "0.00", "secured": "0.00", "gap": "0.00", "completed": "0.00"})
    );
    let categories: Vec<(String, i64, i64)> = summary["by_category"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["category"].as_str().unwrap().to_owned(),
                c["planned_count"].as_i64().unwrap(),
                c["projects"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        categories,
        [
            ("ecosystem".to_owned(), 40, 33),
            ("low_carbon".to_owned(), 20, 32),
            ("pollution".to_owned(), 82, 26),
            ("risk".to_owned(), 2, 0),
            ("governance".to_owned(), 15, 10)
        ]
    );
    assert_eq!(
        summary["by_department"],
        json!([{"organization": null, "name": null, "projects": 101, "total": "0.00", "secured": "0.00", "gap": "0.00", "completed": "0.00"}])
    );
    let statuses: Vec<_> = summary["by_status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["status"].clone(), s["projects"].clone()))
        .collect();
    assert_eq!(statuses[0], (json!("reserve"), json!(99)));
    assert_eq!(statuses[2], (json!("construction"), json!(2)));
    assert_eq!(summary["by_funding_source"].as_array().unwrap().len(), 7);
    assert_parts_add_up(&summary);
}

async fn awkward_amounts_sum_exactly_and_withdrawn_projects_stand_apart(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    for (name, investment) in [
        ("甲", json!({"total": "0.10", "central": "0.10"})),
        ("乙", json!({"total": "0.20", "county": "0.05"})),
        (
            "丙",
            json!({"total": "9999999999999.99", "special_bonds": "1234567890123.45", "other": "0.01"}),
        ),
        ("丁", json!({"central": "7.00"})),
    ] {
        let body = ProjectBuilder::led_by(&team.department)
            .set("name", json!(name))
            .set("investment", investment)
            .build();
        app.register(&team.department_token, body).await;
    }
    let body = ProjectBuilder::led_by(&team.department)
        .set("name", json!("戊"))
        .set("investment", json!({"total": "5.00"}))
        .build();
    let withdrawn = app.register(&team.department_token, body).await;
    let response = app
        .transition(
            &team.department_token,
            withdrawn["id"].as_str().unwrap(),
            "withdrawn",
            Some("撤销"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    let (_, summary) = app.get_json(SUMMARY).await;
    let registered = &summary["registered"];
    assert_eq!(registered["projects"], 105);
    assert_eq!(registered["withdrawn"], 1);
    assert_eq!(registered["total"], "10000000000000.29");
    assert_eq!(registered["secured"], "1234567890130.61");
    assert_eq!(
        registered["gap"], "8765432109876.68",
        "gaps of the projects that have a total"
    );
    let risk = summary["by_category"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "risk")
        .unwrap()
        .clone();
    assert_eq!(risk["projects"], 4);
    assert_eq!(risk["total"], "10000000000000.29");
    let withdrawn = summary["by_status"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == "withdrawn")
        .unwrap()
        .clone();
    assert_eq!(
        (withdrawn["projects"].clone(), withdrawn["total"].clone()),
        (json!(1), json!("5.00"))
    );
    let department = summary["by_department"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["organization"] == team.department.as_str())
        .unwrap()
        .clone();
    assert_eq!(department["name"], "县能源部门");
    assert_eq!(department["projects"], 4);
    let special_bonds = summary["by_funding_source"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == "special_bonds")
        .unwrap()
        .clone();
    assert_eq!(special_bonds["amount"], "1234567890123.45");
    assert_parts_add_up(&summary);
}

async fn api_keys_read_the_summary_and_an_unknown_plan_is_404(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, key) = app.add_api_key("tool").await;
    let response = app.request(Method::GET, SUMMARY, Some(&key), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_problem(
        app.get("/api/v1/plans/nowhere/summary").await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

/// For any set of planned totals, the summary's total is their exact sum (random sets,
/// each written over seeded projects and compared with the sum computed here).
async fn the_summary_total_is_the_exact_sum_for_any_amounts(backend: Backend) {
    let app: TestApp = spawn_app(backend).await;
    let database = app.db.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = database.connection().unwrap();
        let seeded: Vec<String> = projects::table
            .select(projects::id)
            .load(&mut *conn)
            .unwrap();
        let mut runner = TestRunner::new(Config {
            cases: 12,
            ..Config::default()
        });
        let amounts = collection::vec(0i64..100_000_000_000_000_000, 1..12);
        let mut expected: i128 = 0;
        let mut next = 0usize;
        for _ in 0..12 {
            let amounts = amounts.new_tree(&mut runner).unwrap().current();
            {
                for fen in &amounts {
                    let id = &seeded[next % seeded.len()];
                    next += 1;
                    let old: Option<i64> = projects::table
                        .find(id)
                        .select(projects::total_fen)
                        .first(&mut *conn)
                        .unwrap();
                    diesel::update(projects::table.find(id))
                        .set(projects::total_fen.eq(fen))
                        .execute(&mut *conn)
                        .unwrap();
                    expected += i128::from(*fen) - i128::from(old.unwrap_or(0));
                }
                let summary = db::summary::summary(&mut conn, "yunyang-eco-2021-2025")
                    .unwrap()
                    .unwrap();
                assert_eq!(
                    summary.registered.total,
                    portfolio_registry::domain::Money::from_fen_sum(expected),
                    "{amounts:?}"
                );
            }
        }
    })
    .await
    .unwrap();
}

/// The summary's sums of one kind of group, computed here from the projects as listed.
fn sums_by(
    projects: &[Value],
    key: impl Fn(&Value) -> Value,
) -> Vec<(Value, i64, i128, i128, i128)> {
    let mut groups: Vec<(Value, i64, i128, i128, i128)> = Vec::new();
    for project in projects {
        let group = key(project);
        let index = match groups.iter().position(|(existing, ..)| *existing == group) {
            Some(index) => index,
            None => {
                groups.push((group, 0, 0, 0, 0));
                groups.len() - 1
            }
        };
        let investment = &project["investment"];
        let amount = |value: &Value| if value.is_null() { 0 } else { fen(value) };
        let entry = &mut groups[index];
        entry.1 += 1;
        entry.2 += amount(&investment["total"]);
        entry.3 += amount(&investment["secured"]);
        entry.4 += amount(&project["completed_investment"]);
    }
    groups.sort_by_key(|(group, ..)| group.to_string());
    groups
}

fn summary_rows(rows: &Value, key: &str) -> Vec<(Value, i64, i128, i128, i128)> {
    let mut rows: Vec<_> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row[key].clone(),
                row["projects"].as_i64().unwrap(),
                fen(&row["total"]),
                fen(&row["secured"]),
                fen(&row["completed"]),
            )
        })
        .filter(|(_, projects, ..)| *projects > 0)
        .collect();
    rows.sort_by_key(|(group, ..)| group.to_string());
    rows
}

/// Registering, editing figures, reassigning the lead, moving between statuses and
/// accepting a report each keep the summary equal to the sums of the projects as listed.
async fn the_summary_follows_every_kind_of_write(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let water = app.add_organization("县水利局", "department").await;
    let mut ids = Vec::new();
    for (name, investment) in [
        ("甲", json!({"total": "100.00", "central": "40.00"})),
        ("乙", json!({"total": "7.01", "county": "7.01"})),
        ("丙", json!({"other": "3.00"})),
    ] {
        let body = ProjectBuilder::led_by(&team.department)
            .set("name", json!(name))
            .set("start_year", json!(2023))
            .set("investment", investment)
            .build();
        let project = app.register(&team.department_token, body).await;
        ids.push(project["id"].as_str().unwrap().to_owned());
    }
    let (a, b, c) = (&ids[0], &ids[1], &ids[2]);
    let edited = app
        .edit(
            &team.department_token,
            a,
            json!({"investment": {"total": "250.50", "special_bonds": "10.00"}}),
        )
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    for to in ["preparation", "construction"] {
        let moved = app.transition(&team.department_token, a, to, None).await;
        assert_eq!(moved.status(), StatusCode::OK);
    }
    app.accepted_report(&team, a, "2025-06", "12.34", 10).await;
    let reassigned = app
        .edit(&app.admin_token, b, json!({"lead_department": water}))
        .await;
    assert_eq!(reassigned.status(), StatusCode::OK);
    let withdrawn = app
        .transition(&team.department_token, c, "withdrawn", Some("撤销"))
        .await;
    assert_eq!(withdrawn.status(), StatusCode::OK);

    let (_, summary) = app.get_json(SUMMARY).await;
    let projects = app.all_pages("plan=yunyang-eco-2021-2025&limit=100").await;
    assert_eq!(
        summary_rows(&summary["by_status"], "status"),
        sums_by(&projects, |p| p["status"].clone())
    );
    let active: Vec<Value> = projects
        .into_iter()
        .filter(|p| p["status"] != "withdrawn")
        .collect();
    assert_eq!(
        summary_rows(&summary["by_department"], "organization"),
        sums_by(&active, |p| p["lead_department"].clone())
    );
    assert_eq!(
        summary_rows(&summary["by_category"], "category"),
        sums_by(&active, |p| p["category"].clone())
    );
    assert_eq!(summary["registered"]["completed"], "12.34");
    assert_parts_add_up(&summary);
}

on_both_backends!(
    the_seeded_plan_states_planned_beside_registered,
    awkward_amounts_sum_exactly_and_withdrawn_projects_stand_apart,
    api_keys_read_the_summary_and_an_unknown_plan_is_404,
    the_summary_total_is_the_exact_sum_for_any_amounts,
    the_summary_follows_every_kind_of_write,
);
