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
