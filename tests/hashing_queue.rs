//! The password hashing queue is one per process: flooding it here, in a test binary of
//! its own, cannot make another test's login wait or fail.
// The shared helpers serve many tests; this binary uses a few of them.
#![allow(dead_code, unused_macros)]

#[path = "api/helpers.rs"]
mod helpers;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Backend, spawn_app};

/// A storm of password checks beyond the hashing queue is answered 503 with Retry-After
/// at once, never a 500 and never a wait behind the storm.
async fn a_full_hashing_queue_answers_503(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut attempts = tokio::task::JoinSet::new();
    for n in 0..80 {
        let (client, address) = (app.client.clone(), app.address.clone());
        attempts.spawn(async move {
            client
                .post(format!("{address}/api/v1/auth/login"))
                .json(&json!({"username": format!("nobody-{n}"), "password": "not anyone's password"}))
                .send()
                .await
                .unwrap()
        });
    }
    let answers = attempts.join_all().await;
    let mut busy = 0;
    for answer in answers {
        match answer.status() {
            StatusCode::SERVICE_UNAVAILABLE => {
                assert!(answer.headers().contains_key("retry-after"));
                busy += 1;
            }
            StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert!(busy > 0, "80 checks at once overflow a queue of 32");
    // The refused checks never ran and the accepted ones (at most 32) end within a few
    // seconds: wait for them, so that the next app's own first login is heard.
    tokio::time::sleep(std::time::Duration::from_secs(8)).await;
}

/// One backend after the other: two floods at once would refuse the second app's own
/// first login.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_hashing_queue_answers_503_on_both_backends() {
    a_full_hashing_queue_answers_503(Backend::Sqlite).await;
    match Backend::postgres() {
        Some(backend) => a_full_hashing_queue_answers_503(backend).await,
        None => eprintln!("TEST_DATABASE_URL is not set: PostgreSQL half not run"),
    }
}
