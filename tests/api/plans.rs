use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Backend, assert_problem, spawn_app};

const PLAN: &str = "/api/v1/plans/yunyang-eco-2021-2025";

async fn the_plan_states_159_projects_and_184_6_yi_yuan(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, plan) = app.get_json(PLAN).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(plan["code"], "yunyang-eco-2021-2025");
    assert_eq!(plan["code_prefix"], "YY");
    assert_eq!(plan["planned_project_count"], 159);
    assert_eq!(plan["planned_investment"], "18460000000.00");
    assert_eq!(plan["start_year"], 2021);
    assert_eq!(plan["end_year"], 2025);
    assert_eq!(plan["base_year"], 2020);
}

async fn the_plan_list_holds_the_seeded_plan(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, plans) = app.get_json("/api/v1/plans").await;
    assert_eq!(status, StatusCode::OK);
    let codes: Vec<_> = plans
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].clone())
        .collect();
    assert_eq!(codes, [json!("yunyang-eco-2021-2025")]);
}

async fn an_unknown_plan_is_404(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in [
        "/api/v1/plans/nowhere-2021-2025",
        "/api/v1/plans/nowhere-2021-2025/categories",
    ] {
        assert_problem(app.get(path).await, StatusCode::NOT_FOUND).await;
    }
}

async fn categories_state_the_plans_counts_beside_the_registered_ones(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, categories) = app.get_json(&format!("{PLAN}/categories")).await;
    assert_eq!(status, StatusCode::OK);
    let rows: Vec<_> = categories
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["code"].as_str().unwrap(),
                c["abbreviation"].as_str().unwrap(),
                c["planned_count"].as_i64().unwrap(),
                c["registered_count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("ecosystem", "ECO", 40, 33),
            ("low_carbon", "LC", 20, 32),
            ("pollution", "POL", 82, 26),
            ("risk", "RISK", 2, 0),
            ("governance", "GOV", 15, 10),
        ]
    );
    assert_eq!(categories[1]["name_zh"], "绿色低碳工程");
}

on_both_backends!(
    the_plan_states_159_projects_and_184_6_yi_yuan,
    the_plan_list_holds_the_seeded_plan,
    an_unknown_plan_is_404,
    categories_state_the_plans_counts_beside_the_registered_ones,
);
