use diesel::prelude::*;
use portfolio_registry::{db::schema::projects, ops::seed, seed::SeedSet};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{Backend, spawn_app};

async fn every_item_of_the_key_project_tables_is_registered(backend: Backend) {
    let app = spawn_app(backend).await;
    let all = app.all_pages("limit=200").await;
    assert_eq!(all.len(), 101);
    let codes: Vec<_> = all.iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert_eq!(codes.first(), Some(&"YY-ECO-001"));
    assert!(codes.contains(&"YY-LC-032") && codes.contains(&"YY-GOV-010"));
    assert!(all.iter().all(|p| p["plan"] == "yunyang-eco-2021-2025"));
}

async fn named_projects_carry_the_plans_scale_location_and_source(backend: Backend) {
    let app = spawn_app(backend).await;
    let cases = [
        (
            "洞鹿风电项目",
            "YY-LC-002",
            Some("200MW"),
            Some("洞鹿"),
            "专栏3（一）",
        ),
        (
            "双土风电项目",
            "YY-LC-001",
            Some("50MW"),
            Some("双土"),
            "专栏3（一）",
        ),
        (
            "江口光伏项目",
            "YY-LC-004",
            Some("80MWp"),
            Some("江口"),
            "专栏3（一）",
        ),
        (
            "云阳建全抽水蓄能电站前期论证",
            "YY-LC-019",
            Some("总装机容量120万kW"),
            Some("建全"),
            "专栏3（一）",
        ),
        (
            "乡镇污水管网",
            "YY-POL-009",
            Some("296公里"),
            None,
            "专栏5（二）",
        ),
    ];
    for (name, code, scale, location, source_ref) in cases {
        let project = app.project_named(name).await;
        assert_eq!(project["code"], code, "{name}");
        assert_eq!(project["scale"].as_str(), scale, "{name}");
        assert_eq!(project["location"].as_str(), location, "{name}");
        assert_eq!(project["source_ref"], source_ref, "{name}");
        assert_eq!(
            project["lead_department"],
            Value::Null,
            "{name}: the plan names no lead"
        );
    }
}

async fn continuing_projects_are_under_construction_and_the_rest_in_reserve(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, page) = app.get_json("/api/v1/projects?status=construction").await;
    let names: Vec<_> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].clone())
        .collect();
    assert_eq!(
        names,
        ["环湖绿道项目延伸至黄石新区", "北部新区污水处理厂一期工程"]
    );
    let reserve = app.all_pages("status=reserve&limit=200").await;
    assert_eq!(reserve.len(), 99);
}

async fn no_seeded_project_has_an_investment_figure(backend: Backend) {
    let app = spawn_app(backend).await;
    for project in app.all_pages("limit=200").await {
        let investment = &project["investment"];
        for field in [
            "total",
            "central",
            "municipal",
            "county",
            "special_bonds",
            "social_capital",
            "financial",
            "other",
            "gap",
        ] {
            assert_eq!(
                investment[field],
                Value::Null,
                "{} {field}",
                project["name"]
            );
        }
        assert_eq!(investment["secured"], "0.00");
        assert_eq!(project["completed_investment"], "0.00");
        assert_eq!(project["progress_pct"], 0);
        assert_eq!(project["version"], 1);
    }
}

async fn loading_the_seeds_again_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let before = app.all_pages("limit=200").await;
    let db = app.db.clone();
    let report = tokio::task::spawn_blocking(move || {
        let mut conn = db.connection().unwrap();
        seed::load(&mut conn, &SeedSet::embedded().unwrap()).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(
        report,
        seed::SeedReport::default(),
        "nothing is added twice"
    );
    assert_eq!(app.all_pages("limit=200").await, before);
}

async fn loading_the_seeds_again_never_overwrites_a_users_change(backend: Backend) {
    let app = spawn_app(backend).await;
    let project = app.project_named("洞鹿风电项目").await;
    let id = project["id"].as_str().unwrap().to_owned();
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = db.connection().unwrap();
        diesel::update(projects::table.filter(projects::id.eq(&id)))
            .set(projects::scale.eq("210MW"))
            .execute(&mut conn)
            .unwrap();
        seed::load(&mut conn, &SeedSet::embedded().unwrap()).unwrap();
    })
    .await
    .unwrap();
    let (status, after) = app
        .get_json(&format!(
            "/api/v1/projects/{}",
            project["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(after["scale"], "210MW");
}

on_both_backends!(
    every_item_of_the_key_project_tables_is_registered,
    named_projects_carry_the_plans_scale_location_and_source,
    continuing_projects_are_under_construction_and_the_rest_in_reserve,
    no_seeded_project_has_an_investment_figure,
    loading_the_seeds_again_changes_nothing,
    loading_the_seeds_again_never_overwrites_a_users_change,
);
