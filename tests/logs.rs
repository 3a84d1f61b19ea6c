//! What a hostile client can put into the service's log: nothing that forges a line, moves
//! a terminal's cursor or makes a line without bound, in text and JSON logs alike. Runs the
//! built binary and reads what it writes to stderr.

use std::{
    io::Read,
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::Duration,
};

use serde_json::{Value, json};

const FORGED: &str = "2026-01-01T00:00:00.000000Z  INFO portfolio_registry: admin login succeeded";
/// The longest line either format may write for the requests below.
const LONGEST_LINE: usize = 8 * 1024;

struct Service {
    child: Child,
    /// Reads stderr as it is written: a full pipe would stall the service.
    log: std::thread::JoinHandle<String>,
    address: String,
    _dir: tempfile::TempDir,
}

fn start(log_format: &str) -> Service {
    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_portfolio-registry"))
        .env_clear()
        .env("DATABASE_URL", dir.path().join("registry.db"))
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("JWT_SECRET", "log-test-secret-of-at-least-32-bytes")
        .env("ADMIN_PASSWORD", "log-test-admin-passphrase")
        .env("LOG_FORMAT", log_format)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let log = std::thread::spawn(move || {
        let mut log = String::new();
        stderr.read_to_string(&mut log).unwrap();
        log
    });
    Service {
        child,
        log,
        address: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    }
}

/// Sends what the hostile tester sent, then stops the service and returns its log.
async fn hostile_requests_then_the_log(log_format: &str) -> String {
    let mut service = start(log_format);
    let client = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..600 {
        if let Ok(response) = client
            .get(format!("{}/readyz", service.address))
            .send()
            .await
        {
            ready = response.status().is_success();
            if ready {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "the service did not start");
    let forging = format!("eve\n{FORGED}\u{1b}]0;pwned\u{7}\u{1b}[2J");
    let huge = "u".repeat(200 * 1024);
    for username in [forging.as_str(), huge.as_str()] {
        let response = client
            .post(format!("{}/api/v1/auth/login", service.address))
            .json(&json!({"username": username, "password": "whatever it is"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
    }
    let long_path = format!("{}/api/v1/projects/{}", service.address, "p".repeat(10_000));
    client.get(long_path).send().await.unwrap();
    service.child.kill().unwrap();
    service.child.wait().unwrap();
    service.log.join().unwrap()
}

fn assert_nothing_forged(log: &str) {
    assert!(log.contains("login failed"), "{log}");
    assert!(!log.contains('\u{1b}'), "a terminal escape reached the log");
    assert!(!log.contains('\u{7}'), "a bell reached the log");
    for line in log.lines() {
        assert!(!line.starts_with(FORGED), "forged line: {line}");
        assert!(line.len() <= LONGEST_LINE, "a line of {} bytes", line.len());
    }
}

#[tokio::test]
async fn a_hostile_username_forges_no_text_log_line() {
    let log = hostile_requests_then_the_log("text").await;
    assert_nothing_forged(&log);
    assert!(log.contains(r"eve\u{a}2026-01-01"), "{log}");
}

#[tokio::test]
async fn a_hostile_username_forges_no_json_log_line() {
    let log = hostile_requests_then_the_log("json").await;
    assert_nothing_forged(&log);
    for line in log.lines() {
        let entry: Value = serde_json::from_str(line).unwrap_or_else(|_| panic!("{line}"));
        assert!(entry.is_object());
    }
}
