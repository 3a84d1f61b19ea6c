//! Problem details in Chinese for clients that prefer it (`Accept-Language: zh…`): titles,
//! details and field messages are translated on the way out (`domain::messages`), so every
//! problem is covered, the framework's own included. `type` codes, field names and the
//! answer to clients that do not ask stay as they are.

use actix_web::{
    Error,
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::header::{self, HeaderValue},
    middleware::Next,
};
use serde_json::Value;

use crate::{domain::messages, error::PROBLEM_JSON};

pub async fn localize_problems(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let chinese = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(prefers_chinese);
    let mut response = next.call(request).await?.map_into_boxed_body();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes() == PROBLEM_JSON.as_bytes());
    if !is_problem {
        return Ok(response);
    }
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept-Language"));
    if !chinese {
        return Ok(response);
    }
    let (request, response) = response.into_parts();
    let (head, body) = response.into_parts();
    // Problem bodies are small JSON documents the service wrote itself.
    let bytes = actix_web::body::to_bytes(body)
        .await
        .map_err(|_| actix_web::error::ErrorInternalServerError("reading a problem body"))?;
    let body = match serde_json::from_slice::<Value>(&bytes) {
        Ok(mut problem) => {
            translate(&mut problem);
            serde_json::to_vec(&problem).unwrap_or_else(|_| bytes.to_vec())
        }
        Err(_) => bytes.to_vec(),
    };
    let mut response = head.set_body(body).map_into_boxed_body();
    response
        .headers_mut()
        .insert(header::CONTENT_LANGUAGE, HeaderValue::from_static("zh-CN"));
    Ok(ServiceResponse::new(request, response))
}

fn translate(problem: &mut Value) {
    let code = problem["type"]
        .as_str()
        .and_then(|kind| kind.rsplit(':').next())
        .unwrap_or_default()
        .to_owned();
    if let Some(title) = messages::title_zh(&code) {
        problem["title"] = Value::from(title);
    }
    if let Some(detail) = problem["detail"].as_str() {
        problem["detail"] = Value::from(messages::zh(detail));
    }
    // An import's row errors are written in Chinese already.
    if let Some(errors) = problem.get_mut("errors").and_then(Value::as_array_mut) {
        for error in errors {
            if let Some(message) = error["message"].as_str() {
                error["message"] = Value::from(messages::zh(message));
            }
        }
    }
}

/// Whether the language a client ranks highest (the first among equals) is Chinese.
fn prefers_chinese(accept_language: &str) -> bool {
    let mut best: Option<(f32, bool)> = None;
    for item in accept_language.split(',') {
        let mut parts = item.split(';').map(str::trim);
        let tag = parts.next().unwrap_or_default().to_ascii_lowercase();
        if tag.is_empty() || tag == "*" {
            continue;
        }
        let quality = parts
            .find_map(|part| part.strip_prefix("q="))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        if quality > 0.0 && best.is_none_or(|(top, _)| quality > top) {
            best = Some((quality, tag == "zh" || tag.starts_with("zh-")));
        }
    }
    best.is_some_and(|(_, chinese)| chinese)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_highest_ranked_language_decides() {
        for chinese in [
            "zh-CN",
            "zh",
            "zh-CN,zh;q=0.9,en;q=0.8",
            "en;q=0.5, zh-Hans",
        ] {
            assert!(prefers_chinese(chinese), "{chinese}");
        }
        for other in ["en", "en-US,zh;q=0.5", "*", "", "zh;q=0", "fr, zh"] {
            assert!(!prefers_chinese(other), "{other}");
        }
    }
}
