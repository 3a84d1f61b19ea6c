use std::collections::HashSet;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use portfolio_registry::db::{StorageError, schema::projects};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{Backend, TestApp, assert_problem, invalid_fields, spawn_app};

fn ids(projects: &[Value]) -> Vec<String> {
    projects
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect()
}

fn text(project: &Value, field: &str) -> String {
    project[field].as_str().unwrap().to_owned()
}

fn time(project: &Value) -> DateTime<Utc> {
    text(project, "updated_at").parse().unwrap()
}

/// The planned total in fen, -1 when unset (how the list sorts it).
fn total_fen(project: &Value) -> i64 {
    project["investment"]["total"]
        .as_str()
        .map_or(-1, |total| total.replace('.', "").parse().unwrap())
}

/// Sets planned totals directly in the database (the write API comes with its own issue).
async fn set_totals(app: &TestApp, totals: &[(&str, i64)]) {
    for &(name, fen) in totals {
        let name = name.to_owned();
        app.db
            .run(move |conn| {
                diesel::update(projects::table.filter(projects::name.eq(&name)))
                    .set(projects::total_fen.eq(fen))
                    .execute(conn)
                    .map_err(StorageError::from)
            })
            .await
            .unwrap();
    }
}

async fn one_project_is_read_with_its_version_as_a_strong_etag(backend: Backend) {
    let app = spawn_app(backend).await;
    let listed = app.project_named("洞鹿风电项目").await;
    let response = app
        .get(&format!("/api/v1/projects/{}", text(&listed, "id")))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["etag"], "\"1\"");
    let project: Value = response.json().await.unwrap();
    assert_eq!(project, listed);
    assert_eq!(project["category"], "low_carbon");
    assert_eq!(project["status"], "reserve");
    assert_eq!(project["investment"]["secured"], "0.00");
}

async fn an_unknown_or_malformed_project_id_is_404(backend: Backend) {
    let app = spawn_app(backend).await;
    let unknown = uuid::Uuid::new_v4();
    for path in [
        format!("/api/v1/projects/{unknown}"),
        "/api/v1/projects/YY-LC-001".to_owned(),
    ] {
        let problem = assert_problem(app.get(&path).await, StatusCode::NOT_FOUND).await;
        assert_eq!(problem["type"], "urn:problem:portfolio-registry:not-found");
    }
}

async fn the_list_defaults_to_50_projects_by_code(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, page) = app.get_json("/api/v1/projects").await;
    assert_eq!(status, StatusCode::OK);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 50);
    let codes: Vec<_> = items.iter().map(|p| text(p, "code")).collect();
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(codes, sorted);
    assert!(page["next_cursor"].is_string());
}

async fn every_sort_order_pages_through_every_project_exactly_once(backend: Backend) {
    let app = spawn_app(backend).await;
    set_totals(
        &app,
        &[
            ("洞鹿风电项目", 99_999_999_999_999_999),
            ("江口光伏项目", 10),
            ("乡镇污水管网", 500),
        ],
    )
    .await;
    let everyone: HashSet<_> = ids(&app.all_pages("limit=200").await).into_iter().collect();
    assert_eq!(everyone.len(), 101);

    for sort in [
        "code",
        "-code",
        "name",
        "-name",
        "updated_at",
        "-updated_at",
        "total_investment",
        "-total_investment",
    ] {
        let walked = app.all_pages(&format!("sort={sort}&limit=7")).await;
        let walked_ids = ids(&walked);
        assert_eq!(walked_ids.len(), 101, "{sort}: no project twice");
        assert_eq!(
            walked_ids.iter().cloned().collect::<HashSet<_>>(),
            everyone,
            "{sort}: every project"
        );

        let descending = sort.starts_with('-');
        for pair in walked.windows(2) {
            let (a, b) = if descending {
                (&pair[1], &pair[0])
            } else {
                (&pair[0], &pair[1])
            };
            let in_order = match sort.trim_start_matches('-') {
                "code" => text(a, "code") < text(b, "code"),
                "name" => (text(a, "name"), text(a, "id")) < (text(b, "name"), text(b, "id")),
                "updated_at" => (time(a), text(a, "id")) < (time(b), text(b, "id")),
                _ => (total_fen(a), text(a, "id")) < (total_fen(b), text(b, "id")),
            };
            assert!(in_order, "{sort}: {} before {}", a["code"], b["code"]);
        }
    }
    let by_total = app.all_pages("sort=-total_investment&limit=200").await;
    let top: Vec<_> = by_total[..3]
        .iter()
        .map(|p| p["investment"]["total"].clone())
        .collect();
    assert_eq!(top, ["999999999999999.99", "5.00", "0.10"]);
}

async fn filters_combine_category_and_repeated_status(backend: Backend) {
    let app = spawn_app(backend).await;
    let low_carbon = app
        .all_pages("category=low_carbon&status=reserve&limit=10")
        .await;
    assert_eq!(low_carbon.len(), 32);
    assert!(
        low_carbon
            .iter()
            .all(|p| p["category"] == "low_carbon" && p["status"] == "reserve")
    );

    let construction = app
        .all_pages("plan=yunyang-eco-2021-2025&status=construction")
        .await;
    assert_eq!(construction.len(), 2);
    let both = app
        .all_pages("status=reserve&status=construction&limit=200")
        .await;
    assert_eq!(both.len(), 101);
    assert!(app.all_pages("status=completed").await.is_empty());
}

/// The count answers how many projects the same filters list, whatever the page size.
async fn the_count_matches_the_list_for_the_same_filters(backend: Backend) {
    let app = spawn_app(backend).await;
    for filters in [
        "",
        "category=low_carbon&status=reserve",
        "status=reserve&status=construction",
        "lead_department=none&q=%E5%85%89%E4%BC%8F",
        "plan=yunyang-eco-2021-2025&status=completed",
    ] {
        let listed = app.all_pages(&format!("{filters}&limit=200")).await.len();
        let (status, counted) = app
            .get_json(&format!("/api/v1/projects/count?{filters}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{filters}: {counted}");
        assert_eq!(counted["count"], listed, "{filters}");
    }
    let (status, problem) = app.get_json("/api/v1/projects/count?categroy=x").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "categroy");
}

/// `year` lists the projects under way in that year: started then or before, and not
/// finished before it (no end year: still under way); no start year: in no year.
async fn year_lists_the_projects_under_way_in_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let spans = [
        ("YY-ECO-001", Some(2021), Some(2023)),
        ("YY-ECO-002", Some(2024), None),
        ("YY-ECO-003", None, Some(2025)),
    ];
    for (code, start, end) in spans {
        app.db
            .run(move |conn| {
                diesel::update(projects::table.filter(projects::code.eq(code)))
                    .set((projects::start_year.eq(start), projects::end_year.eq(end)))
                    .execute(conn)
                    .map_err(StorageError::from)
            })
            .await
            .unwrap();
    }
    for (year, expected) in [
        (2021, vec!["YY-ECO-001"]),
        (2023, vec!["YY-ECO-001"]),
        (2024, vec!["YY-ECO-002"]),
        (2030, vec!["YY-ECO-002"]),
        (2020, vec![]),
    ] {
        let listed: Vec<String> = app
            .all_pages(&format!("year={year}"))
            .await
            .iter()
            .map(|p| p["code"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(listed, expected, "{year}");
        let (_, counted) = app
            .get_json(&format!("/api/v1/projects/count?year={year}"))
            .await;
        assert_eq!(counted["count"], expected.len(), "{year}");
    }
    let (status, problem) = app.get_json("/api/v1/projects?year=1800").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "year");
}

async fn unassigned_projects_are_found_with_lead_department_none(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(
        app.all_pages("lead_department=none&limit=200").await.len(),
        101
    );
    assert_eq!(
        app.all_pages("implementing_org=none&limit=200").await.len(),
        101
    );
}

async fn q_is_a_literal_substring_of_name_code_or_location(backend: Backend) {
    let app = spawn_app(backend).await;
    let solar = app.all_pages("q=%E5%85%89%E4%BC%8F").await; // 光伏
    assert_eq!(solar.len(), 16);
    assert!(solar.iter().all(|p| text(p, "name").contains("光伏")));

    let by_code = app.all_pages("q=yy-lc-00").await;
    assert_eq!(by_code.len(), 9, "codes match case-insensitively");

    let by_location = app.all_pages("q=%E6%B4%9E%E9%B9%BF").await; // 洞鹿
    assert_eq!(by_location.len(), 2);

    assert!(
        app.all_pages("q=%25").await.is_empty(),
        "% is literal, not a wildcard"
    );
    assert!(
        app.all_pages("q=_").await.is_empty(),
        "_ is literal, not a wildcard"
    );
}

async fn updated_since_is_inclusive(backend: Backend) {
    let app = spawn_app(backend).await;
    let newest = app.all_pages("sort=-updated_at&limit=1").await;
    let since = text(&newest[0], "updated_at");
    let at_or_after = app.all_pages(&format!("updated_since={since}")).await;
    assert!(ids(&at_or_after).contains(&text(&newest[0], "id")));
    assert!(
        app.all_pages("updated_since=2999-01-01T00:00:00Z")
            .await
            .is_empty()
    );
    assert_eq!(
        app.all_pages("updated_since=2021-01-01T00:00:00%2B08:00&limit=200")
            .await
            .len(),
        101
    );
}

async fn invalid_list_parameters_are_422_naming_each(backend: Backend) {
    let app = spawn_app(backend).await;
    let cases = [
        ("limit=0", vec!["limit"]),
        ("limit=201", vec!["limit"]),
        ("sort=size", vec!["sort"]),
        ("status=done", vec!["status"]),
        ("category=nuclear", vec!["category"]),
        ("plan=nowhere", vec!["plan"]),
        ("lead_department=x", vec!["lead_department"]),
        ("updated_since=yesterday", vec!["updated_since"]),
        ("cursor=bogus", vec!["cursor"]),
        ("colour=red", vec!["colour"]),
        ("limit=0&status=done", vec!["status", "limit"]),
    ];
    for (query, fields) in cases {
        let response = app.get(&format!("/api/v1/projects?{query}")).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        let mut named = invalid_fields(&problem);
        named.sort();
        let mut expected: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
        expected.sort();
        assert_eq!(named, expected, "{query}");
    }
    let unknown_org = uuid::Uuid::new_v4();
    let response = app
        .get(&format!("/api/v1/projects?lead_department={unknown_org}"))
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(invalid_fields(&problem), ["lead_department"]);
}

/// The contract gives every string parameter `minLength: 1` (or a pattern or format no
/// empty string matches), and the service agrees: `cursor=` was once a 422 while the
/// contract allowed it.
async fn an_empty_value_of_any_list_parameter_is_422_naming_it(backend: Backend) {
    let app = spawn_app(backend).await;
    for parameter in [
        "plan",
        "category",
        "status",
        "lead_department",
        "implementing_org",
        "q",
        "updated_since",
        "sort",
        "limit",
        "cursor",
    ] {
        let response = app.get(&format!("/api/v1/projects?{parameter}=")).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(invalid_fields(&problem), [parameter]);
    }
}

async fn a_cursor_only_continues_the_sort_it_came_from(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, page) = app.get_json("/api/v1/projects?sort=name&limit=5").await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let response = app
        .get(&format!("/api/v1/projects?sort=code&cursor={cursor}"))
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(invalid_fields(&problem), ["cursor"]);
}

on_both_backends!(
    the_count_matches_the_list_for_the_same_filters,
    year_lists_the_projects_under_way_in_it,
    one_project_is_read_with_its_version_as_a_strong_etag,
    an_unknown_or_malformed_project_id_is_404,
    the_list_defaults_to_50_projects_by_code,
    every_sort_order_pages_through_every_project_exactly_once,
    filters_combine_category_and_repeated_status,
    unassigned_projects_are_found_with_lead_department_none,
    q_is_a_literal_substring_of_name_code_or_location,
    updated_since_is_inclusive,
    invalid_list_parameters_are_422_naming_each,
    an_empty_value_of_any_list_parameter_is_422_naming_it,
    a_cursor_only_continues_the_sort_it_came_from,
);
