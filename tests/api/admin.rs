use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, PASSWORD, assert_problem, invalid_fields, spawn_app};

async fn the_first_start_creates_one_plan_office_admin(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, users) = app.get_json("/api/v1/users").await;
    assert_eq!(status, StatusCode::OK);
    let users = users.as_array().unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["username"], "admin");
    assert_eq!(users[0]["role"], "plan_office");
    let (_, organization) = app
        .get_json(&format!(
            "/api/v1/organizations/{}",
            users[0]["organization_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(organization["kind"], "plan_office");
}

async fn the_seeded_organizations_are_listed(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, organizations) = app.get_json("/api/v1/organizations").await;
    let names: Vec<_> = organizations
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    for name in ["县生态环境部门", "县水利部门", "县财政部门", "规划办公室"] {
        assert!(names.contains(&name), "{name}");
    }
}

async fn organizations_are_created_renamed_and_deactivated(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = app
        .add_organization("云阳县城投集团", "platform_company")
        .await;
    let duplicate = app
        .post(
            "/api/v1/organizations",
            &app.admin_token,
            json!({"name": "云阳县城投集团", "kind": "department"}),
        )
        .await;
    assert_problem(duplicate, StatusCode::CONFLICT).await;
    let invalid = app
        .post(
            "/api/v1/organizations",
            &app.admin_token,
            json!({"name": " ", "kind": "bank"}),
        )
        .await;
    assert_problem(invalid, StatusCode::UNPROCESSABLE_ENTITY).await;

    let renamed = app
        .patch(
            &format!("/api/v1/organizations/{id}"),
            &app.admin_token,
            json!({"name": "云阳县城市发展投资集团", "active": false}),
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let renamed: Value = renamed.json().await.unwrap();
    assert_eq!(renamed["name"], "云阳县城市发展投资集团");
    assert_eq!(renamed["active"], false);
    assert_eq!(renamed["kind"], "platform_company");
}

async fn a_users_role_must_fit_its_organizations_kind(backend: Backend) {
    let app = spawn_app(backend).await;
    let company = app
        .add_organization("云阳县城投集团", "platform_company")
        .await;
    let response = app
        .post(
            "/api/v1/users",
            &app.admin_token,
            json!({"username": "wrong-fit", "password": PASSWORD, "role": "department", "organization_id": company}),
        )
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(invalid_fields(&problem), ["role"]);
    let viewer = app
        .post(
            "/api/v1/users",
            &app.admin_token,
            json!({"username": "company-viewer", "password": PASSWORD, "role": "viewer", "organization_id": company}),
        )
        .await;
    assert_eq!(
        viewer.status(),
        StatusCode::CREATED,
        "a viewer fits any organization"
    );
}

async fn new_users_need_a_valid_unique_name_and_a_good_password(backend: Backend) {
    let app = spawn_app(backend).await;
    let department = app.add_organization("县审计部门", "department").await;
    let cases = [
        (
            json!({"username": "Bad Name", "password": PASSWORD, "role": "department", "organization_id": department}),
            vec!["username"],
        ),
        (
            json!({"username": "short-pw", "password": "eleven chrs", "role": "department", "organization_id": department}),
            vec!["password"],
        ),
        (
            json!({"username": "common-pw", "password": "qwerty123456", "role": "department", "organization_id": department}),
            vec!["password"],
        ),
        (
            json!({"username": "bad-role", "password": PASSWORD, "role": "mayor", "organization_id": department}),
            vec!["role"],
        ),
        (
            json!({"username": "no-org", "password": PASSWORD, "role": "department"}),
            vec!["organization_id"],
        ),
        (
            json!({"username": "extra", "password": PASSWORD, "role": "department", "organization_id": department, "active": true}),
            vec!["active"],
        ),
    ];
    for (body, fields) in cases {
        let response = app
            .post("/api/v1/users", &app.admin_token, body.clone())
            .await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(invalid_fields(&problem), fields, "{body}");
    }
    let long_password = "p".repeat(40) + &"4".repeat(24);
    let response = app
        .post(
            "/api/v1/users",
            &app.admin_token,
            json!({"username": "long-pw", "password": long_password, "role": "department", "organization_id": department}),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "a 64-character password is allowed"
    );
    let again = app
        .post(
            "/api/v1/users",
            &app.admin_token,
            json!({"username": "long-pw", "password": PASSWORD, "role": "department", "organization_id": department}),
        )
        .await;
    assert_problem(again, StatusCode::CONFLICT).await;
}

async fn the_plan_office_cannot_lock_itself_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, me) = app.get_json("/api/v1/me").await;
    let id = me["id"].as_str().unwrap();
    let response = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &app.admin_token,
            json!({"active": false}),
        )
        .await;
    assert_problem(response, StatusCode::CONFLICT).await;
    let (_, me) = app.get_json("/api/v1/me").await;
    assert_eq!(me["active"], true);
}

async fn an_api_key_is_shown_once_reads_and_is_revocable(backend: Backend) {
    let app = spawn_app(backend).await;
    let (id, key) = app.add_api_key("财政绩效评价系统").await;
    assert!(key.starts_with("prk_"));

    let (_, keys) = app.get_json("/api/v1/api-keys").await;
    assert_eq!(keys[0]["name"], "财政绩效评价系统");
    assert!(
        keys[0].get("key").is_none() && !keys.to_string().contains(&key[4..]),
        "never listed again"
    );

    let read = app
        .request(Method::GET, "/api/v1/projects?limit=1", Some(&key), None)
        .await;
    assert_eq!(read.status(), StatusCode::OK);
    let write = app
        .post(
            "/api/v1/organizations",
            &key,
            json!({"name": "某部门", "kind": "department"}),
        )
        .await;
    assert_problem(write, StatusCode::FORBIDDEN).await;
    let me = app
        .request(Method::GET, "/api/v1/me", Some(&key), None)
        .await;
    assert_problem(me, StatusCode::FORBIDDEN).await;

    let revoked = app
        .request(
            Method::DELETE,
            &format!("/api/v1/api-keys/{id}"),
            Some(&app.admin_token),
            None,
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    let read = app
        .request(Method::GET, "/api/v1/projects?limit=1", Some(&key), None)
        .await;
    assert_problem(read, StatusCode::UNAUTHORIZED).await;
    let again = app
        .request(
            Method::DELETE,
            &format!("/api/v1/api-keys/{id}"),
            Some(&app.admin_token),
            None,
        )
        .await;
    assert_problem(again, StatusCode::NOT_FOUND).await;
}

async fn administration_writes_are_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    let before = app.audit_count().await;
    let organization = app.add_organization("县审计部门", "department").await;
    app.add_user("audit-dept", "department", &organization)
        .await; // create + login
    app.add_api_key("tool").await;
    assert_eq!(app.audit_count().await, before + 4);
}

/// A taken name is a 409 that says which value is taken, in the registry's words, never
/// the database's (`UNIQUE constraint failed`, `duplicate key value`).
async fn a_taken_name_is_a_conflict_without_the_databases_wording(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = json!({"name": "县测试部门甲", "kind": "department"});
    let first = app
        .post("/api/v1/organizations", &app.admin_token, body.clone())
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let again = app
        .post("/api/v1/organizations", &app.admin_token, body)
        .await;
    let problem = assert_problem(again, StatusCode::CONFLICT).await;
    let detail = problem["detail"].as_str().unwrap();
    for leak in ["UNIQUE", "constraint", "duplicate key", "organizations."] {
        assert!(!detail.contains(leak), "{detail}");
    }
    assert!(detail.contains("name"), "{detail}");
}

on_both_backends!(
    a_taken_name_is_a_conflict_without_the_databases_wording,
    the_first_start_creates_one_plan_office_admin,
    the_seeded_organizations_are_listed,
    organizations_are_created_renamed_and_deactivated,
    a_users_role_must_fit_its_organizations_kind,
    new_users_need_a_valid_unique_name_and_a_good_password,
    the_plan_office_cannot_lock_itself_out,
    an_api_key_is_shown_once_reads_and_is_revocable,
    administration_writes_are_audited,
);
