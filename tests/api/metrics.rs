//! `/metrics`: off unless a scrape token is configured, then only for that token; requests
//! by route template with their latency, the pool, failed logins. The registry is one per
//! process and the tests run side by side, so counts are compared as "grew", not equal.

use portfolio_registry::auth::scrape::ScrapeToken;
use reqwest::{StatusCode, header};
use serde_json::json;

use crate::helpers::{Backend, TestApp, spawn_app, spawn_app_with};

const TOKEN: &str = "a-scrape-token-of-at-least-32-bytes";

async fn with_metrics(backend: Backend) -> TestApp {
    spawn_app_with(backend, |settings| {
        settings.metrics_token = Some(ScrapeToken::parse(TOKEN).unwrap());
    })
    .await
}

async fn scrape(app: &TestApp, token: Option<&str>) -> (StatusCode, String, String) {
    let mut request = app.client.get(format!("{}/metrics", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

/// The value of the sample whose line starts with `series` (name and labels), or 0.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |value| value.parse().unwrap())
}

async fn metrics_are_off_unless_a_token_is_configured(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, _, _) = scrape(&app, Some(TOKEN)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn a_scrape_without_the_token_is_401(backend: Backend) {
    let app = with_metrics(backend).await;
    assert_eq!(scrape(&app, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        scrape(&app, Some("not-the-token-but-just-as-long-as-it"))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    // Nor does a user's token open it.
    let admin = app.admin_token.clone();
    assert_eq!(scrape(&app, Some(&admin)).await.0, StatusCode::UNAUTHORIZED);
}

async fn requests_are_counted_by_route_template_with_latency_and_statements(backend: Backend) {
    let app = with_metrics(backend).await;
    let series =
        r#"registry_http_requests_total{route="/api/v1/projects/{id}",method="GET",status="200"}"#;
    let before = sample(&scrape(&app, Some(TOKEN)).await.2, series);
    let project = app.project_named("洞鹿风电项目").await;
    let (status, _) = app
        .get_json(&format!(
            "/api/v1/projects/{}",
            project["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, StatusCode::OK);

    let (status, content_type, text) = scrape(&app, Some(TOKEN)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    assert!(sample(&text, series) > before, "{text}");
    assert!(
        !text.contains(project["id"].as_str().unwrap()),
        "a raw path never becomes a label"
    );
    let latency = r#"registry_http_request_duration_seconds_count{route="/api/v1/projects/{id}",method="GET"}"#;
    assert!(sample(&text, latency) >= 1.0, "{text}");
    assert!(sample(&text, "registry_db_statements_per_request_sum") >= 3.0);
    assert_eq!(sample(&text, "registry_db_pool_connections_max"), 4.0);
    assert!(sample(&text, "registry_db_pool_checkouts_total") >= 1.0);
    assert!(text.contains("registry_build_info{version=\""), "{text}");
    assert!(text.contains("registry_password_hashing_queue "), "{text}");
}

async fn failed_logins_are_counted(backend: Backend) {
    let app = with_metrics(backend).await;
    let before = sample(
        &scrape(&app, Some(TOKEN)).await.2,
        "registry_logins_failed_total",
    );
    let refused = app
        .client
        .post(format!("{}/api/v1/auth/login", app.address))
        .json(&json!({"username": "admin", "password": "not the password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let after = sample(
        &scrape(&app, Some(TOKEN)).await.2,
        "registry_logins_failed_total",
    );
    assert!(after > before, "{before} -> {after}");
}

on_both_backends!(
    metrics_are_off_unless_a_token_is_configured,
    a_scrape_without_the_token_is_401,
    requests_are_counted_by_route_template_with_latency_and_statements,
    failed_logins_are_counted,
);
