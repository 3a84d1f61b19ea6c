//! The console's session: a cookie that is HttpOnly and SameSite=Strict, a CSRF token on
//! every change, ended by logout, by a password change and by idleness; and its page,
//! served with a strict Content-Security-Policy.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{ADMIN_PASSWORD, Backend, TestApp, assert_problem, spawn_app, spawn_app_with};

/// A signed-in console: its cookie and CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

async fn sign_in(
    app: &TestApp,
    username: &str,
    password: &str,
) -> (reqwest::Response, Option<Session>) {
    let response = app
        .client
        .post(format!("{}/console/session", app.address))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    let cookie = response
        .headers()
        .get("set-cookie")
        .map(|value| value.to_str().unwrap().to_owned());
    (
        response,
        cookie.map(|cookie| Session {
            cookie,
            csrf: String::new(),
        }),
    )
}

async fn admin_session(app: &TestApp) -> Session {
    let (response, session) = sign_in(app, "admin", ADMIN_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let mut session = session.expect("a session cookie");
    session.csrf = body["csrf_token"].as_str().unwrap().to_owned();
    session
}

impl Session {
    /// The `name=value` part of the Set-Cookie header.
    fn pair(&self) -> &str {
        self.cookie.split(';').next().unwrap()
    }

    async fn send(
        &self,
        app: &TestApp,
        method: Method,
        path: &str,
        csrf: Option<&str>,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = app
            .client
            .request(method, format!("{}{path}", app.address))
            .header("cookie", self.pair());
        if let Some(csrf) = csrf {
            request = request.header("x-csrf-token", csrf);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }
}

async fn the_session_cookie_is_http_only_and_same_site_strict(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = admin_session(&app).await;
    let attributes: Vec<&str> = session.cookie.split(';').map(str::trim).collect();
    assert!(attributes[0].starts_with("registry_session="));
    assert!(attributes.contains(&"HttpOnly"), "{}", session.cookie);
    assert!(
        attributes.contains(&"SameSite=Strict"),
        "{}",
        session.cookie
    );
    assert!(attributes.contains(&"Path=/"), "{}", session.cookie);
    assert!(session.csrf.len() >= 40);
}

async fn a_session_reads_the_api_like_a_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = admin_session(&app).await;
    let me = session
        .send(&app, Method::GET, "/api/v1/me", None, None)
        .await;
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(me.headers()["cache-control"], "no-store");
    let current = session
        .send(&app, Method::GET, "/console/session", None, None)
        .await;
    let body: Value = current.json().await.unwrap();
    assert_eq!(body["user"]["username"], "admin");
    assert_eq!(body["csrf_token"], session.csrf.as_str());
}

/// A change sent with the cookie alone (what a forged cross-site form would send) is
/// refused and changes nothing; with the session's CSRF token it goes through.
async fn a_change_without_the_csrf_token_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = admin_session(&app).await;
    let organization = json!({"name": "县水利局", "kind": "department"});
    let before = app.audit_count().await;
    for csrf in [None, Some("not-the-token")] {
        let refused = session
            .send(
                &app,
                Method::POST,
                "/api/v1/organizations",
                csrf,
                Some(organization.clone()),
            )
            .await;
        assert_problem(refused, StatusCode::FORBIDDEN).await;
    }
    assert_eq!(app.audit_count().await, before);
    let accepted = session
        .send(
            &app,
            Method::POST,
            "/api/v1/organizations",
            Some(&session.csrf),
            Some(organization),
        )
        .await;
    assert_eq!(accepted.status(), StatusCode::CREATED);
}

async fn logout_ends_the_session_on_the_server(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = admin_session(&app).await;
    let out = session
        .send(
            &app,
            Method::DELETE,
            "/console/session",
            Some(&session.csrf),
            None,
        )
        .await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert!(
        out.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    // A copy of the cookie kept elsewhere opens nothing now.
    let after = session
        .send(&app, Method::GET, "/api/v1/me", None, None)
        .await;
    assert_problem(after, StatusCode::UNAUTHORIZED).await;
}

async fn a_password_change_ends_the_users_sessions(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = admin_session(&app).await;
    let change =
        json!({"current_password": ADMIN_PASSWORD, "new_password": "a brand new passphrase"});
    let changed = app
        .post("/api/v1/me/password", &app.admin_token, change)
        .await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    let after = session
        .send(&app, Method::GET, "/api/v1/me", None, None)
        .await;
    assert_problem(after, StatusCode::UNAUTHORIZED).await;
}

async fn an_idle_session_ends(backend: Backend) {
    let app = spawn_app_with(backend, |settings| {
        settings.session_idle = std::time::Duration::from_secs(60);
    })
    .await;
    let session = admin_session(&app).await;
    // Two minutes pass without a request.
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        use diesel::{ExpressionMethods, RunQueryDsl};
        use portfolio_registry::db::schema::console_sessions;
        let mut conn = db.connection().unwrap();
        let earlier = portfolio_registry::db::now() - chrono::Duration::minutes(2);
        diesel::update(console_sessions::table)
            .set(console_sessions::last_seen_at.eq(earlier))
            .execute(&mut conn)
            .unwrap();
    })
    .await
    .unwrap();
    let after = session
        .send(&app, Method::GET, "/api/v1/me", None, None)
        .await;
    assert_problem(after, StatusCode::UNAUTHORIZED).await;
}

async fn a_wrong_password_at_the_console_is_throttled_like_the_api(backend: Backend) {
    let app = spawn_app(backend).await;
    for _ in 0..5 {
        let (response, session) = sign_in(&app, "admin", "not the admin passphrase").await;
        assert_problem(response, StatusCode::UNAUTHORIZED).await;
        assert!(session.is_none());
    }
    let (blocked, _) = sign_in(&app, "admin", ADMIN_PASSWORD).await;
    assert_problem(blocked, StatusCode::TOO_MANY_REQUESTS).await;
}

async fn the_console_page_allows_no_inline_script_and_no_framing(backend: Backend) {
    let app = spawn_app(backend).await;
    let page = app
        .client
        .get(format!("{}/", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(
        !policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"),
        "{policy}"
    );
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    let html = page.text().await.unwrap();
    assert!(html.contains("lang=\"zh-CN\""));
    assert!(!html.contains("<script>"), "no inline script");
    for asset in ["app.js", "app.css", "echarts.min.js"] {
        let response = app
            .client
            .get(format!("{}/console/assets/{asset}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
    }
}

on_both_backends!(
    the_session_cookie_is_http_only_and_same_site_strict,
    a_session_reads_the_api_like_a_token,
    a_change_without_the_csrf_token_is_refused,
    logout_ends_the_session_on_the_server,
    a_password_change_ends_the_users_sessions,
    an_idle_session_ends,
    a_wrong_password_at_the_console_is_throttled_like_the_api,
    the_console_page_allows_no_inline_script_and_no_framing,
);
