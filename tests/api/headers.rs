//! Security headers: no sniffing, no referrer, no framing, nothing stored that a
//! credential fetched.

use reqwest::{Method, StatusCode, header};

use crate::helpers::{Backend, spawn_app};

async fn every_answer_forbids_sniffing_referrers_and_framing(backend: Backend) {
    let app = spawn_app(backend).await;
    for (path, token) in [
        ("/healthz", None),
        ("/api/v1/projects?limit=1", Some(app.admin_token.as_str())),
        ("/api/v1/projects?limit=1", None),
        ("/api/v1/no-such-thing", None),
    ] {
        let response = app.request(Method::GET, path, token, None).await;
        let headers = response.headers();
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer", "{path}");
        let policy = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            policy.contains("frame-ancestors 'none'"),
            "{path}: {policy}"
        );
    }
}

/// An answer to a request with credentials is not kept by any cache, unless the handler
/// chose otherwise (the open data package is revalidated instead).
async fn authenticated_answers_are_never_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    let listed = app.get("/api/v1/projects?limit=1").await;
    assert_eq!(listed.status(), StatusCode::OK);
    assert_eq!(listed.headers()[header::CACHE_CONTROL], "no-store");
    let refused = app
        .request(Method::GET, "/api/v1/users", Some("not-a-token"), None)
        .await;
    assert_eq!(refused.headers()[header::CACHE_CONTROL], "no-store");
    let package = app.get("/api/v1/plans/yunyang-eco-2021-2025/oc4ids").await;
    assert_eq!(
        package.headers()[header::CACHE_CONTROL],
        "private, no-cache"
    );
}

/// The Swagger UI runs its own scripts only and cannot be framed.
async fn the_docs_page_has_a_content_security_policy(backend: Backend) {
    let app = spawn_app(backend).await;
    let page = app.request(Method::GET, "/docs/", None, None).await;
    assert_eq!(page.status(), StatusCode::OK);
    let policy = page.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.contains("script-src 'self'")
            && !policy.contains("script-src 'self' 'unsafe-inline'")
    );
    assert!(policy.contains("frame-ancestors 'none'"));
    let html = page.text().await.unwrap();
    assert!(
        !html.contains("<script>") && !html.contains("<script type=\"text/javascript\">"),
        "an inline script would not run under the policy"
    );
}

/// Thousands of unknown parameters get a short answer: at most 50 field errors.
async fn a_validation_answer_lists_a_bounded_number_of_errors(backend: Backend) {
    let app = spawn_app(backend).await;
    let query: Vec<String> = (0..500).map(|n| format!("unknown{n}=1")).collect();
    let response = app
        .get(&format!("/api/v1/projects?{}", query.join("&")))
        .await;
    let problem = crate::helpers::assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem["errors"].as_array().unwrap().len(), 50);
}

on_both_backends!(
    a_validation_answer_lists_a_bounded_number_of_errors,
    every_answer_forbids_sniffing_referrers_and_framing,
    authenticated_answers_are_never_stored,
    the_docs_page_has_a_content_security_policy,
);
