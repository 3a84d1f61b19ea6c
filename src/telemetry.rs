//! Logging, and the request context every log line of a request carries.

use std::{io::IsTerminal, time::Instant};

use actix_web::{
    Error, HttpMessage,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header::{HeaderName, HeaderValue},
    middleware::Next,
};
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

use crate::{
    config::LogFormat,
    logged::Logged,
    metrics::{self, METRICS},
};

/// Installs the global subscriber; `RUST_LOG` filters (default `info`).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours for a person at a terminal; a file or a collector gets plain text.
        .with_ansi(std::io::stderr().is_terminal());
    let installed = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    // Already installed (e.g. by another test) is fine.
    drop(installed);
}

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the request being served: a new uuid, and beside it the client's own
/// `X-Request-Id` when that is a short token (never instead of it: a client cannot make
/// two requests look like one in the audit). Audit entries and log lines carry it.
#[derive(Debug, Clone)]
pub struct RequestId {
    pub server: String,
    pub client: Option<String>,
}

impl RequestId {
    /// As the audit trail records it: `<uuid>`, or `<uuid> client:<the client's id>`.
    pub fn recorded(&self) -> String {
        match &self.client {
            Some(client) => format!("{} client:{client}", self.server),
            None => self.server.clone(),
        }
    }
}

fn acceptable_request_id(value: &HeaderValue) -> Option<String> {
    let text = value.to_str().ok()?;
    let ok = (1..=64).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    ok.then(|| text.to_owned())
}

/// Middleware: gives each request an id and a span, logs its outcome, and echoes the id.
pub async fn request_context(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = RequestId {
        server: uuid::Uuid::new_v4().to_string(),
        client: request
            .headers()
            .get(REQUEST_ID_HEADER)
            .and_then(acceptable_request_id),
    };
    // The client's own id is echoed back when it sent one, else the server's.
    let request_id = id.client.clone().unwrap_or_else(|| id.server.clone());
    let span = tracing::info_span!(
        "request",
        request_id = %id.server,
        client_request_id = id.client.as_deref().unwrap_or_default(),
        method = %Logged::request(request.method().as_str()),
        path = %Logged::request(request.path()),
    );
    request.extensions_mut().insert(id);
    let started = Instant::now();
    let (response, statements) =
        metrics::counting_statements(next.call(request).instrument(span.clone())).await;
    let mut response = response?;
    let status = response.status().as_u16();
    METRICS.answered(
        response
            .request()
            .match_pattern()
            .as_deref()
            .unwrap_or("unmatched"),
        response.request().method().as_str(),
        status,
        started.elapsed(),
        statements,
    );
    span.in_scope(|| {
        tracing::info!(
            status,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "served"
        );
    });
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    Ok(response)
}
