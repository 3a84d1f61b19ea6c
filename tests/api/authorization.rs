//! The authorization matrix (`authz_matrix.csv`): every operation, caller and object with
//! the status it must get. Refused writes must change nothing and leave no audit entry,
//! and an operation of the contract without rows fails the test.

use std::collections::{BTreeSet, HashMap};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, PASSWORD, PLAN, TestApp, spawn_app};

const MATRIX: &str = include_str!("authz_matrix.csv");
const CALLERS: [&str; 9] = [
    "plan_office",
    "department_owner",
    "department_other",
    "platform_owner",
    "platform_other",
    "finance",
    "viewer",
    "api_key",
    "anonymous",
];
/// Operations that take no credentials, so have no place in the matrix.
const UNAUTHENTICATED: [&str; 1] = ["POST /api/v1/auth/login"];

struct Row {
    operation: String,
    caller: String,
    object: String,
    status: u16,
}

fn rows() -> Vec<Row> {
    MATRIX
        .lines()
        .filter(|line| !line.starts_with('#') && !line.starts_with("operation,"))
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            assert_eq!(fields.len(), 4, "{line}");
            Row {
                operation: fields[0].to_owned(),
                caller: fields[1].to_owned(),
                object: fields[2].to_owned(),
                status: fields[3].parse().unwrap(),
            }
        })
        .collect()
}

/// The callers and objects the matrix speaks of.
struct World {
    tokens: HashMap<&'static str, String>,
    usernames: HashMap<&'static str, String>,
    passwords: HashMap<&'static str, String>,
    user_ids: HashMap<&'static str, String>,
    organization_ids: HashMap<&'static str, String>,
    department_a: String,
    department_b: String,
    company_p: String,
    company_q: String,
    /// Led by department A, implemented by company P; in preparation.
    own_project: String,
    /// Led by department B, implemented by company Q; in preparation.
    other_project: String,
    other_user: String,
    /// Returned reports to correct, on each project.
    own_returned_report: String,
    other_returned_report: String,
    /// An import (a dry run) made by the harness's `admin`: someone else's for every caller.
    admin_import: String,
    /// Led by department A, implemented by company P; in the reserve (renewals).
    reserve_project: String,
    /// A rejected adjustment request on the other project.
    decided_adjustment: String,
    periods: usize,
}

impl World {
    /// A month no report has used yet.
    fn next_period(&mut self) -> String {
        self.periods += 1;
        format!(
            "{:04}-{:02}",
            2000 + self.periods / 12,
            self.periods % 12 + 1
        )
    }
}

async fn json_of(response: reqwest::Response, expected: StatusCode) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, expected, "{body}");
    body
}

/// A project in preparation, registered by the plan office.
async fn project_in_preparation(
    app: &TestApp,
    name: &str,
    lead: &str,
    implementing: &str,
) -> String {
    let body = json!({"plan": PLAN, "category": "risk", "name": name, "lead_department": lead,
        "implementing_org": implementing, "start_year": 2024, "investment": {"total": "1000000.00"}});
    let project = json_of(
        app.post("/api/v1/projects", &app.admin_token, body).await,
        StatusCode::CREATED,
    )
    .await;
    let id = project["id"].as_str().unwrap().to_owned();
    move_project(app, &app.admin_token, &id, json!({"to": "preparation"})).await;
    id
}

/// Posts a transition with the project's current ETag.
async fn move_project(app: &TestApp, token: &str, id: &str, body: Value) -> Value {
    let etag = app.get(&format!("/api/v1/projects/{id}")).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let response = app
        .client
        .post(format!("{}/api/v1/projects/{id}/transitions", app.address))
        .bearer_auth(token)
        .header("if-match", etag)
        .json(&body)
        .send()
        .await
        .unwrap();
    json_of(response, StatusCode::OK).await
}

/// A submitted report on `project` by the holder of `token`; returns its id.
async fn submit_report(app: &TestApp, world: &mut World, token: &str, project: &str) -> String {
    let body = json!({"period": world.next_period(), "investment_completed": "100.00", "physical_progress": 10, "summary": "进展顺利"});
    let report = json_of(
        app.post(&format!("/api/v1/projects/{project}/reports"), token, body)
            .await,
        StatusCode::CREATED,
    )
    .await;
    report["id"].as_str().unwrap().to_owned()
}

async fn return_report(app: &TestApp, world: &World, report: &str) {
    let body = json!({"decision": "returned", "comment": "请补充"});
    json_of(
        app.post(
            &format!("/api/v1/reports/{report}/review"),
            &world.tokens["finance"],
            body,
        )
        .await,
        StatusCode::OK,
    )
    .await;
}

async fn world(app: &TestApp) -> World {
    let department_a = app.add_organization("县能源部门", "department").await;
    let department_b = app.add_organization("县交通部门", "department").await;
    let department_c = app.add_organization("县商务部门", "department").await;
    let company_p = app
        .add_organization("云阳县城投集团", "platform_company")
        .await;
    let company_q = app
        .add_organization("云阳县交投集团", "platform_company")
        .await;
    let company_r = app
        .add_organization("云阳县水务集团", "platform_company")
        .await;
    let finance = app.add_organization("县财政局", "finance").await;
    let (_, me) = app.get_json("/api/v1/me").await;
    let plan_office = me["organization_id"].as_str().unwrap().to_owned();

    // The harness itself acts as `admin`; the plan office caller is another user, so that
    // its password change does not end the harness's token.
    let mut world = World {
        tokens: HashMap::new(),
        usernames: HashMap::new(),
        passwords: HashMap::new(),
        user_ids: HashMap::new(),
        organization_ids: HashMap::new(),
        own_project: project_in_preparation(app, "矩阵自有项目", &department_a, &company_p).await,
        other_project: project_in_preparation(app, "矩阵他方项目", &department_b, &company_q).await,
        other_user: app
            .add_user("other-user", "department", &department_b)
            .await
            .0,
        department_a: department_a.clone(),
        department_b,
        company_p: company_p.clone(),
        company_q,
        own_returned_report: String::new(),
        other_returned_report: String::new(),
        admin_import: String::new(),
        reserve_project: String::new(),
        decided_adjustment: String::new(),
        periods: 0,
    };
    for (caller, username, role, organization) in [
        ("plan_office", "office", "plan_office", plan_office),
        ("department_owner", "dept-owner", "department", department_a),
        ("department_other", "dept-other", "department", department_c),
        (
            "platform_owner",
            "company-owner",
            "platform_company",
            company_p,
        ),
        (
            "platform_other",
            "company-other",
            "platform_company",
            company_r,
        ),
        ("finance", "finance", "finance", finance.clone()),
        ("viewer", "viewer", "viewer", finance),
    ] {
        let (id, token) = app.add_user(username, role, &organization).await;
        world.tokens.insert(caller, token);
        world.usernames.insert(caller, username.to_owned());
        world.passwords.insert(caller, PASSWORD.to_owned());
        world.user_ids.insert(caller, id);
        world.organization_ids.insert(caller, organization);
    }
    world
        .tokens
        .insert("api_key", app.add_api_key("matrix tool").await.1);
    let (own, other) = (world.own_project.clone(), world.other_project.clone());
    let department_token = world.tokens["department_owner"].clone();
    world.own_returned_report = submit_report(app, &mut world, &department_token, &own).await;
    world.other_returned_report = submit_report(app, &mut world, &app.admin_token, &other).await;
    return_report(app, &world, &world.own_returned_report).await;
    return_report(app, &world, &world.other_returned_report).await;
    let dry_run = app
        .client
        .post(format!("{}/api/v1/plans/{PLAN}/imports", app.address))
        .bearer_auth(&app.admin_token)
        .header("content-type", "text/csv")
        .body("项目名称\r\n")
        .send()
        .await
        .unwrap();
    let dry_run: Value = dry_run.json().await.unwrap();
    world.admin_import = dry_run["id"].as_str().unwrap().to_owned();
    let reserve = json!({"plan": PLAN, "category": "risk", "name": "矩阵储备项目",
        "lead_department": world.department_a, "implementing_org": world.company_p});
    let reserve = json_of(
        app.post("/api/v1/projects", &app.admin_token, reserve)
            .await,
        StatusCode::CREATED,
    )
    .await;
    world.reserve_project = reserve["id"].as_str().unwrap().to_owned();
    world.decided_adjustment = file_adjustment(app, &world.other_project, 0).await;
    reject_pending_adjustments(app).await;
    world
}

/// A pending adjustment request filed by the harness's `admin`; returns its id.
async fn file_adjustment(app: &TestApp, project: &str, n: usize) -> String {
    let body = json!({"changes": {"scale": format!("矩阵规模{n}")}, "reason": "矩阵"});
    let filed = json_of(
        app.post(
            &format!("/api/v1/projects/{project}/adjustments"),
            &app.admin_token,
            body,
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    filed["id"].as_str().unwrap().to_owned()
}

/// Rejects every pending adjustment request, so that the next row may file on the same field.
async fn reject_pending_adjustments(app: &TestApp) {
    let (_, pending) = app.get_json("/api/v1/adjustments?status=pending").await;
    for request in pending["items"].as_array().unwrap() {
        let path = format!(
            "/api/v1/adjustments/{}/review",
            request["id"].as_str().unwrap()
        );
        let body = json!({"decision": "rejected", "note": "矩阵复原"});
        json_of(
            app.post(&path, &app.admin_token, body).await,
            StatusCode::OK,
        )
        .await;
    }
}

fn caller_key(caller: &str) -> &'static str {
    CALLERS
        .into_iter()
        .find(|known| *known == caller)
        .unwrap_or_else(|| panic!("unknown caller {caller}"))
}

/// What a row sends, and what a refusal must leave unchanged.
struct Prepared {
    method: Method,
    path: String,
    body: Option<Value>,
    /// A CSV file sent instead of a JSON body (an import).
    file: Option<String>,
    if_match: Option<String>,
    /// What to read (as the plan office) before and after a refused write.
    snapshot: String,
}

async fn prepare(app: &TestApp, world: &mut World, row: &Row, n: usize) -> Prepared {
    let (method, template) = row.operation.split_once(' ').unwrap();
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let caller = caller_key(&row.caller);
    let missing = uuid::Uuid::new_v4().to_string();
    let own_or = |map: &HashMap<&str, String>, fallback: &String| {
        map.get(caller).unwrap_or(fallback).clone()
    };
    let project = match row.object.as_str() {
        "other" => world.other_project.clone(),
        _ => world.own_project.clone(),
    };
    let id = match (template, row.object.as_str()) {
        (_, "missing") => missing,
        ("/api/v1/projects/{id}/renewal", "own") => world.reserve_project.clone(),
        (t, _) if t.starts_with("/api/v1/projects/") => project.clone(),
        ("/api/v1/adjustments/{id}", _) => world.decided_adjustment.clone(),
        ("/api/v1/adjustments/{id}/review", _) => file_adjustment(app, &world.own_project, n).await,
        ("/api/v1/reports/{id}", "own") => world.own_returned_report.clone(),
        ("/api/v1/reports/{id}", _) => world.other_returned_report.clone(),
        ("/api/v1/reports/{id}/review", object) => {
            let submitter = match (object, caller) {
                ("own", "plan_office" | "department_owner" | "platform_owner") => caller,
                ("other", "department_owner") => "platform_owner",
                _ => "department_owner",
            };
            let token = world.tokens[submitter].clone();
            let own_project = world.own_project.clone();
            submit_report(app, world, &token, &own_project).await
        }
        (t, "own") if t.starts_with("/api/v1/organizations") => {
            own_or(&world.organization_ids, &world.department_a)
        }
        (t, "other") if t.starts_with("/api/v1/organizations") => world.department_b.clone(),
        (t, "own") if t.starts_with("/api/v1/users") => {
            own_or(&world.user_ids, &world.user_ids["plan_office"])
        }
        (t, "other") if t.starts_with("/api/v1/users") => world.other_user.clone(),
        (t, "other") if t.starts_with("/api/v1/api-keys") => {
            app.add_api_key(&format!("target {n}")).await.0
        }
        ("/api/v1/imports/{id}", "other") => world.admin_import.clone(),
        _ => String::new(),
    };
    let code = if row.object == "missing" {
        "no-such-plan"
    } else {
        PLAN
    };
    let mut path = template.replace("{id}", &id).replace("{code}", code);
    let file = if row.operation == "POST /api/v1/plans/{code}/imports" {
        // A real run of one row that changes the project's description.
        path.push_str("?dry_run=false");
        let (_, target) = app.get_json(&format!("/api/v1/projects/{project}")).await;
        Some(format!(
            "项目编码,项目简介\r\n{},矩阵导入{n}\r\n",
            target["code"].as_str().unwrap()
        ))
    } else {
        None
    };
    let body = match row.operation.as_str() {
        "POST /api/v1/projects" => {
            let (lead, implementing) = match row.object.as_str() {
                "other" => (&world.department_b, &world.company_q),
                _ => (&world.department_a, &world.company_p),
            };
            let category = if row.object == "missing" {
                "nuclear"
            } else {
                "risk"
            };
            Some(
                json!({"plan": PLAN, "category": category, "name": format!("矩阵项目{n}"),
                "lead_department": lead, "implementing_org": implementing}),
            )
        }
        "PATCH /api/v1/projects/{id}" => Some(json!({"description": format!("矩阵{n}")})),
        "POST /api/v1/projects/{id}/transitions" => Some(json!({"to": "construction"})),
        "POST /api/v1/projects/{id}/reports" => Some(json!({"period": world.next_period(),
            "investment_completed": "10.00", "physical_progress": 5, "summary": "矩阵"})),
        "PATCH /api/v1/reports/{id}" => Some(json!({"summary": format!("矩阵{n}")})),
        "POST /api/v1/reports/{id}/review" => Some(json!({"decision": "returned"})),
        "PATCH /api/v1/plans/{code}" => Some(json!({"reserve_validity_years": 3})),
        "POST /api/v1/plans/{code}/reserve-sweep" => Some(json!({"dry_run": true})),
        "POST /api/v1/projects/{id}/adjustments" => {
            Some(json!({"changes": {"scale": format!("矩阵规模{n}")}, "reason": "矩阵"}))
        }
        "POST /api/v1/adjustments/{id}/review" => {
            Some(json!({"decision": "rejected", "note": "矩阵"}))
        }
        "POST /api/v1/projects/{id}/renewal" => Some(json!({"note": "矩阵续期"})),
        "POST /api/v1/organizations" => {
            Some(json!({"name": format!("矩阵组织{n}"), "kind": "department"}))
        }
        "PATCH /api/v1/organizations/{id}" => Some(json!({"active": true})),
        "POST /api/v1/users" => Some(
            json!({"username": format!("matrix-{n}"), "password": PASSWORD,
            "role": "viewer", "organization_id": world.department_a}),
        ),
        "PATCH /api/v1/users/{id}" => Some(json!({"display_name": format!("矩阵{n}")})),
        "POST /api/v1/api-keys" => Some(json!({"name": format!("matrix {n}")})),
        "POST /api/v1/me/password" => {
            let current = world
                .passwords
                .get(caller)
                .cloned()
                .unwrap_or_else(|| PASSWORD.to_owned());
            Some(json!({"current_password": current, "new_password": format!("{current} again")}))
        }
        _ => None,
    };
    let needs_if_match = matches!(
        row.operation.as_str(),
        "PATCH /api/v1/projects/{id}"
            | "POST /api/v1/projects/{id}/transitions"
            | "POST /api/v1/projects/{id}/renewal"
    );
    let if_match = if needs_if_match {
        let target = if template.starts_with("/api/v1/projects/{id}") && row.object != "missing" {
            id.clone()
        } else {
            project.clone()
        };
        let response = app.get(&format!("/api/v1/projects/{target}")).await;
        Some(response.headers()["etag"].to_str().unwrap().to_owned())
    } else {
        None
    };
    let snapshot = match (method.as_str(), template) {
        ("POST", "/api/v1/projects") => "/api/v1/projects?category=risk&limit=200".to_owned(),
        ("POST", "/api/v1/me/password") => "/api/v1/users".to_owned(),
        ("POST", "/api/v1/projects/{id}/transitions") => format!("/api/v1/projects/{id}"),
        (_, "/api/v1/reports/{id}" | "/api/v1/reports/{id}/review") => {
            format!("/api/v1/projects/{project}/reports")
        }
        ("DELETE", _) => "/api/v1/api-keys".to_owned(),
        ("POST", "/api/v1/plans/{code}/imports") => format!("/api/v1/projects/{project}"),
        ("POST", "/api/v1/plans/{code}/reserve-sweep") => {
            "/api/v1/projects?status=withdrawn&limit=200".to_owned()
        }
        ("POST", "/api/v1/projects/{id}/renewal") => format!("/api/v1/projects/{id}"),
        ("POST", "/api/v1/adjustments/{id}/review") => format!("/api/v1/adjustments/{id}"),
        _ => path.clone(),
    };
    Prepared {
        method,
        path,
        body,
        file,
        if_match,
        snapshot,
    }
}

async fn snapshot(app: &TestApp, path: &str) -> Value {
    let response = app.get(path).await;
    json!({"status": response.status().as_u16(), "body": response.text().await.unwrap()})
}

/// Puts back what a successful row changed that later rows rely on.
async fn restore(
    app: &TestApp,
    world: &mut World,
    row: &Row,
    caller: &'static str,
    prepared: &Prepared,
) {
    match row.operation.as_str() {
        "POST /api/v1/projects/{id}/transitions" => {
            let id = prepared.path.split('/').nth(4).unwrap().to_owned();
            move_project(
                app,
                &app.admin_token,
                &id,
                json!({"to": "preparation", "note": "矩阵复原"}),
            )
            .await;
        }
        "PATCH /api/v1/reports/{id}" => {
            let id = prepared.path.rsplit('/').next().unwrap().to_owned();
            return_report(app, world, &id).await;
        }
        "POST /api/v1/me/password" => {
            let new_password = prepared.body.as_ref().unwrap()["new_password"]
                .as_str()
                .unwrap()
                .to_owned();
            let token = app.login(&world.usernames[caller], &new_password).await;
            world.passwords.insert(caller, new_password);
            world.tokens.insert(caller, token);
        }
        _ => {}
    }
}

async fn every_operation_follows_the_matrix(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut world = world(&app).await;
    for (n, row) in rows().iter().enumerate() {
        let prepared = prepare(&app, &mut world, row, n).await;
        let caller = caller_key(&row.caller);
        let is_write = prepared.method != Method::GET;
        let before = if is_write {
            Some((
                snapshot(&app, &prepared.snapshot).await,
                app.audit_count().await,
            ))
        } else {
            None
        };

        let mut request = app.client.request(
            prepared.method.clone(),
            format!("{}{}", app.address, prepared.path),
        );
        if let Some(token) = world.tokens.get(caller) {
            request = request.bearer_auth(token);
        }
        if let Some(tag) = &prepared.if_match {
            request = request.header("if-match", tag);
        }
        if let Some(body) = &prepared.body {
            request = request.json(body);
        }
        if let Some(file) = &prepared.file {
            request = request
                .header("content-type", "text/csv")
                .body(file.clone());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let case = format!(
            "{} as {} on {} ({} {})",
            row.operation, row.caller, row.object, prepared.method, prepared.path
        );
        assert_eq!(status, row.status, "{case}: {text}");

        if let Some((object, audit_entries)) = before.filter(|_| status >= 400) {
            assert_eq!(
                snapshot(&app, &prepared.snapshot).await,
                object,
                "{case}: a refused write changed nothing"
            );
            assert_eq!(
                app.audit_count().await,
                audit_entries,
                "{case}: a refused write leaves no audit entry"
            );
        }
        if status < 300 {
            restore(&app, &mut world, row, caller, &prepared).await;
        }
        if row.operation.contains("/adjustments") {
            reject_pending_adjustments(&app).await;
        }
    }
}

async fn every_operation_of_the_contract_has_rows_for_every_caller(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, contract) = app.get_json("/api/openapi.json").await;
    let mut operations = BTreeSet::new();
    for (path, methods) in contract["paths"].as_object().unwrap() {
        for method in methods.as_object().unwrap().keys() {
            let operation = format!("{} {path}", method.to_uppercase());
            if path.starts_with("/api/v1/") && !UNAUTHENTICATED.contains(&operation.as_str()) {
                operations.insert(operation);
            }
        }
    }
    let rows = rows();
    let covered: BTreeSet<(String, String)> = rows
        .iter()
        .map(|row| (row.operation.clone(), row.caller.clone()))
        .collect();
    for operation in &operations {
        for caller in CALLERS {
            assert!(
                covered.contains(&(operation.clone(), caller.to_owned())),
                "authz_matrix.csv has no row for {operation} as {caller}"
            );
        }
    }
    for row in &rows {
        assert!(
            operations.contains(&row.operation),
            "authz_matrix.csv names an unknown operation {}",
            row.operation
        );
    }
}

on_both_backends!(
    every_operation_follows_the_matrix,
    every_operation_of_the_contract_has_rows_for_every_caller
);
