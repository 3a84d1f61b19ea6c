use reqwest::StatusCode;

use crate::helpers::{Backend, assert_problem, spawn_app};

async fn an_unknown_route_is_a_404_problem(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in ["/nowhere", "/api/v1/nothing", "/api/v2/projects"] {
        let problem = assert_problem(app.get(path).await, StatusCode::NOT_FOUND).await;
        assert_eq!(
            problem["type"], "urn:problem:portfolio-registry:not-found",
            "{path}"
        );
    }
}

async fn a_wrong_method_is_a_405_problem(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app
        .client
        .delete(format!("{}/api/v1/plans", app.address))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, StatusCode::METHOD_NOT_ALLOWED).await;
    assert_eq!(
        problem["type"],
        "urn:problem:portfolio-registry:method-not-allowed"
    );
}

async fn every_response_carries_a_request_id_and_echoes_a_sane_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let generated = app.get("/healthz").await;
    let id = generated.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");

    let echoed = app
        .client
        .get(format!("{}/healthz", app.address))
        .header("x-request-id", "trace-42")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "trace-42");

    let replaced = app
        .client
        .get(format!("{}/healthz", app.address))
        .header("x-request-id", "a b <script>")
        .send()
        .await
        .unwrap();
    assert_ne!(replaced.headers()["x-request-id"], "a b <script>");
}

on_both_backends!(
    an_unknown_route_is_a_404_problem,
    a_wrong_method_is_a_405_problem,
    every_response_carries_a_request_id_and_echoes_a_sane_one,
);

/// Found by schemathesis on PostgreSQL (which cannot store or compare U+0000): such input
/// is refused on both backends before it reaches the database.
async fn text_with_a_nul_character_is_refused_not_a_server_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let problem = assert_problem(
        app.get("/api/v1/projects?q=a%00b").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(crate::helpers::invalid_fields(&problem), ["q"]);
    let body = serde_json::json!({"name": "部门\u{0}", "kind": "department"});
    let response = app
        .post("/api/v1/organizations", &app.admin_token, body)
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(crate::helpers::invalid_fields(&problem), ["name"]);
    assert_problem(app.get("/api/v1/plans/a%00b").await, StatusCode::NOT_FOUND).await;
    let login = serde_json::json!({"username": "ad\u{0}min", "password": "whatever whatever"});
    let response = app
        .request(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            None,
            Some(login),
        )
        .await;
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
}

on_both_backends!(text_with_a_nul_character_is_refused_not_a_server_error);
