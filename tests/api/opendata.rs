//! Open data: the plan's portfolio as an OC4IDS 0.9.5 project package, validated against
//! the standard's own schemas (Draft 4), and cheap to poll.

use std::sync::OnceLock;

use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

use crate::helpers::{
    Backend, PLAN, ProjectBuilder, TestApp, assert_problem, invalid_fields, spawn_app,
};

const STANDARD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/standards/oc4ids-0.9.5");
const PACKAGE_SCHEMA: &str = "https://standard.open-contracting.org/infrastructure/schema/0__9__5/project-package-schema.json";
const PROJECT_SCHEMA: &str =
    "https://standard.open-contracting.org/infrastructure/schema/0__9__5/project-schema.json";

fn package_path(plan: &str) -> String {
    format!("/api/v1/plans/{plan}/oc4ids")
}

/// The standard's package and project schemas, compiled once, offline.
fn schemas() -> &'static (boon::Schemas, boon::SchemaIndex, boon::SchemaIndex) {
    static SCHEMAS: OnceLock<(boon::Schemas, boon::SchemaIndex, boon::SchemaIndex)> =
        OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let read = |name: &str| -> Value {
            let path = format!("{STANDARD}/{name}");
            serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).unwrap()
        };
        let mut compiler = boon::Compiler::new();
        compiler.enable_format_assertions();
        compiler
            .add_resource(PACKAGE_SCHEMA, read("project-package-schema.json"))
            .unwrap();
        compiler
            .add_resource(PROJECT_SCHEMA, read("project-schema.json"))
            .unwrap();
        let mut schemas = boon::Schemas::new();
        let package = compiler.compile(PACKAGE_SCHEMA, &mut schemas).unwrap();
        let project = compiler.compile(PROJECT_SCHEMA, &mut schemas).unwrap();
        (schemas, package, project)
    })
}

/// Asserts the package and each of its projects valid; answers the package.
fn assert_valid(package: &Value) {
    let (schemas, package_schema, project_schema) = schemas();
    if let Err(error) = schemas.validate(package, *package_schema) {
        panic!("the package is not valid OC4IDS 0.9.5: {error:#}");
    }
    for project in package["projects"].as_array().unwrap() {
        if let Err(error) = schemas.validate(project, *project_schema) {
            panic!("{} is not a valid OC4IDS project: {error:#}", project["id"]);
        }
    }
}

/// The validation can fail: a status outside the codelist is caught.
#[test]
fn the_schemas_refuse_a_status_outside_the_codelist() {
    let (schemas, _, project_schema) = schemas();
    let project = json!({"id": "oc4ids-test00-1", "status": "construction"});
    assert!(schemas.validate(&project, *project_schema).is_err());
    let project = json!({"id": "oc4ids-test00-1", "status": "implementation"});
    assert!(schemas.validate(&project, *project_schema).is_ok());
}

async fn package(app: &TestApp, plan: &str) -> (reqwest::header::HeaderMap, Value) {
    let response = app.get(&package_path(plan)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    (headers, response.json().await.unwrap())
}

async fn the_yunyang_package_is_valid_oc4ids_with_every_seeded_project(backend: Backend) {
    let app = spawn_app(backend).await;
    let (headers, package) = package(&app, PLAN).await;
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    assert_valid(&package);
    let listed = app.all_pages(&format!("plan={PLAN}&limit=200")).await;
    let projects = package["projects"].as_array().unwrap();
    assert_eq!(projects.len(), listed.len());
    assert_eq!(package["version"], "0.9");
    assert_eq!(package["publisher"]["name"], "云阳县项目储备库（测试）");
    assert!(
        package["uri"]
            .as_str()
            .unwrap()
            .ends_with("/api/v1/plans/yunyang-eco-2021-2025/oc4ids")
    );
    let wind = projects
        .iter()
        .find(|project| project["title"] == "洞鹿风电项目")
        .unwrap();
    assert_eq!(wind["sector"], json!(["energy", "energy.wind"]));
    assert_eq!(wind["type"], "construction", "新建 in the plan's sentence");
    assert_eq!(wind["status"], "identification");
    assert_eq!(
        wind["locations"],
        json!([{"id": "1", "description": "洞鹿"}])
    );
    let code = listed
        .iter()
        .find(|project| project["name"] == "洞鹿风电项目")
        .unwrap()["code"]
        .as_str()
        .unwrap();
    assert_eq!(wind["id"], format!("oc4ids-test00-{code}"));
}

/// A project with every optional field, in each status, still validates; every field
/// shows what the registry holds, amounts exact.
async fn every_status_and_every_optional_field_validate(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let full = |name: &str| {
        ProjectBuilder::led_by(&team.department)
            .set("name", json!(name))
            .set("description", json!("扩建园区应急池"))
            .set("implementing_org", json!(team.company))
            .set("location", json!("人和街道"))
            .set("scale", json!("2万立方米"))
            .set("start_year", json!(2022))
            .set("end_year", json!(2024))
            .set("national_code", json!("2021-500235-44-01-123456"))
            .set(
                "investment",
                json!({"total": "12345678.91", "central": "1000000.01", "county": "234567.89"}),
            )
            .build()
    };
    let mut ids = Vec::new();
    for (name, path) in [
        ("储备项目", &[][..]),
        ("前期项目", &["preparation"][..]),
        ("在建项目", &["preparation", "construction"][..]),
        (
            "建成项目",
            &["preparation", "construction", "completed"][..],
        ),
        ("退出项目", &["withdrawn"][..]),
    ] {
        let project = app.register(&team.department_token, full(name)).await;
        let id = project["id"].as_str().unwrap().to_owned();
        for to in path {
            let moved = app
                .transition(&team.department_token, &id, to, Some("按计划"))
                .await;
            assert_eq!(moved.status(), StatusCode::OK, "{name} to {to}");
            if *to == "construction" {
                app.accepted_report(&team, &id, "2024-06", "500000.50", 40)
                    .await;
            }
        }
        ids.push(id);
    }
    let (_, package) = package(&app, PLAN).await;
    assert_valid(&package);
    let by_title = |title: &str| {
        package["projects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|project| project["title"] == title)
            .unwrap()
            .clone()
    };
    let statuses: Vec<Value> = ["储备项目", "前期项目", "在建项目", "建成项目", "退出项目"]
        .iter()
        .map(|title| by_title(title)["status"].clone())
        .collect();
    assert_eq!(
        statuses,
        json!([
            "identification",
            "preparation",
            "implementation",
            "completion",
            "cancelled"
        ])
        .as_array()
        .unwrap()
        .clone()
    );
    let built = by_title("在建项目");
    assert_eq!(built["type"], "expansion");
    assert_eq!(
        built["period"],
        json!({"startDate": "2022-01-01T00:00:00+08:00", "endDate": "2024-12-31T23:59:59+08:00"})
    );
    assert_eq!(
        built["budget"]["amount"],
        json!({"amount": 12345678.91, "currency": "CNY"})
    );
    assert_eq!(
        built["budget"]["budgetBreakdowns"][0]["budgetBreakdown"],
        json!([
            {"id": "central", "description": "中央资金", "amount": {"amount": 1000000.01, "currency": "CNY"}},
            {"id": "county", "description": "县级财政", "amount": {"amount": 234567.89, "currency": "CNY"}},
        ])
    );
    assert_eq!(
        built["identifiers"],
        json!([{"id": "2021-500235-44-01-123456", "scheme": "全国投资项目在线审批监管平台"}])
    );
    assert_eq!(
        built["parties"],
        json!([
            {"id": team.department, "name": "县能源部门", "roles": ["leadDepartment"]},
            {"id": team.company, "name": "云阳县城投集团", "roles": ["publicAuthority"]},
        ])
    );
    assert_eq!(
        built["publicAuthority"],
        json!({"id": team.company, "name": "云阳县城投集团"})
    );
    let completed = &built["metrics"][0]["observations"][0]["value"];
    assert_eq!(completed["amount"].to_string(), "500000.50", "to the fen");
    assert_eq!(completed["currency"], "CNY");
    assert_eq!(built["metrics"][1]["observations"][0]["measure"], 40);
    assert!(
        by_title("储备项目").get("metrics").is_none(),
        "nothing reported, nothing shown"
    );
}

/// The amounts are the exact decimals: the body's text carries every digit.
async fn amounts_are_exact_numbers_in_the_body(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let body = ProjectBuilder::led_by(&team.department)
        .set("investment", json!({"total": "98765432109876.54"}))
        .build();
    app.register(&team.department_token, body).await;
    let text = app.get(&package_path(PLAN)).await.text().await.unwrap();
    assert!(
        text.contains(r#""amount":{"amount":98765432109876.54,"currency":"CNY"}"#),
        "{}",
        &text[..200]
    );
}

async fn an_unchanged_package_answers_304_and_a_change_a_new_etag(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let (headers, first) = package(&app, PLAN).await;
    let etag = headers[header::ETAG].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"'), "a strong tag: {etag}");
    assert!(headers.contains_key(header::LAST_MODIFIED));
    let conditional = |name: header::HeaderName, value: String| {
        app.client
            .get(format!("{}{}", app.address, package_path(PLAN)))
            .bearer_auth(&app.admin_token)
            .header(name, value)
            .send()
    };
    let again = conditional(header::IF_NONE_MATCH, etag.clone())
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()[header::ETAG], etag.as_str());
    assert!(again.text().await.unwrap().is_empty());

    let (_, same) = package(&app, PLAN).await;
    assert_eq!(same, first, "the same data is the same package");

    app.register(
        &team.department_token,
        ProjectBuilder::led_by(&team.department).build(),
    )
    .await;
    let changed = conditional(header::IF_NONE_MATCH, etag.clone())
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert_ne!(changed.headers()[header::ETAG], etag.as_str());
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(
        changed["projects"].as_array().unwrap().len(),
        first["projects"].as_array().unwrap().len() + 1
    );
}

/// `If-Modified-Since` with the `Last-Modified` of a package: 304 while nothing changed
/// (once the second of the last change is over), 200 after any change.
async fn if_modified_since_answers_304_until_something_changes(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (headers, _) = package(&app, PLAN).await;
    let since = headers[header::LAST_MODIFIED].to_str().unwrap().to_owned();
    let conditional = || {
        app.client
            .get(format!("{}{}", app.address, package_path(PLAN)))
            .bearer_auth(&app.admin_token)
            .header(header::IF_MODIFIED_SINCE, since.clone())
            .send()
    };
    assert_eq!(
        conditional().await.unwrap().status(),
        StatusCode::NOT_MODIFIED
    );
    let project = app
        .register(
            &team.department_token,
            ProjectBuilder::led_by(&team.department).build(),
        )
        .await;
    assert!(project["id"].is_string());
    assert_eq!(conditional().await.unwrap().status(), StatusCode::OK);
}

async fn updated_since_publishes_only_the_projects_changed_since(backend: Backend) {
    let app = spawn_app(backend).await;
    let team = app.team().await;
    let before = chrono::Utc::now();
    let project = app
        .register(
            &team.department_token,
            ProjectBuilder::led_by(&team.department).build(),
        )
        .await;
    let since = before.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let response = app
        .get(&format!(
            "{}?updated_since={}",
            package_path(PLAN),
            since.replace('+', "%2B")
        ))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let package: Value = response.json().await.unwrap();
    assert_valid(&package);
    let titles: Vec<&Value> = package["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|project| &project["title"])
        .collect();
    assert_eq!(titles, [&project["name"]]);

    for bad in ["updated_since=", "updated_since=yesterday", "limit=5"] {
        let response = app.get(&format!("{}?{bad}", package_path(PLAN))).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(invalid_fields(&problem).len(), 1, "{bad}");
    }
}

/// External tools read it with an API key; without credentials it is a 401.
async fn an_api_key_reads_the_package_and_anonymous_callers_do_not(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, key) = app.add_api_key("harvester").await;
    let response = app
        .request(Method::GET, &package_path(PLAN), Some(&key), None)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let anonymous = app
        .request(Method::GET, &package_path(PLAN), None, None)
        .await;
    assert_problem(anonymous, StatusCode::UNAUTHORIZED).await;
}

async fn the_synthetic_plan_and_unknown_plans_are_not_published(backend: Backend) {
    let app = spawn_app(backend).await;
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        portfolio_registry::synth::generate(&mut db.connection().unwrap(), 5, true)
    })
    .await
    .unwrap()
    .unwrap();
    for plan in ["synthetic-bench", "no-such-plan"] {
        let problem =
            assert_problem(app.get(&package_path(plan)).await, StatusCode::NOT_FOUND).await;
        assert!(problem["detail"].as_str().unwrap().contains(plan));
    }
}

on_both_backends!(
    the_yunyang_package_is_valid_oc4ids_with_every_seeded_project,
    every_status_and_every_optional_field_validate,
    amounts_are_exact_numbers_in_the_body,
    an_unchanged_package_answers_304_and_a_change_a_new_etag,
    if_modified_since_answers_304_until_something_changes,
    updated_since_publishes_only_the_projects_changed_since,
    an_api_key_reads_the_package_and_anonymous_callers_do_not,
    the_synthetic_plan_and_unknown_plans_are_not_published,
);
