use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{Backend, spawn_app};

const COMMITTED: &str = include_str!("../../openapi/openapi.json");

/// The committed contract is what the code generates. When this fails after a deliberate
/// change to the API, regenerate it: `cargo run -- openapi > openapi/openapi.json`.
#[test]
fn the_committed_contract_matches_the_code() {
    let generated = portfolio_registry::openapi::document();
    assert!(
        generated == COMMITTED,
        "openapi/openapi.json is stale: run `cargo run -- openapi > openapi/openapi.json` and commit it"
    );
}

/// Found by openapi-spec-validator: operation ids must be unique across the contract.
#[test]
fn every_operation_has_its_own_id() {
    let contract: Value = serde_json::from_str(COMMITTED).unwrap();
    let mut ids = std::collections::HashSet::new();
    for operations in contract["paths"].as_object().unwrap().values() {
        for operation in operations.as_object().unwrap().values() {
            let id = operation["operationId"]
                .as_str()
                .expect("every operation has an id");
            assert!(ids.insert(id.to_owned()), "operationId {id} is used twice");
        }
    }
}

/// Every string query parameter says that it may not be empty, as the service refuses an
/// empty value with a 422 (`projects` and `audit` test each one): `minLength: 1`, a format,
/// or a pattern of its own (the pattern every string gets, no NUL, allows "").
#[test]
fn every_string_query_parameter_refuses_the_empty_string() {
    let contract: Value = serde_json::from_str(COMMITTED).unwrap();
    for (path, operations) in contract["paths"].as_object().unwrap() {
        for operation in operations.as_object().unwrap().values() {
            let Some(parameters) = operation["parameters"].as_array() else {
                continue;
            };
            for parameter in parameters {
                let schema = &parameter["schema"];
                if parameter["in"] != "query" || schema["type"] != "string" {
                    continue;
                }
                let refuses_empty = schema["minLength"].as_u64().is_some_and(|n| n >= 1)
                    || schema["format"].is_string()
                    || schema["pattern"]
                        .as_str()
                        .is_some_and(|pattern| pattern != "^[^\\u0000]*$");
                assert!(refuses_empty, "{path} {}: {schema}", parameter["name"]);
            }
        }
    }
}

async fn the_contract_is_served_as_committed(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, served) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let committed: Value = serde_json::from_str(COMMITTED).unwrap();
    assert_eq!(served, committed);
    assert!(served["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/v1/plans/{code}/categories",
        "/api/v1/projects",
        "/api/v1/projects/{id}",
        "/readyz",
    ] {
        assert!(served["paths"][path].is_object(), "{path} is documented");
    }
}

on_both_backends!(the_contract_is_served_as_committed);

async fn the_docs_page_is_served_with_no_external_host(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let redirect = client
        .get(format!("{}/docs", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(redirect.headers()["location"], "/docs/");

    let page = app
        .client
        .get(format!("{}/docs/", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"));
    for asset in [
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "swagger-initializer.js",
    ] {
        assert!(html.contains(asset), "{asset}");
        let response = app
            .client
            .get(format!("{}/docs/{asset}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{asset} is served by the service"
        );
    }
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external host in the page"
    );
    let initializer = app
        .client
        .get(format!("{}/docs/swagger-initializer.js", app.address))
        .send()
        .await
        .unwrap();
    let initializer = initializer.text().await.unwrap();
    assert!(initializer.contains("/api/openapi.json"));
    assert!(
        !initializer.contains("http://") && !initializer.contains("https://"),
        "{initializer}"
    );
}

on_both_backends!(the_docs_page_is_served_with_no_external_host);
