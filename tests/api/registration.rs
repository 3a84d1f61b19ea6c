//! Registering projects: who may, and what is accepted.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, PLAN, TestApp, assert_problem, invalid_fields, spawn_app};

/// A department `eco` with a user, and a platform company `cityco` with a user.
struct Owners {
    department: String,
    department_token: String,
    company: String,
    company_token: String,
}

async fn owners(app: &TestApp) -> Owners {
    let department = app.add_organization("县能源部门", "department").await;
    let (_, department_token) = app.add_user("energy-dept", "department", &department).await;
    let company = app
        .add_organization("云阳县城投集团", "platform_company")
        .await;
    let (_, company_token) = app.add_user("cityco", "platform_company", &company).await;
    Owners {
        department,
        department_token,
        company,
        company_token,
    }
}

fn project(lead: &str) -> Value {
    json!({
        "plan": PLAN,
        "category": "risk",
        "name": "化工园区环境风险防控工程",
        "lead_department": lead,
        "location": "人和街道",
        "start_year": 2023,
        "end_year": 2025,
        "investment": {"total": "12000000.00", "central": 5000000, "county": "0.10"},
    })
}

async fn a_department_registers_a_project_it_leads_in_reserve(backend: Backend) {
    let app = spawn_app(backend).await;
    let owners = owners(&app).await;
    let response = app
        .post(
            "/api/v1/projects",
            &owners.department_token,
            project(&owners.department),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["etag"], "\"1\"");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/projects/{}", created["id"].as_str().unwrap())
    );
    assert_eq!(created["code"], "YY-RISK-001");
    assert_eq!(created["status"], "reserve");
    assert_eq!(created["lead_department"], owners.department.as_str());
    let investment = &created["investment"];
    assert_eq!(investment["total"], "12000000.00");
    assert_eq!(investment["central"], "5000000.00");
    assert_eq!(investment["county"], "0.10");
    assert_eq!(investment["secured"], "5000000.10");
    assert_eq!(investment["gap"], "6999999.90");
    assert_eq!(investment["municipal"], Value::Null);

    let (_, read) = app.get_json(&location).await;
    assert_eq!(read, created);
}

async fn a_platform_company_registers_a_project_it_implements(backend: Backend) {
    let app = spawn_app(backend).await;
    let owners = owners(&app).await;
    let mut body = project(&owners.department);
    body["implementing_org"] = json!(owners.company);
    let response = app
        .post("/api/v1/projects", &owners.company_token, body)
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    let not_implementing = app
        .post(
            "/api/v1/projects",
            &owners.company_token,
            project(&owners.department),
        )
        .await;
    assert_problem(not_implementing, StatusCode::FORBIDDEN).await;
}

async fn a_department_cannot_register_a_project_led_by_another(backend: Backend) {
    let app = spawn_app(backend).await;
    let owners = owners(&app).await;
    let (_, other) = app.get_json("/api/v1/organizations").await;
    let other = other
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "县生态环境部门")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = app.audit_count().await;
    let response = app
        .post(
            "/api/v1/projects",
            &owners.department_token,
            project(&other),
        )
        .await;
    assert_problem(response, StatusCode::FORBIDDEN).await;
    assert_eq!(app.audit_count().await, before);
    assert!(
        app.all_pages("category=risk").await.is_empty(),
        "nothing was registered"
    );
}

async fn invalid_registrations_are_422_naming_the_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let owners = owners(&app).await;
    let with = |change: Value| {
        let mut body = project(&owners.department);
        for (key, value) in change.as_object().unwrap() {
            if value.is_null() {
                body.as_object_mut().unwrap().remove(key);
            } else {
                body[key] = value.clone();
            }
        }
        body
    };
    let cases = [
        (
            with(json!({"investment": {"total": "1.230"}})),
            "investment.total",
        ),
        (
            with(json!({"investment": {"total": "-5"}})),
            "investment.total",
        ),
        (
            with(json!({"investment": {"total": "1e3"}})),
            "investment.total",
        ),
        (
            with(json!({"investment": {"total": 1.234}})),
            "investment.total",
        ),
        (
            with(json!({"investment": {"total": "1000000000000000"}})),
            "investment.total",
        ),
        (
            with(json!({"investment": {"total": true}})),
            "investment.total",
        ),
        (
            with(json!({"investment": {"total": "100.00", "central": "60", "other": "40.01"}})),
            "investment",
        ),
        (
            with(json!({"investment": {"secured": "1.00"}})),
            "investment.secured",
        ),
        (with(json!({"status": "construction"})), "status"),
        (with(json!({"version": 3})), "version"),
        (with(json!({"colour": "green"})), "colour"),
        (with(json!({"name": "光".repeat(201)})), "name"),
        (with(json!({"name": 7})), "name"),
        (with(json!({"lead_department": null})), "lead_department"),
        (
            with(json!({"start_year": 2026, "end_year": 2025})),
            "end_year",
        ),
        (with(json!({"national_code": "2021-1"})), "national_code"),
        (with(json!({"category": "nuclear"})), "category"),
        (with(json!({"plan": "nowhere"})), "plan"),
    ];
    for (body, field) in cases {
        let response = app
            .post("/api/v1/projects", &owners.department_token, body.clone())
            .await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(invalid_fields(&problem), [field], "{body}");
    }
    assert!(
        app.all_pages("category=risk").await.is_empty(),
        "nothing was registered"
    );
}

/// A national code is checked exactly as sent: one with a space around it, or an empty
/// one, is as malformed as any other (it was once trimmed and stored).
async fn a_national_code_is_taken_exactly_as_written(backend: Backend) {
    let app = spawn_app(backend).await;
    let owners = owners(&app).await;
    for code in [
        "2021-500235-44-01-123456 ",
        " 2021-500235-44-01-123456",
        "2021-500235-44-01-123456\t",
        "",
    ] {
        let mut body = project(&owners.department);
        body["national_code"] = json!(code);
        let response = app
            .post("/api/v1/projects", &owners.department_token, body)
            .await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(invalid_fields(&problem), ["national_code"], "{code:?}");
    }
    assert!(
        app.all_pages("category=risk").await.is_empty(),
        "nothing was registered"
    );

    let mut body = project(&owners.department);
    body["national_code"] = json!("2021-500235-44-01-12345X");
    let created = app.register(&owners.department_token, body).await;
    assert_eq!(created["national_code"], "2021-500235-44-01-12345X");
}

async fn a_body_that_is_not_json_is_400_and_the_wrong_type_415(backend: Backend) {
    let app = spawn_app(backend).await;
    let owners = owners(&app).await;
    let send = |content_type: &'static str, body: &'static str| {
        app.client
            .post(format!("{}/api/v1/projects", app.address))
            .bearer_auth(&owners.department_token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    assert_problem(
        send("application/json", "{\"plan\": ").await.unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_problem(
        send("text/plain", "{}").await.unwrap(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    let big = "x".repeat(300 * 1024);
    let response = app
        .client
        .post(format!("{}/api/v1/projects", app.address))
        .bearer_auth(&owners.department_token)
        .header("content-type", "application/json")
        .body(format!("{{\"name\": \"{big}\"}}"))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE).await;
}

async fn finance_viewers_and_api_keys_do_not_register(backend: Backend) {
    let app = spawn_app(backend).await;
    let owners = owners(&app).await;
    let (_, organizations) = app.get_json("/api/v1/organizations").await;
    let finance = organizations
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "finance")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, finance_token) = app.add_user("finance", "finance", &finance).await;
    let (_, viewer_token) = app.add_user("viewer", "viewer", &finance).await;
    let (_, key) = app.add_api_key("tool").await;
    for token in [finance_token, viewer_token, key] {
        let response = app
            .post("/api/v1/projects", &token, project(&owners.department))
            .await;
        assert_problem(response, StatusCode::FORBIDDEN).await;
    }
    let anonymous = app
        .request(
            Method::POST,
            "/api/v1/projects",
            None,
            Some(project(&owners.department)),
        )
        .await;
    assert_problem(anonymous, StatusCode::UNAUTHORIZED).await;
}

async fn a_registration_is_audited_with_the_new_project(backend: Backend) {
    let app = spawn_app(backend).await;
    let owners = owners(&app).await;
    let before = app.audit_count().await;
    let response = app
        .post(
            "/api/v1/projects",
            &owners.department_token,
            project(&owners.department),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(app.audit_count().await, before + 1);
}

/// A bidirectional override or a zero-width space makes a name read as another: refused
/// in project and organization names, and nothing is written.
async fn names_with_invisible_characters_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let owners = owners(&app).await;
    let before = app.audit_count().await;
    let project = app
        .post(
            "/api/v1/projects",
            &owners.department_token,
            json!({"plan": PLAN, "category": "risk", "name": "化工园区\u{202E}程工控防", "lead_department": owners.department}),
        )
        .await;
    let problem = assert_problem(project, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(invalid_fields(&problem), ["name"]);
    let organization = app
        .post(
            "/api/v1/organizations",
            &app.admin_token,
            json!({"name": "县\u{200B}财政局", "kind": "finance"}),
        )
        .await;
    let problem = assert_problem(organization, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(invalid_fields(&problem), ["name"]);
    assert_eq!(app.audit_count().await, before, "nothing was written");
}

on_both_backends!(
    names_with_invisible_characters_are_refused,
    a_department_registers_a_project_it_leads_in_reserve,
    a_platform_company_registers_a_project_it_implements,
    a_department_cannot_register_a_project_led_by_another,
    invalid_registrations_are_422_naming_the_field,
    a_national_code_is_taken_exactly_as_written,
    a_body_that_is_not_json_is_400_and_the_wrong_type_415,
    finance_viewers_and_api_keys_do_not_register,
    a_registration_is_audited_with_the_new_project,
);
