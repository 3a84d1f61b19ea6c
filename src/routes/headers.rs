//! Security headers on every answer (OWASP's REST and secure-headers guidance): no content
//! sniffing, no referrer, no framing; authenticated answers are never stored by a cache
//! unless a handler said otherwise (the OC4IDS package revalidates instead).

use actix_web::{
    Error,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header::{self, HeaderValue},
    middleware::Next,
};

/// The API answers JSON only: nothing in it may load, run or be framed.
const API_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";
/// The Swagger UI at `/docs/`: its own scripts, styles and images, nothing from elsewhere.
/// Its stylesheet sets inline styles; no inline script runs.
const DOCS_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The console: its own scripts, styles and images; it talks to this origin only. No inline
/// script or style at all (charts draw on a canvas and set styles through the DOM).
const CONSOLE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self'; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'self'";

pub async fn security_headers(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let authenticated = request.headers().contains_key(header::AUTHORIZATION)
        || request.headers().contains_key(header::COOKIE);
    let path = request.path();
    let policy = if path.starts_with("/docs") {
        DOCS_POLICY
    } else if path == "/" || path.starts_with("/console/") {
        CONSOLE_POLICY
    } else {
        API_POLICY
    };
    let mut response = next.call(request).await?;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(policy),
    );
    if authenticated && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}
