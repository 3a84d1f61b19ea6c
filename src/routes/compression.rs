//! Which answers are compressed (gzip, when the client asks): reads of the API, the JSON
//! and the CSV exports, and the console's and the docs' static files (ECharts is a
//! megabyte); not a workbook (.xlsx is a zip already), and never an answer to a write or
//! the console's page, which carry secrets (a new token or API key, the CSRF token) beside
//! what the client sent, the setting of a BREACH-style attack. actix-web's `Compress` does
//! the encoding; this decides whether it may.
//!
//! No brotli: its encoder would add more to the build than its few percent over gzip on
//! JSON are worth here.

use actix_web::{
    Error,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::{
        Method,
        header::{self, HeaderValue},
    },
    middleware::Next,
};

/// How a handler marks a body that is compressed already (`Content-Encoding: identity`
/// stops `Compress`; the marker is taken off again before the answer leaves).
pub const ALREADY_COMPRESSED: (header::HeaderName, HeaderValue) = (
    header::CONTENT_ENCODING,
    HeaderValue::from_static("identity"),
);

/// Runs outside `Compress`: hides the client's `Accept-Encoding` from it where compression
/// is not wanted, and removes the handlers' "already compressed" marker.
pub async fn policy(
    mut request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let path = request.path();
    let compressible = matches!(*request.method(), Method::GET | Method::HEAD)
        && ["/api/", "/console/assets/", "/docs/"]
            .iter()
            .any(|prefix| path.starts_with(prefix));
    if !compressible {
        request.headers_mut().remove(header::ACCEPT_ENCODING);
    }
    let mut response = next.call(request).await?;
    let headers = response.headers_mut();
    if headers.get(header::CONTENT_ENCODING) == Some(&ALREADY_COMPRESSED.1) {
        headers.remove(header::CONTENT_ENCODING);
    }
    Ok(response)
}
