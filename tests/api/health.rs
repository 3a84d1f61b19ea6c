use std::time::{Duration, Instant};

use diesel::{Connection, PgConnection, RunQueryDsl};
use portfolio_registry::db::DatabaseUrl;
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

/// The `healthcheck` command a container's HEALTHCHECK runs: exit 0 while the service on
/// BIND is ready, non-zero when nothing answers there.
async fn the_healthcheck_command_succeeds_only_while_the_service_is_ready(backend: Backend) {
    let app = spawn_app(backend).await;
    let healthcheck = |bind: String| {
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_portfolio-registry"))
                .arg("healthcheck")
                .env("BIND", bind)
                .env("DATABASE_URL", "/nonexistent/unused.db")
                .output()
                .unwrap()
        })
    };
    let serving = app.address.trim_start_matches("http://").to_owned();
    let ready = healthcheck(serving).await.unwrap();
    assert!(ready.status.success(), "{ready:?}");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nobody = closed.local_addr().unwrap().to_string();
    drop(closed);
    let down = healthcheck(nobody).await.unwrap();
    assert!(!down.status.success(), "{down:?}");
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

/// The pool does not test a connection before each use (a round trip per request), so a
/// connection the server dropped fails the request that finds it, with a 503, and is then
/// replaced: the next request succeeds. (PostgreSQL only: a SQLite file is never dropped.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_the_server_dropped_fails_one_request_and_is_replaced() {
    let Some(backend) = Backend::postgres() else {
        return eprintln!("TEST_DATABASE_URL is not set: not run");
    };
    let app = spawn_app_with(backend, |settings| settings.pool.max_size = 1).await;
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
    let DatabaseUrl::Postgres(url) = app.settings.database_url.clone() else {
        unreachable!("a PostgreSQL test database")
    };
    tokio::task::spawn_blocking(move || {
        let mut admin = PgConnection::establish(&url).unwrap();
        diesel::sql_query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .execute(&mut admin)
        .unwrap();
    })
    .await
    .unwrap();

    let problem = assert_problem(app.get("/readyz").await, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(
        problem["type"],
        "urn:problem:portfolio-registry:database-unavailable"
    );
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
}

/// Runs `sql` as the server's administrator (on its own database, not the test's).
async fn as_administrator(server_url: &str, sql: String) {
    let server_url = server_url.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut admin = PgConnection::establish(&server_url).unwrap();
        diesel::sql_query(sql).execute(&mut admin).unwrap();
    })
    .await
    .unwrap();
}

/// A PostgreSQL restart under load once held a request 4.6 s: the whole checkout wait, for
/// a connection that could not be opened. While the database cannot be reached, a request
/// answers 503 with `Retry-After` in about a second, however long the checkout timeout;
/// once it is back, the service answers again by itself. (PostgreSQL only: the test's
/// database refuses connections for a while; the shared server keeps running.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_the_database_is_unreachable_requests_answer_503_at_once_and_then_recover() {
    let Some(backend) = Backend::postgres() else {
        return eprintln!("TEST_DATABASE_URL is not set: not run");
    };
    let Backend::Postgres(server_url) = backend.clone() else {
        unreachable!("a PostgreSQL backend")
    };
    let app = spawn_app_with(backend, |settings| {
        settings.pool.checkout_timeout = Duration::from_secs(10);
    })
    .await;
    assert_eq!(app.get("/api/v1/projects").await.status(), StatusCode::OK);
    let DatabaseUrl::Postgres(url) = app.settings.database_url.clone() else {
        unreachable!("a PostgreSQL test database")
    };
    let name = url.rsplit('/').next().unwrap().split('?').next().unwrap();

    as_administrator(
        &server_url,
        format!("ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false"),
    )
    .await;
    as_administrator(
        &server_url,
        format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ),
    )
    .await;
    // More requests than the pool has connections: the first ones may find a connection
    // the server ended (a 503 at once); the later ones must open one.
    for path in ["/readyz", "/api/v1/projects"].repeat(4) {
        let started = Instant::now();
        let response = app.get(path).await;
        let waited = started.elapsed();
        assert_eq!(response.headers()["retry-after"], "5", "{path}");
        let problem = assert_problem(response, StatusCode::SERVICE_UNAVAILABLE).await;
        assert_eq!(
            problem["type"],
            "urn:problem:portfolio-registry:database-unavailable"
        );
        assert!(
            waited < Duration::from_secs(5),
            "{path} answered after {waited:?}; the checkout timeout is 10 s"
        );
    }

    as_administrator(
        &server_url,
        format!("ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true"),
    )
    .await;
    let back = Instant::now();
    while app.get("/readyz").await.status() != StatusCode::OK {
        assert!(
            back.elapsed() < Duration::from_secs(30),
            "the service did not recover once the database was back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(app.get("/api/v1/projects").await.status(), StatusCode::OK);
}

on_both_backends!(
    liveness_answers_ok,
    readiness_answers_when_the_database_does,
    the_healthcheck_command_succeeds_only_while_the_service_is_ready,
    readiness_is_503_when_no_connection_can_be_had,
);
