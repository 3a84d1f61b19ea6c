//! HTTP handlers, one module per resource. A handler extracts, parses into domain types,
//! calls one operation and maps the result; nothing else.

pub mod health;
pub mod plans;
pub mod projects;

use actix_web::web;

use crate::openapi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").get(health::healthz))
        .service(web::resource("/readyz").get(health::readyz))
        .service(web::resource("/api/openapi.json").get(openapi::serve))
        .service(
            web::scope("/api/v1")
                .service(web::resource("/plans").get(plans::list))
                .service(web::resource("/plans/{code}").get(plans::get))
                .service(web::resource("/plans/{code}/categories").get(plans::categories))
                .service(web::resource("/projects").get(projects::list))
                .service(web::resource("/projects/{id}").get(projects::get)),
        );
}
