//! Synthetic data for benchmarks: its own plan, unmistakable names, never mixed by accident.

use portfolio_registry::synth;

use crate::helpers::{Backend, spawn_app};

async fn synthetic_data_is_refused_beside_real_plans_unless_forced(backend: Backend) {
    let app = spawn_app(backend).await;
    let db = app.db.clone();
    let refused = tokio::task::spawn_blocking(move || {
        synth::generate(&mut db.connection().unwrap(), 10, false)
    })
    .await
    .unwrap();
    assert!(refused.unwrap_err().to_string().contains("real plans"));
    let (_, plans) = app.get_json("/api/v1/plans").await;
    assert_eq!(
        plans.as_array().unwrap().len(),
        1,
        "no synthetic plan was added"
    );
}

async fn synthetic_projects_are_unmistakable_and_add_up(backend: Backend) {
    let app = spawn_app(backend).await;
    let db = app.db.clone();
    let report = tokio::task::spawn_blocking(move || {
        synth::generate(&mut db.connection().unwrap(), 60, true)
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(report.projects, 60);
    let projects = app.all_pages("plan=synthetic-bench&limit=200").await;
    assert_eq!(projects.len(), 60);
    assert!(
        projects
            .iter()
            .all(|p| p["name"].as_str().unwrap().starts_with("合成-"))
    );
    assert!(
        projects
            .iter()
            .all(|p| p["code"].as_str().unwrap().starts_with("SY-"))
    );
    let (_, summary) = app.get_json("/api/v1/plans/synthetic-bench/summary").await;
    assert_eq!(
        summary["registered"]["projects"].as_i64().unwrap()
            + summary["registered"]["withdrawn"].as_i64().unwrap(),
        60
    );
    let (_, yunyang) = app
        .get_json("/api/v1/plans/yunyang-eco-2021-2025/summary")
        .await;
    assert_eq!(
        yunyang["registered"]["projects"], 101,
        "the real plan is untouched"
    );
    let completed: Vec<_> = projects
        .iter()
        .filter(|p| p["status"] == "construction")
        .collect();
    assert!(
        completed
            .iter()
            .all(|p| p["completed_investment"] != "0.00" && p["progress_pct"] == 40)
    );
}

on_both_backends!(
    synthetic_data_is_refused_beside_real_plans_unless_forced,
    synthetic_projects_are_unmistakable_and_add_up
);
