use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{ADMIN_PASSWORD, Backend, PASSWORD, assert_problem, spawn_app};

async fn try_login(
    app: &crate::helpers::TestApp,
    address: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    app.client
        .post(format!("{address}/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn login_returns_a_bearer_token_and_the_user(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = try_login(&app, &app.address, "admin", ADMIN_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["user"]["username"], "admin");
    assert_eq!(body["user"]["role"], "plan_office");
    assert!(body["user"].get("password_hash").is_none());

    let token = body["access_token"].as_str().unwrap();
    let me = app
        .request(Method::GET, "/api/v1/me", Some(token), None)
        .await;
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["id"], body["user"]["id"]);
}

async fn unknown_user_and_wrong_password_get_the_same_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let unknown = try_login(&app, &app.address, "nobody-here", ADMIN_PASSWORD).await;
    let unknown = assert_problem(unknown, StatusCode::UNAUTHORIZED).await;
    let wrong = try_login(&app, &app.address, "admin", "not the admin passphrase").await;
    let wrong = assert_problem(wrong, StatusCode::UNAUTHORIZED).await;
    assert_eq!(unknown, wrong);
}

async fn every_api_path_but_login_requires_credentials(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, contract) = app.get_json("/api/openapi.json").await;
    for (path, operations) in contract["paths"].as_object().unwrap() {
        if !path.starts_with("/api/v1") || path == "/api/v1/auth/login" {
            continue;
        }
        for method in operations.as_object().unwrap().keys() {
            let path = path
                .replace("{id}", &uuid::Uuid::new_v4().to_string())
                .replace("{code}", "x");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = (method != Method::GET && method != Method::DELETE).then(|| json!({}));
            let response = app.request(method.clone(), &path, None, body).await;
            assert_eq!(
                response.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {path}"
            );
            let problem = assert_problem(response, StatusCode::UNAUTHORIZED).await;
            assert_eq!(
                problem["type"], "urn:problem:portfolio-registry:unauthorized",
                "{method} {path}"
            );
        }
    }
    let response = app
        .request(Method::GET, "/api/v1/projects", None, None)
        .await;
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
}

async fn a_deactivated_user_can_neither_log_in_nor_use_its_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let organization = app.add_organization("县审计部门", "department").await;
    let (id, token) = app
        .add_user("audit-dept", "department", &organization)
        .await;
    let response = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &app.admin_token,
            json!({"active": false}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    let me = app
        .request(Method::GET, "/api/v1/me", Some(&token), None)
        .await;
    assert_problem(me, StatusCode::UNAUTHORIZED).await;
    let login = try_login(&app, &app.address, "audit-dept", PASSWORD).await;
    assert_problem(login, StatusCode::UNAUTHORIZED).await;
}

/// Deactivation ends a user's tokens for good: reactivated, the user logs in again.
async fn a_reactivated_users_old_token_stays_dead(backend: Backend) {
    let app = spawn_app(backend).await;
    let organization = app.add_organization("县审计部门", "department").await;
    let (id, old_token) = app
        .add_user("audit-dept", "department", &organization)
        .await;
    for active in [false, true] {
        let response = app
            .patch(
                &format!("/api/v1/users/{id}"),
                &app.admin_token,
                json!({"active": active}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let me = app
        .request(Method::GET, "/api/v1/me", Some(&old_token), None)
        .await;
    assert_problem(me, StatusCode::UNAUTHORIZED).await;
    let new_token = app.login("audit-dept", PASSWORD).await;
    let me = app
        .request(Method::GET, "/api/v1/me", Some(&new_token), None)
        .await;
    assert_eq!(me.status(), StatusCode::OK);
}

async fn changing_the_password_ends_older_tokens(backend: Backend) {
    let app = spawn_app(backend).await;
    let organization = app.add_organization("县审计部门", "department").await;
    let (_, token) = app
        .add_user("audit-dept", "department", &organization)
        .await;
    let change =
        json!({"current_password": PASSWORD, "new_password": "an entirely new passphrase"});
    let response = app.post("/api/v1/me/password", &token, change).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    let me = app
        .request(Method::GET, "/api/v1/me", Some(&token), None)
        .await;
    assert_problem(me, StatusCode::UNAUTHORIZED).await;
    let fresh = app.login("audit-dept", "an entirely new passphrase").await;
    let me = app
        .request(Method::GET, "/api/v1/me", Some(&fresh), None)
        .await;
    assert_eq!(me.status(), StatusCode::OK);
}

async fn a_password_change_needs_the_current_password_and_a_good_new_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let cases = [
        (
            json!({"current_password": "wrong wrong wrong", "new_password": "an entirely new passphrase"}),
            "current_password",
        ),
        (
            json!({"current_password": ADMIN_PASSWORD, "new_password": "short"}),
            "new_password",
        ),
        (
            json!({"current_password": ADMIN_PASSWORD, "new_password": "password1234"}),
            "new_password",
        ),
    ];
    for (body, field) in cases {
        let response = app
            .post("/api/v1/me/password", &app.admin_token, body)
            .await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(problem["errors"][0]["field"], field);
    }
}

async fn repeated_failures_are_throttled_with_retry_after(backend: Backend) {
    let app = spawn_app(backend).await;
    for _ in 0..5 {
        let response = try_login(&app, &app.address, "admin", "not the admin passphrase").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let blocked = try_login(&app, &app.address, "admin", ADMIN_PASSWORD).await;
    let retry_after: u64 = blocked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    assert_problem(blocked, StatusCode::TOO_MANY_REQUESTS).await;
}

async fn two_instances_on_one_database_throttle_as_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let second = app.second_instance().await;
    for attempt in 0..5 {
        let address = if attempt % 2 == 0 {
            &app.address
        } else {
            &second
        };
        let response = try_login(&app, address, "admin", "not the admin passphrase").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    for address in [&app.address, &second] {
        let response = try_login(&app, address, "admin", ADMIN_PASSWORD).await;
        assert_problem(response, StatusCode::TOO_MANY_REQUESTS).await;
    }
}

/// A stolen token guesses the password no faster at the password change than at the
/// login: wrong current passwords count with failed logins.
async fn wrong_current_passwords_are_throttled_like_logins(backend: Backend) {
    let app = spawn_app(backend).await;
    let change = json!({"current_password": "not the admin passphrase", "new_password": "a brand new passphrase"});
    for _ in 0..5 {
        let response = app
            .post("/api/v1/me/password", &app.admin_token, change.clone())
            .await;
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let sixth = app
        .post("/api/v1/me/password", &app.admin_token, change.clone())
        .await;
    assert!(sixth.headers().contains_key("retry-after"));
    assert_problem(sixth, StatusCode::TOO_MANY_REQUESTS).await;
    let login = try_login(&app, &app.address, "admin", ADMIN_PASSWORD).await;
    assert_problem(login, StatusCode::TOO_MANY_REQUESTS).await;
}

/// A 3,000-character username once overflowed PostgreSQL's throttle index (500) and still
/// cost a password check: now it is a plain failure, counted like any other.
async fn an_oversized_username_is_a_counted_failure_not_an_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let long = "a".repeat(3000);
    for _ in 0..5 {
        let response = try_login(&app, &app.address, &long, "whatever password").await;
        assert_problem(response, StatusCode::UNAUTHORIZED).await;
    }
    let blocked = try_login(&app, &app.address, &long, "whatever password").await;
    assert_problem(blocked, StatusCode::TOO_MANY_REQUESTS).await;
    let huge_password = "p".repeat(100_000);
    let response = try_login(&app, &app.address, "admin", &huge_password).await;
    assert_problem(response, StatusCode::UNAUTHORIZED).await;
}

/// Throttle rows whose window and block are over are deleted as new failures arrive: one
/// address cannot grow the table without bound.
async fn expired_throttle_rows_are_deleted(backend: Backend) {
    use diesel::{QueryDsl, RunQueryDsl};
    use portfolio_registry::db::{login_throttle, schema::login_failures};
    let app = spawn_app(backend).await;
    let db = app.db.clone();
    let rows = tokio::task::spawn_blocking(move || {
        let mut conn = db.connection().unwrap();
        let start = chrono::Utc::now().naive_utc();
        for n in 0..3 {
            login_throttle::record_failure(&mut conn, &format!("user:old-{n}"), 5, start).unwrap();
        }
        let later = start
            + login_throttle::WINDOW
            + login_throttle::LONGEST_DELAY
            + chrono::Duration::minutes(1);
        login_throttle::record_failure(&mut conn, "user:new", 5, later).unwrap();
        login_failures::table
            .count()
            .get_result::<i64>(&mut conn)
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(rows, 1);
}

/// An administrator's reset of someone's password is its own entry in the trail, and the
/// old tokens end with it.
async fn an_administrators_password_reset_is_audited_as_such(backend: Backend) {
    let app = spawn_app(backend).await;
    let organization = app.add_organization("县审计部门", "department").await;
    let (id, token) = app
        .add_user("audit-dept", "department", &organization)
        .await;
    let reset = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &app.admin_token,
            json!({"password": "a reset passphrase for audit"}),
        )
        .await;
    assert_eq!(reset.status(), StatusCode::OK);
    let (_, trail) = app
        .get_json(&format!("/api/v1/audit?entity_type=user&entity_id={id}"))
        .await;
    let actions: Vec<&str> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"user.password_reset"), "{actions:?}");
    let me = app
        .request(Method::GET, "/api/v1/me", Some(&token), None)
        .await;
    assert_problem(me, StatusCode::UNAUTHORIZED).await;
}

async fn a_successful_login_is_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    let before = app.audit_count().await;
    app.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(app.audit_count().await, before + 1);
    let _ = try_login(&app, &app.address, "admin", "not the admin passphrase").await;
    assert_eq!(
        app.audit_count().await,
        before + 1,
        "a failure writes no audit entry"
    );
}

on_both_backends!(
    login_returns_a_bearer_token_and_the_user,
    unknown_user_and_wrong_password_get_the_same_answer,
    every_api_path_but_login_requires_credentials,
    a_deactivated_user_can_neither_log_in_nor_use_its_token,
    a_reactivated_users_old_token_stays_dead,
    changing_the_password_ends_older_tokens,
    a_password_change_needs_the_current_password_and_a_good_new_one,
    repeated_failures_are_throttled_with_retry_after,
    two_instances_on_one_database_throttle_as_one,
    wrong_current_passwords_are_throttled_like_logins,
    an_oversized_username_is_a_counted_failure_not_an_error,
    expired_throttle_rows_are_deleted,
    an_administrators_password_reset_is_audited_as_such,
    a_successful_login_is_audited,
);
