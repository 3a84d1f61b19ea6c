//! gzip when the client asks: reads of the API and its exports and static files, never a
//! workbook (a zip already), never an answer to a write, the console's page or session.

use std::io::Read;

use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

use crate::helpers::{Backend, PLAN, TestApp, spawn_app};

/// GET `path` as the plan office, asking for gzip: status, Content-Encoding and raw body.
async fn get_asking_for_gzip(app: &TestApp, path: &str) -> (StatusCode, Option<String>, Vec<u8>) {
    let response = app
        .client
        .get(format!("{}{path}", app.address))
        .bearer_auth(&app.admin_token)
        .header(header::ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    let status = response.status();
    let encoding = response
        .headers()
        .get(header::CONTENT_ENCODING)
        .map(|value| value.to_str().unwrap().to_owned());
    (status, encoding, response.bytes().await.unwrap().to_vec())
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut plain)
        .unwrap();
    plain
}

async fn a_list_is_gzipped_when_asked_and_reads_the_same(backend: Backend) {
    let app = spawn_app(backend).await;
    let path = format!("/api/v1/projects?plan={PLAN}&limit=100");
    let (status, encoding, body) = get_asking_for_gzip(&app, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(encoding.as_deref(), Some("gzip"));
    let unzipped: Value = serde_json::from_slice(&gunzip(&body)).unwrap();
    let (_, plain) = app.get_json(&path).await;
    assert_eq!(unzipped, plain);
    assert!(body.len() * 3 < serde_json::to_vec(&plain).unwrap().len());
}

async fn a_csv_export_is_gzipped_but_a_workbook_is_not(backend: Backend) {
    let app = spawn_app(backend).await;
    let csv = format!("/api/v1/projects/export?plan={PLAN}&format=csv");
    let (status, encoding, body) = get_asking_for_gzip(&app, &csv).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(encoding.as_deref(), Some("gzip"));
    assert!(String::from_utf8(gunzip(&body)).unwrap().contains("项目"));

    let xlsx = format!("/api/v1/projects/export?plan={PLAN}&format=xlsx");
    let (status, encoding, body) = get_asking_for_gzip(&app, &xlsx).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(encoding, None);
    assert_eq!(&body[..2], b"PK", "the workbook as it is");
}

async fn answers_to_writes_are_never_compressed(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app
        .client
        .request(Method::POST, format!("{}/api/v1/auth/login", app.address))
        .header(header::ACCEPT_ENCODING, "gzip")
        .json(&json!({"username": "admin", "password": crate::helpers::ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(header::CONTENT_ENCODING).is_none());
    let body: Value = response.json().await.unwrap();
    assert!(body["access_token"].is_string());
}

/// ECharts is a megabyte: the console's static files travel gzipped; its page and its
/// session (which carries the CSRF token) never do.
async fn console_files_are_gzipped_but_not_its_page_or_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, encoding, body) =
        get_asking_for_gzip(&app, "/console/assets/echarts.min.js").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(encoding.as_deref(), Some("gzip"));
    assert!(body.len() * 2 < gunzip(&body).len());
    for path in ["/", "/console/session"] {
        let (_, encoding, _) = get_asking_for_gzip(&app, path).await;
        assert_eq!(encoding, None, "{path}");
    }
}

async fn nothing_is_compressed_unless_asked(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app
        .request(
            Method::GET,
            &format!("/api/v1/projects?plan={PLAN}"),
            Some(&app.admin_token),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(header::CONTENT_ENCODING).is_none());
}

on_both_backends!(
    a_list_is_gzipped_when_asked_and_reads_the_same,
    a_csv_export_is_gzipped_but_a_workbook_is_not,
    answers_to_writes_are_never_compressed,
    console_files_are_gzipped_but_not_its_page_or_session,
    nothing_is_compressed_unless_asked,
);
