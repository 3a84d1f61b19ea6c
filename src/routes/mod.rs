//! HTTP handlers, one module per resource. A handler extracts, parses into domain types,
//! calls one operation (`crate::ops`) and maps the result; nothing else. What several
//! handlers share lives in [`extract`], [`body`] and [`query`].
//!
//! [`endpoints`] is the one list of what the API serves: [`configure`] serves it, and a
//! test in `openapi` holds it equal to the contract, both ways.

pub mod adjustments;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod body;
pub mod compression;
pub mod console;
pub mod extract;
pub mod headers;
pub mod health;
pub mod language;
pub mod lifecycle;
pub mod opendata;
pub mod organizations;
pub mod plans;
pub mod projects;
pub mod query;
pub mod reports;
pub mod reserve;
pub mod sheets;
pub mod users;

use actix_web::{FromRequest, Handler, Responder, Route, http::Method, web};

/// One served operation: a method on a path pattern, and its handler.
pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    route: Route,
}

fn endpoint<F, Args>(method: Method, path: &'static str, handler: F) -> Endpoint
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    Endpoint {
        route: web::route().method(method.clone()).to(handler),
        method,
        path,
    }
}

/// Every operation the API serves.
pub fn endpoints() -> Vec<Endpoint> {
    use Method as M;
    // Paths are written out whole, as the contract lists them.
    vec![
        endpoint(M::GET, "/healthz", health::healthz),
        endpoint(M::GET, "/readyz", health::readyz),
        endpoint(M::POST, "/api/v1/auth/login", auth::login),
        endpoint(M::GET, "/api/v1/me", auth::me),
        endpoint(M::POST, "/api/v1/me/password", auth::change_password),
        endpoint(M::GET, "/api/v1/organizations", organizations::list),
        endpoint(M::POST, "/api/v1/organizations", organizations::create),
        endpoint(M::GET, "/api/v1/organizations/{id}", organizations::get),
        endpoint(
            M::PATCH,
            "/api/v1/organizations/{id}",
            organizations::update,
        ),
        endpoint(M::GET, "/api/v1/users", users::list),
        endpoint(M::POST, "/api/v1/users", users::create),
        endpoint(M::GET, "/api/v1/users/{id}", users::get),
        endpoint(M::PATCH, "/api/v1/users/{id}", users::update),
        endpoint(M::GET, "/api/v1/api-keys", api_keys::list),
        endpoint(M::POST, "/api/v1/api-keys", api_keys::create),
        endpoint(M::DELETE, "/api/v1/api-keys/{id}", api_keys::revoke),
        endpoint(M::GET, "/api/v1/plans", plans::list),
        endpoint(M::GET, "/api/v1/plans/{code}", plans::get),
        endpoint(M::PATCH, "/api/v1/plans/{code}", reserve::update_plan),
        endpoint(
            M::POST,
            "/api/v1/plans/{code}/reserve-sweep",
            reserve::sweep,
        ),
        endpoint(M::GET, "/api/v1/plans/{code}/categories", plans::categories),
        endpoint(M::GET, "/api/v1/plans/{code}/summary", plans::summary),
        endpoint(M::GET, "/api/v1/plans/{code}/oc4ids", opendata::oc4ids),
        endpoint(
            M::GET,
            "/api/v1/plans/{code}/import-template",
            sheets::template,
        ),
        endpoint(M::POST, "/api/v1/plans/{code}/imports", sheets::import),
        endpoint(M::GET, "/api/v1/imports", sheets::list),
        endpoint(M::GET, "/api/v1/imports/{id}", sheets::get),
        endpoint(M::GET, "/api/v1/projects", projects::list),
        endpoint(M::POST, "/api/v1/projects", projects::create),
        // Before `/projects/{id}`, which would take `export` for an id.
        endpoint(M::GET, "/api/v1/projects/export", sheets::export),
        endpoint(M::GET, "/api/v1/projects/count", projects::count),
        endpoint(M::GET, "/api/v1/projects/{id}", projects::get),
        endpoint(M::PATCH, "/api/v1/projects/{id}", projects::update),
        endpoint(
            M::GET,
            "/api/v1/projects/{id}/transitions",
            lifecycle::history,
        ),
        endpoint(
            M::POST,
            "/api/v1/projects/{id}/transitions",
            lifecycle::transition,
        ),
        endpoint(M::GET, "/api/v1/projects/{id}/reports", reports::list),
        endpoint(M::POST, "/api/v1/projects/{id}/reports", reports::create),
        endpoint(
            M::GET,
            "/api/v1/projects/{id}/history",
            audit::project_history,
        ),
        endpoint(
            M::GET,
            "/api/v1/projects/{id}/adjustments",
            adjustments::of_project,
        ),
        endpoint(
            M::POST,
            "/api/v1/projects/{id}/adjustments",
            adjustments::create,
        ),
        endpoint(M::POST, "/api/v1/projects/{id}/renewal", reserve::renew),
        endpoint(M::GET, "/api/v1/adjustments", adjustments::list),
        endpoint(M::GET, "/api/v1/adjustments/{id}", adjustments::get),
        endpoint(
            M::POST,
            "/api/v1/adjustments/{id}/review",
            adjustments::review,
        ),
        endpoint(M::GET, "/api/v1/reports", reports::queue),
        endpoint(M::PATCH, "/api/v1/reports/{id}", reports::correct),
        endpoint(M::POST, "/api/v1/reports/{id}/review", reports::review),
        endpoint(M::GET, "/api/v1/audit", audit::trail),
        endpoint(M::GET, "/api/v1/audit/verify", audit::verify),
    ]
}

/// Serves [`endpoints`], one resource per path (so that a method the path lacks is a 405
/// with `Allow`, not a 404).
pub fn configure(cfg: &mut web::ServiceConfig) {
    let mut resources: Vec<(&'static str, actix_web::Resource)> = Vec::new();
    for Endpoint { path, route, .. } in endpoints() {
        match resources.iter_mut().find(|(seen, _)| *seen == path) {
            Some((_, resource)) => {
                let taken = std::mem::replace(resource, web::resource(path));
                *resource = taken.route(route);
            }
            None => resources.push((path, web::resource(path).route(route))),
        }
    }
    for (_, resource) in resources {
        cfg.service(resource);
    }
    console::configure(cfg);
}
