//! HTTP handlers, one module per resource. A handler extracts, parses into domain types,
//! calls one operation and maps the result; nothing else.

pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod body;
pub mod health;
pub mod lifecycle;
pub mod organizations;
pub mod plans;
pub mod preconditions;
pub mod projects;
pub mod query;
pub mod reports;
pub mod users;

use actix_web::web;

use crate::openapi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").get(health::healthz))
        .service(web::resource("/readyz").get(health::readyz))
        .service(web::resource("/api/openapi.json").get(openapi::serve))
        .service(web::resource("/docs").get(openapi::docs_redirect))
        .service(openapi::docs())
        .service(
            web::scope("/api/v1")
                .service(web::resource("/auth/login").post(auth::login))
                .service(web::resource("/me").get(auth::me))
                .service(web::resource("/me/password").post(auth::change_password))
                .service(
                    web::resource("/organizations")
                        .get(organizations::list)
                        .post(organizations::create),
                )
                .service(
                    web::resource("/organizations/{id}")
                        .get(organizations::get)
                        .patch(organizations::update),
                )
                .service(web::resource("/users").get(users::list).post(users::create))
                .service(
                    web::resource("/users/{id}")
                        .get(users::get)
                        .patch(users::update),
                )
                .service(
                    web::resource("/api-keys")
                        .get(api_keys::list)
                        .post(api_keys::create),
                )
                .service(web::resource("/api-keys/{id}").delete(api_keys::revoke))
                .service(web::resource("/plans").get(plans::list))
                .service(web::resource("/plans/{code}").get(plans::get))
                .service(web::resource("/plans/{code}/categories").get(plans::categories))
                .service(web::resource("/plans/{code}/summary").get(plans::summary))
                .service(
                    web::resource("/projects")
                        .get(projects::list)
                        .post(projects::create),
                )
                .service(
                    web::resource("/projects/{id}")
                        .get(projects::get)
                        .patch(projects::update),
                )
                .service(
                    web::resource("/projects/{id}/transitions")
                        .get(lifecycle::history)
                        .post(lifecycle::transition),
                )
                .service(
                    web::resource("/projects/{id}/reports")
                        .get(reports::list)
                        .post(reports::create),
                )
                .service(web::resource("/projects/{id}/history").get(audit::project_history))
                .service(web::resource("/reports/{id}").patch(reports::correct))
                .service(web::resource("/reports/{id}/review").post(reports::review))
                .service(web::resource("/audit").get(audit::trail)),
        );
}
