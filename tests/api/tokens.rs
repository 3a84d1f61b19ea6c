//! Tokens that must not work: every one is a 401 with a problem body.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, JWT_SECRET, TestApp, assert_problem, spawn_app};

/// The admin's id and token version, from its own valid token.
async fn admin_claims(app: &TestApp) -> Value {
    let payload = app.admin_token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn sign(claims: &Value, algorithm: Algorithm, secret: &[u8]) -> String {
    encode(
        &Header::new(algorithm),
        claims,
        &EncodingKey::from_secret(secret).unwrap(),
    )
    .unwrap()
}

/// Signed with HS512, which the service's own signer refuses to make: by hand.
fn signed_hs512(claims: &Value, secret: &[u8]) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS512","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let mut mac = Hmac::<sha2::Sha512>::new_from_slice(secret).unwrap();
    mac.update(format!("{header}.{payload}").as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{header}.{payload}.{signature}")
}

fn unsigned(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.")
}

async fn forged_expired_or_misdirected_tokens_are_401(backend: Backend) {
    let app = spawn_app(backend).await;
    let valid = admin_claims(&app).await;
    let now = chrono::Utc::now().timestamp();
    let with = |changes: Value| {
        let mut claims = valid.clone();
        for (key, value) in changes.as_object().unwrap() {
            claims[key] = value.clone();
        }
        claims
    };
    let secret = JWT_SECRET.as_bytes();
    let cases = [
        ("alg none", unsigned(&valid)),
        ("algorithm swap to HS512", signed_hs512(&valid, secret)),
        (
            "bad signature",
            sign(
                &valid,
                Algorithm::HS256,
                b"another-secret-of-thirty-two-bytes!!",
            ),
        ),
        (
            "expired",
            sign(
                &with(json!({"exp": now - 3600, "iat": now - 7200, "nbf": now - 7200})),
                Algorithm::HS256,
                secret,
            ),
        ),
        (
            "not yet valid",
            sign(&with(json!({"nbf": now + 3600})), Algorithm::HS256, secret),
        ),
        (
            "wrong audience",
            sign(
                &with(json!({"aud": "another-api"})),
                Algorithm::HS256,
                secret,
            ),
        ),
        (
            "wrong issuer",
            sign(
                &with(json!({"iss": "someone-else"})),
                Algorithm::HS256,
                secret,
            ),
        ),
        (
            "string exp",
            sign(
                &with(json!({"exp": (now + 3600).to_string()})),
                Algorithm::HS256,
                secret,
            ),
        ),
        ("no exp", {
            let mut claims = valid.clone();
            claims.as_object_mut().unwrap().remove("exp");
            sign(&claims, Algorithm::HS256, secret)
        }),
        (
            "unknown user",
            sign(
                &with(json!({"sub": uuid::Uuid::new_v4().to_string()})),
                Algorithm::HS256,
                secret,
            ),
        ),
        (
            "old token version",
            sign(&with(json!({"ver": 0})), Algorithm::HS256, secret),
        ),
        ("not a token", "garbage".to_owned()),
        (
            "unknown API key",
            "prk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_owned(),
        ),
    ];
    let control = app
        .request(
            Method::GET,
            "/api/v1/me",
            Some(&sign(&valid, Algorithm::HS256, secret)),
            None,
        )
        .await;
    assert_eq!(
        control.status(),
        StatusCode::OK,
        "a correctly signed copy works"
    );
    for (case, token) in cases {
        let response = app
            .request(Method::GET, "/api/v1/me", Some(&token), None)
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{case}");
        assert_problem(response, StatusCode::UNAUTHORIZED).await;
    }
}

async fn a_malformed_authorization_header_is_401(backend: Backend) {
    let app = spawn_app(backend).await;
    for value in [
        "Basic YWRtaW46YWRtaW4=",
        "Bearer",
        "Bearer ",
        &app.admin_token,
    ] {
        let response = app
            .client
            .get(format!("{}/api/v1/me", app.address))
            .header("authorization", value)
            .send()
            .await
            .unwrap();
        assert_problem(response, StatusCode::UNAUTHORIZED).await;
    }
}

on_both_backends!(
    forged_expired_or_misdirected_tokens_are_401,
    a_malformed_authorization_header_is_401
);
