//! Login throttling that slows an attacker without locking the rightful user out (README,
//! "Login throttling"). The test server is reached from 127.0.0.1; where a test trusts it
//! as a proxy, `X-Forwarded-For` plays the clients at other addresses.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{
    ADMIN_PASSWORD, Backend, PASSWORD, TestApp, assert_problem, created, spawn_app, spawn_app_with,
};
use portfolio_registry::config::TrustedProxies;

const WRONG: &str = "not the right passphrase";

/// The test server, trusting its own loopback address as a reverse proxy.
async fn behind_a_proxy(backend: Backend) -> TestApp {
    spawn_app_with(backend, |settings| {
        settings.trusted_proxies = TrustedProxies::parse("127.0.0.1").unwrap();
    })
    .await
}

/// Logs in with `X-Forwarded-For: forwarded_for` when given.
async fn login_from(
    app: &TestApp,
    forwarded_for: Option<&str>,
    username: &str,
    password: &str,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(format!("{}/api/v1/auth/login", app.address))
        .json(&json!({"username": username, "password": password}));
    if let Some(forwarded_for) = forwarded_for {
        request = request.header("x-forwarded-for", forwarded_for);
    }
    request.send().await.unwrap()
}

async fn fail_from(app: &TestApp, forwarded_for: Option<&str>, username: &str) {
    let response = login_from(app, forwarded_for, username, WRONG).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

/// Observed: five wrong passwords from five addresses made the right one from a sixth
/// answer 429 for 15 minutes.
async fn five_failures_from_five_addresses_leave_the_owner_a_sixth(backend: Backend) {
    let app = behind_a_proxy(backend).await;
    for n in 1..=5 {
        fail_from(&app, Some(&format!("203.0.113.{n}")), "admin").await;
    }
    let owner = login_from(&app, Some("203.0.113.6"), "admin", ADMIN_PASSWORD).await;
    assert_eq!(owner.status(), StatusCode::OK);
}

/// Guessing one account from many addresses makes new addresses wait, while the owner, at
/// an address they signed in from before, still signs in.
async fn guessing_one_account_from_many_addresses_slows_new_addresses_not_the_owner(
    backend: Backend,
) {
    let app = behind_a_proxy(backend).await;
    for n in 1..=10 {
        fail_from(&app, Some(&format!("203.0.113.{n}")), "admin").await;
    }
    let stranger = login_from(&app, Some("203.0.113.99"), "admin", ADMIN_PASSWORD).await;
    assert!(stranger.headers().contains_key("retry-after"));
    assert_problem(stranger, StatusCode::TOO_MANY_REQUESTS).await;
    // The test app signed in as admin from 127.0.0.1 when it started.
    let owner = login_from(&app, None, "admin", ADMIN_PASSWORD).await;
    assert_eq!(owner.status(), StatusCode::OK);
}

/// Observed: twenty failures from one address blocked every account from that address:
/// behind a reverse proxy, every user at once. Colleagues who signed in there before still
/// do; an account never used from there waits (password spraying is slowed).
async fn failures_from_a_shared_address_do_not_lock_out_colleagues(backend: Backend) {
    let app = spawn_app(backend).await;
    let organization = app.add_organization("县生态环境局", "department").await;
    app.add_user("colleague", "department", &organization).await;
    let newcomer = app
        .post(
            "/api/v1/users",
            &app.admin_token,
            json!({"username": "newcomer", "password": PASSWORD, "role": "department", "organization_id": organization}),
        )
        .await;
    created(newcomer).await;
    for n in 0..20 {
        fail_from(&app, None, &format!("nobody-{n}")).await;
    }
    for (username, password) in [("admin", ADMIN_PASSWORD), ("colleague", PASSWORD)] {
        let response = login_from(&app, None, username, password).await;
        assert_eq!(response.status(), StatusCode::OK, "{username}");
    }
    let sprayed = login_from(&app, None, "newcomer", PASSWORD).await;
    assert_problem(sprayed, StatusCode::TOO_MANY_REQUESTS).await;
}

/// The pair of one username and one address waits after five failures, known or not: an
/// attacker sharing the owner's address guesses no faster than anyone.
async fn five_failures_from_one_address_make_that_pair_wait(backend: Backend) {
    let app = behind_a_proxy(backend).await;
    for _ in 0..5 {
        fail_from(&app, Some("198.51.100.7"), "admin").await;
    }
    let same = login_from(&app, Some("198.51.100.7"), "admin", ADMIN_PASSWORD).await;
    let wait: u64 = same.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    assert_problem(same, StatusCode::TOO_MANY_REQUESTS).await;
    let elsewhere = login_from(&app, None, "admin", ADMIN_PASSWORD).await;
    assert_eq!(elsewhere.status(), StatusCode::OK);
}

/// A client that is not a trusted proxy cannot choose its address with a header: its
/// failures count against its own address whatever `X-Forwarded-For` says.
async fn a_forwarded_for_header_from_an_untrusted_peer_is_ignored(backend: Backend) {
    let app = spawn_app(backend).await;
    for n in 1..=5 {
        fail_from(&app, Some(&format!("198.51.100.{n}")), "admin").await;
    }
    let spoofed = login_from(&app, Some("198.51.100.50"), "admin", ADMIN_PASSWORD).await;
    assert_problem(spoofed, StatusCode::TOO_MANY_REQUESTS).await;
}

/// Each failure past the limit doubles the wait, up to 15 minutes; nothing locks for good.
async fn waits_double_with_each_failure_past_the_limit(backend: Backend) {
    use portfolio_registry::db::login_throttle;
    let app = spawn_app(backend).await;
    let db = app.db.clone();
    let waits = tokio::task::spawn_blocking(move || {
        let mut conn = db.connection().unwrap();
        let at = portfolio_registry::db::now();
        (0..12)
            .map(|_| {
                login_throttle::record_failure(&mut conn, "pair:test", 5, at).unwrap();
                login_throttle::blocked_for(&mut conn, &["pair:test"], at).unwrap()
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    let expected: Vec<Option<u64>> = [None, None, None, None]
        .into_iter()
        .chain([30, 60, 120, 240, 480, 900, 900, 900].map(Some))
        .collect();
    assert_eq!(waits, expected);
}

on_both_backends!(
    five_failures_from_five_addresses_leave_the_owner_a_sixth,
    guessing_one_account_from_many_addresses_slows_new_addresses_not_the_owner,
    failures_from_a_shared_address_do_not_lock_out_colleagues,
    five_failures_from_one_address_make_that_pair_wait,
    a_forwarded_for_header_from_an_untrusted_peer_is_ignored,
    waits_double_with_each_failure_past_the_limit,
);
