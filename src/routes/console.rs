//! The browser console: its page and assets, embedded in the binary, and its session
//! (sign in, who am I, sign out). The console is a script on one page that calls the same
//! `/api/v1` endpoints as any client, with a session cookie instead of a bearer token, so
//! it reaches the same operations and the same authorization; there is no second set of
//! rules. Why a plain script and not server-rendered pages or a bundler: README, "Console".

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use serde::Serialize;
use serde_json::Value;

use super::{auth::presented, extract::cookie};
use crate::{
    auth::Caller,
    db::Database,
    domain::{Error, user::User},
    error::AppError,
    ops::sessions::{self, SessionLimits},
};

/// The cookie that holds a console session's secret.
pub const SESSION_COOKIE: &str = "registry_session";
/// The header a console request that changes something carries its session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Whether the session cookie is marked `Secure` (sent over HTTPS only): when the service
/// is reached through `https://` (`PUBLIC_URL`).
#[derive(Debug, Clone, Copy)]
pub struct SecureCookie(pub bool);

/// A file of the console, embedded at build time.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../console/app.js"),
    },
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../console/app.css"),
    },
    Asset {
        name: "echarts.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../console/vendor/echarts.min.js"),
    },
];

const INDEX: &[u8] = include_bytes!("../../console/index.html");

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").get(index))
        .service(web::resource("/console/assets/{name}").get(asset))
        .service(
            web::resource("/console/session")
                .get(current)
                .post(sign_in)
                .delete(sign_out),
        );
}

async fn index() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(INDEX)
}

async fn asset(name: web::Path<String>) -> Result<HttpResponse, AppError> {
    let asset = ASSETS
        .iter()
        .find(|asset| asset.name == name.as_str())
        .ok_or_else(|| AppError::not_found("no such console file"))?;
    // Revalidated on every load (cheap: a 304 by the build's tag), so a new binary's
    // console is never mixed with an old one's.
    Ok(HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(header::ETag(header::EntityTag::new_strong(
            env!("CARGO_PKG_VERSION").to_owned(),
        )))
        .body(asset.body))
}

/// What the console learns about its session.
#[derive(Serialize)]
struct SessionView {
    user: User,
    csrf_token: String,
}

/// Signs in: the same check and throttling as `POST /api/v1/auth/login`; the answer sets
/// the session cookie and carries the CSRF token.
async fn sign_in(
    database: web::Data<Database>,
    secure: web::Data<SecureCookie>,
    request: HttpRequest,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    let session = sessions::open_console_session(&database, presented(&request, body)?).await?;
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict{}",
        session.secret,
        if secure.0 { "; Secure" } else { "" }
    );
    Ok(HttpResponse::Ok()
        .insert_header((header::SET_COOKIE, cookie))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(SessionView {
            user: session.user,
            csrf_token: session.csrf_token,
        }))
}

/// The signed-in user and the CSRF token, for a page loaded while a session is open.
async fn current(
    database: web::Data<Database>,
    limits: web::Data<SessionLimits>,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let secret = cookie(&request, SESSION_COOKIE).ok_or(Error::Unauthorized)?;
    let (user, csrf_token) = sessions::resume_console_session(&database, &secret, **limits)
        .await?
        .ok_or(Error::Unauthorized)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(SessionView { user, csrf_token }))
}

/// Signs out: the session row is deleted (the cookie is worthless from now on, wherever a
/// copy of it is) and the browser told to forget it. Needs the CSRF token like any change.
async fn sign_out(
    database: web::Data<Database>,
    caller: Caller,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let secret = cookie(&request, SESSION_COOKIE).ok_or(Error::Unauthorized)?;
    database
        .write(move |conn| sessions::close_console_session(conn, &caller, &secret))
        .await?;
    Ok(HttpResponse::NoContent()
        .insert_header((
            header::SET_COOKIE,
            format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
        ))
        .finish())
}
