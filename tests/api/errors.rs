use reqwest::StatusCode;

use crate::helpers::{Backend, assert_problem, spawn_app};

async fn an_unknown_route_is_a_404_problem(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in ["/nowhere", "/api/v1/nothing", "/api/v2/projects"] {
        let problem = assert_problem(app.get(path).await, StatusCode::NOT_FOUND).await;
        assert_eq!(
            problem["type"], "urn:problem:portfolio-registry:not-found",
            "{path}"
        );
    }
}

async fn a_wrong_method_is_a_405_problem(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app
        .client
        .delete(format!("{}/api/v1/plans", app.address))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, StatusCode::METHOD_NOT_ALLOWED).await;
    assert_eq!(
        problem["type"],
        "urn:problem:portfolio-registry:method-not-allowed"
    );
}

async fn every_response_carries_a_request_id_and_echoes_a_sane_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let generated = app.get("/healthz").await;
    let id = generated.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");

    let echoed = app
        .client
        .get(format!("{}/healthz", app.address))
        .header("x-request-id", "trace-42")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "trace-42");

    let replaced = app
        .client
        .get(format!("{}/healthz", app.address))
        .header("x-request-id", "a b <script>")
        .send()
        .await
        .unwrap();
    assert_ne!(replaced.headers()["x-request-id"], "a b <script>");
}

/// A client's `X-Request-Id` is recorded beside the server's own id, never instead of it:
/// two writes with the same client id stay two requests in the trail.
async fn a_clients_request_id_is_kept_beside_the_servers_in_the_audit(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut recorded = Vec::new();
    for name in ["县测试部门甲", "县测试部门乙"] {
        let created: serde_json::Value = app
            .client
            .post(format!("{}/api/v1/organizations", app.address))
            .bearer_auth(&app.admin_token)
            .header("x-request-id", "trace-42")
            .json(&serde_json::json!({"name": name, "kind": "department"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = created["id"].as_str().unwrap();
        let (_, trail) = app
            .get_json(&format!(
                "/api/v1/audit?entity_type=organization&entity_id={id}"
            ))
            .await;
        recorded.push(trail["items"][0]["request_id"].as_str().unwrap().to_owned());
    }
    for id in &recorded {
        let (server, client) = id.split_once(' ').unwrap();
        assert!(uuid::Uuid::parse_str(server).is_ok(), "{id}");
        assert_eq!(client, "client:trace-42");
    }
    assert_ne!(recorded[0], recorded[1]);
}

/// A cursor edited to hold a time no database stores (chrono's range is wider than
/// PostgreSQL's) is a 422 on both backends, never a 500.
async fn a_cursor_with_an_out_of_range_time_is_422(backend: Backend) {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let app = spawn_app(backend).await;
    let (_, page) = app
        .get_json("/api/v1/projects?sort=updated_at&limit=1")
        .await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let mut position: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(cursor).unwrap()).unwrap();
    fn replace_times(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(text)
                if chrono::DateTime::parse_from_rfc3339(text).is_ok() =>
            {
                *text = "-262143-01-01T00:00:00Z".to_owned();
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(replace_times),
            serde_json::Value::Object(members) => members.values_mut().for_each(replace_times),
            _ => {}
        }
    }
    replace_times(&mut position);
    let forged = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&position).unwrap());
    assert_ne!(forged, cursor, "the cursor held a time");
    let response = app
        .get(&format!(
            "/api/v1/projects?sort=updated_at&limit=1&cursor={forged}"
        ))
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(crate::helpers::invalid_fields(&problem), ["cursor"]);
}

on_both_backends!(
    an_unknown_route_is_a_404_problem,
    a_wrong_method_is_a_405_problem,
    every_response_carries_a_request_id_and_echoes_a_sane_one,
    a_clients_request_id_is_kept_beside_the_servers_in_the_audit,
    a_cursor_with_an_out_of_range_time_is_422,
);

/// Found by schemathesis on PostgreSQL (which cannot store or compare U+0000): such input
/// is refused on both backends before it reaches the database.
async fn text_with_a_nul_character_is_refused_not_a_server_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let problem = assert_problem(
        app.get("/api/v1/projects?q=a%00b").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(crate::helpers::invalid_fields(&problem), ["q"]);
    let body = serde_json::json!({"name": "部门\u{0}", "kind": "department"});
    let response = app
        .post("/api/v1/organizations", &app.admin_token, body)
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(crate::helpers::invalid_fields(&problem), ["name"]);
    assert_problem(app.get("/api/v1/plans/a%00b").await, StatusCode::NOT_FOUND).await;
    let login = serde_json::json!({"username": "ad\u{0}min", "password": "whatever whatever"});
    let response = app
        .request(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            None,
            Some(login),
        )
        .await;
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
}

on_both_backends!(text_with_a_nul_character_is_refused_not_a_server_error);

/// Observed: a client trickling one byte every two seconds held its connection for as long
/// as it liked. The body must arrive within the configured time; 408 after it.
async fn a_body_trickled_byte_by_byte_is_cut_off_with_408(backend: Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = crate::helpers::spawn_app_with(backend, |settings| {
        settings.body_timeout = std::time::Duration::from_secs(1);
    })
    .await;
    let host = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    let mut buffer = [0_u8; 4096];
    loop {
        tokio::select! {
            read = stream.read(&mut buffer) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
            },
            () = tokio::time::sleep(std::time::Duration::from_millis(300)) => {
                assert!(started.elapsed().as_secs() < 10, "still reading after 10 s");
                // Ignored once the server has closed its side.
                drop(stream.write_all(b"{").await);
            }
        }
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(answer.contains("request-timeout"), "{answer}");
}
on_both_backends!(a_body_trickled_byte_by_byte_is_cut_off_with_408);

/// A client that prefers Chinese reads problems in Chinese; the `type` codes and field
/// names stay, and a client that does not ask reads English as before.
async fn problems_are_in_chinese_when_the_client_prefers_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let missing = format!("/api/v1/projects/{}", uuid::Uuid::new_v4());
    let ask = |path: String, language: Option<&'static str>| {
        let app = &app;
        async move {
            let mut request = app
                .client
                .get(format!("{}{path}", app.address))
                .bearer_auth(&app.admin_token);
            if let Some(language) = language {
                request = request.header("accept-language", language);
            }
            request.send().await.unwrap()
        }
    };
    let chinese = ask(missing.clone(), Some("zh-CN,zh;q=0.9,en;q=0.8")).await;
    assert_eq!(chinese.headers()["content-language"], "zh-CN");
    assert_eq!(chinese.headers()["vary"], "Accept-Language");
    let problem = assert_problem(chinese, StatusCode::NOT_FOUND).await;
    assert_eq!(problem["type"], "urn:problem:portfolio-registry:not-found");
    assert_eq!(problem["title"], "不存在");
    assert_eq!(problem["detail"], "项目不存在");
    let invalid = ask("/api/v1/projects?limit=0".to_owned(), Some("zh")).await;
    let problem = assert_problem(invalid, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem["title"], "输入有误");
    assert_eq!(problem["errors"][0]["field"], "limit");
    assert_eq!(problem["errors"][0]["message"], "须为 1 到 200 的整数");
    for language in [None, Some("en-US,zh;q=0.5")] {
        let english = ask(missing.clone(), language).await;
        let problem = assert_problem(english, StatusCode::NOT_FOUND).await;
        assert_eq!(problem["title"], "Not found");
    }
}

on_both_backends!(problems_are_in_chinese_when_the_client_prefers_it);
