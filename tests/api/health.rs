use reqwest::StatusCode;

use crate::helpers::{Backend, assert_problem, spawn_app, spawn_app_with};

async fn liveness_answers_ok(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, body) = app.get_json("/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
}

async fn readiness_answers_when_the_database_does(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, body) = app.get_json("/readyz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ready");
}

async fn readiness_is_503_when_no_connection_can_be_had(backend: Backend) {
    let app = spawn_app_with(backend, |settings| {
        settings.pool.max_size = 1;
        settings.pool.checkout_timeout = std::time::Duration::from_secs(1);
    })
    .await;
    let db = app.db.clone();
    let held = tokio::task::spawn_blocking(move || db.connection().unwrap())
        .await
        .unwrap();

    let response = app.get("/readyz").await;
    assert_eq!(response.headers()["retry-after"], "5");
    let problem = assert_problem(response, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(
        problem["type"],
        "urn:problem:portfolio-registry:database-unavailable"
    );

    drop(held);
    let (status, _) = app.get_json("/readyz").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the pool recovers once the connection is back"
    );
}

on_both_backends!(
    liveness_answers_ok,
    readiness_answers_when_the_database_does,
    readiness_is_503_when_no_connection_can_be_had,
);
