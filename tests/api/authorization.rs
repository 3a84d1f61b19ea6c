//! The authorization matrix (`authz_matrix.csv`): every operation, caller and object with
//! the status it must get. Refused writes must change nothing and leave no audit entry,
//! and an operation of the contract without rows fails the test.

use std::collections::{BTreeSet, HashMap};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{ADMIN_PASSWORD, Backend, PASSWORD, PLAN, TestApp, spawn_app};

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
    own_project: String,
    other_project: String,
    other_user: String,
}

async fn register(app: &TestApp, name: &str, lead: &str, implementing: &str) -> String {
    let body = json!({"plan": PLAN, "category": "risk", "name": name, "lead_department": lead, "implementing_org": implementing});
    let response = app.post("/api/v1/projects", &app.admin_token, body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
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

    let mut world = World {
        tokens: HashMap::from([("plan_office", app.admin_token.clone())]),
        usernames: HashMap::from([("plan_office", "admin".to_owned())]),
        passwords: HashMap::from([("plan_office", ADMIN_PASSWORD.to_owned())]),
        user_ids: HashMap::from([("plan_office", me["id"].as_str().unwrap().to_owned())]),
        organization_ids: HashMap::from([(
            "plan_office",
            me["organization_id"].as_str().unwrap().to_owned(),
        )]),
        own_project: register(app, "矩阵自有项目", &department_a, &company_p).await,
        other_project: register(app, "矩阵他方项目", &department_b, &company_q).await,
        other_user: app
            .add_user("other-user", "department", &department_b)
            .await
            .0,
        department_a: department_a.clone(),
        department_b,
        company_p: company_p.clone(),
        company_q,
    };
    for (caller, username, role, organization) in [
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
    world
}

fn caller_key(caller: &str) -> &'static str {
    CALLERS
        .into_iter()
        .find(|known| *known == caller)
        .unwrap_or_else(|| panic!("unknown caller {caller}"))
}

/// The request a row makes: method, path and body.
async fn request_for(
    app: &TestApp,
    world: &World,
    row: &Row,
    n: usize,
) -> (Method, String, Option<Value>) {
    let (method, template) = row.operation.split_once(' ').unwrap();
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let caller = caller_key(&row.caller);
    let missing = uuid::Uuid::new_v4().to_string();
    let own_or = |map: &HashMap<&str, String>, fallback: &String| {
        map.get(caller).unwrap_or(fallback).clone()
    };
    let id = match (template, row.object.as_str()) {
        (_, "missing") => missing,
        (t, "own") if t.starts_with("/api/v1/projects") => world.own_project.clone(),
        (t, "other") if t.starts_with("/api/v1/projects") => world.other_project.clone(),
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
        _ => String::new(),
    };
    let code = if row.object == "missing" {
        "no-such-plan"
    } else {
        PLAN
    };
    let path = template.replace("{id}", &id).replace("{code}", code);
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
    (method, path, body)
}

/// What a refused write must leave as it was: the object, or the collection written to.
async fn snapshot(app: &TestApp, method: &Method, path: &str) -> Value {
    let target = match (method.as_str(), path) {
        ("POST", "/api/v1/projects") => return json!(app.all_pages("limit=200").await),
        ("POST", "/api/v1/me/password") => "/api/v1/users".to_owned(),
        ("DELETE", _) => "/api/v1/api-keys".to_owned(),
        _ => path.to_owned(),
    };
    let response = app.get(&target).await;
    json!({"status": response.status().as_u16(), "body": response.text().await.unwrap()})
}

async fn every_operation_follows_the_matrix(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut world = world(&app).await;
    for (n, row) in rows().iter().enumerate() {
        let (method, path, body) = request_for(&app, &world, row, n).await;
        let caller = caller_key(&row.caller);
        let is_write = method != Method::GET;
        let before = if is_write {
            Some((
                snapshot(&app, &method, &path).await,
                app.audit_count().await,
            ))
        } else {
            None
        };

        let token = world.tokens.get(caller).cloned();
        let response = app
            .request(method.clone(), &path, token.as_deref(), body.clone())
            .await;
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let case = format!(
            "{} as {} on {} ({method} {path})",
            row.operation, row.caller, row.object
        );
        assert_eq!(status, row.status, "{case}: {text}");

        if let Some((object, audit_entries)) = before.filter(|_| status >= 400) {
            assert_eq!(
                snapshot(&app, &method, &path).await,
                object,
                "{case}: a refused write changed nothing"
            );
            assert_eq!(
                app.audit_count().await,
                audit_entries,
                "{case}: a refused write leaves no audit entry"
            );
        }
        if row.operation == "POST /api/v1/me/password" && status == 204 {
            let new_password = body.unwrap()["new_password"].as_str().unwrap().to_owned();
            let token = app.login(&world.usernames[caller], &new_password).await;
            world.passwords.insert(caller, new_password);
            world.tokens.insert(caller, token);
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
