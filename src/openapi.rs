//! The OpenAPI contract, generated from the handlers and the types serde uses.

use std::{collections::HashMap, sync::LazyLock};

use actix_web::HttpResponse;
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use crate::{domain, error, routes};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Portfolio Registry",
        description = "Project reserve library (项目储备库) of a five-year ecological plan: \
            projects, lifecycle, exact investment (amounts are decimal strings in yuan with two \
            decimals), progress reports and audit trail. Errors are application/problem+json (RFC 9457).",
        license(name = "Apache-2.0"),
    ),
    modifiers(&SecuritySchemes, &CommonResponses, &NamePatterns),
    paths(
        routes::auth::login,
        routes::auth::me,
        routes::auth::change_password,
        routes::organizations::list,
        routes::organizations::create,
        routes::organizations::get,
        routes::organizations::update,
        routes::users::list,
        routes::users::create,
        routes::users::get,
        routes::users::update,
        routes::api_keys::list,
        routes::api_keys::create,
        routes::api_keys::revoke,
        routes::health::healthz,
        routes::health::readyz,
        routes::plans::list,
        routes::plans::get,
        routes::reserve::update_plan,
        routes::plans::categories,
        routes::plans::summary,
        routes::projects::list,
        routes::projects::count,
        routes::projects::create,
        routes::projects::get,
        routes::projects::update,
        routes::lifecycle::transition,
        routes::lifecycle::history,
        routes::adjustments::create,
        routes::adjustments::of_project,
        routes::adjustments::list,
        routes::adjustments::get,
        routes::adjustments::review,
        routes::reserve::renew,
        routes::reserve::sweep,
        routes::reports::create,
        routes::reports::list,
        routes::reports::queue,
        routes::reports::correct,
        routes::reports::review,
        routes::audit::project_history,
        routes::audit::trail,
        routes::audit::verify,
        routes::opendata::oc4ids,
        routes::sheets::export,
        routes::sheets::template,
        routes::sheets::import,
        routes::sheets::list,
        routes::sheets::get,
    ),
    components(schemas(
        error::Problem,
        domain::FieldError,
        domain::ProjectStatus,
        domain::funding::Investment,
    )),
    tags(
        (name = "plans", description = "Plans (规划) and their project categories"),
        (name = "projects", description = "Registered projects (项目储备库): fields, lifecycle, history"),
        (name = "adjustments", description = "Adjustment requests (项目调整): changes the plan office approves"),
        (name = "reserve", description = "Reserve expiry (储备期满退出): renewal and the reserve sweep"),
        (name = "reports", description = "Progress reports (调度) and their review by finance"),
        (name = "audit", description = "The audit trail of every write"),
        (name = "open data", description = "The portfolio as OC4IDS 0.9.5, for harvesters"),
        (name = "spreadsheets", description = "The ledger (项目台账) as .xlsx and .csv: export, template, import"),
        (name = "auth", description = "Signing in, and the caller"),
        (name = "administration", description = "Organizations, users and API keys (plan office)"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
pub struct ApiDoc;

/// The two credentials, both sent as `Authorization: Bearer …`.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("An access token from POST /api/v1/auth/login"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("prk_…")
                    .description(Some(
                        "A read-only API key (prk_…) for external tools: projects, plans and summaries",
                    ))
                    .build(),
            ),
        );
    }
}

/// The names a client writes (of projects and organizations) follow one pattern, set here
/// from the rule the domain checks (`domain::validation::NAME_PATTERN`), so that the
/// contract and the check cannot drift apart.
struct NamePatterns;

impl Modify for NamePatterns {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{RefOr, schema::Schema};
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        for written in [
            "NewProject",
            "ProjectPatch",
            "NewOrganization",
            "OrganizationChanges",
        ] {
            let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(written) else {
                panic!("the contract has no object schema {written}");
            };
            let Some(RefOr::T(Schema::Object(name))) = object.properties.get_mut("name") else {
                panic!("{written} has no name");
            };
            name.pattern = Some(crate::domain::validation::NAME_PATTERN.to_owned());
        }
    }
}

/// Responses every operation of a kind can give, added in one place: no valid credentials
/// (401) where credentials are needed, a body that cannot be read (400), is too large (413)
/// or is not JSON (415), and an unavailable database (503).
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    error::PROBLEM_JSON,
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                let responses = &mut operation.responses.responses;
                if operation.request_body.is_some() {
                    for (status, description) in [
                        ("400", "the body is not valid JSON"),
                        ("413", "the body is larger than 256 KiB"),
                        ("415", "the body is not JSON"),
                    ] {
                        responses
                            .entry(status.to_owned())
                            .or_insert_with(|| problem(description).into());
                    }
                }
                let secured = operation
                    .security
                    .as_ref()
                    .is_some_and(|security| !security.is_empty());
                if secured {
                    responses.entry("401".to_owned()).or_insert_with(|| {
                        problem("no valid credentials (with WWW-Authenticate: Bearer)").into()
                    });
                }
                if path != "/healthz" {
                    responses.entry("503".to_owned()).or_insert_with(|| {
                        problem("the database is unavailable (with Retry-After)").into()
                    });
                }
            }
        }
    }
}

/// The methods the contract gives a path pattern, e.g. `GET, POST` (`GET` for the paths
/// outside it: the docs page), for the `Allow` header of a 405.
pub fn allowed_methods(pattern: Option<&str>) -> String {
    static METHODS: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
        let document: serde_json::Value =
            serde_json::from_str(&document()).expect("the contract is JSON");
        let paths = document["paths"].as_object().cloned().unwrap_or_default();
        paths
            .into_iter()
            .map(|(path, operations)| {
                let methods: Vec<String> = operations
                    .as_object()
                    .map(|operations| {
                        operations
                            .keys()
                            .map(|method| method.to_uppercase())
                            .collect()
                    })
                    .unwrap_or_default();
                (path, methods.join(", "))
            })
            .collect()
    });
    pattern
        .and_then(|pattern| METHODS.get(pattern).cloned())
        .unwrap_or_else(|| "GET".to_owned())
}

/// The contract as pretty JSON, exactly as committed in `openapi/openapi.json`.
pub fn document() -> String {
    let mut document =
        serde_json::to_value(ApiDoc::openapi()).expect("the OpenAPI document serializes");
    exclude_nul_from_requests(&mut document);
    let mut json = serde_json::to_string_pretty(&document).expect("JSON serializes");
    json.push('\n');
    json
}

/// Applies [`exclude_nul`] to everything a client sends: parameters, request bodies, and
/// the component schemas they refer to (transitively); responses are left as they are.
fn exclude_nul_from_requests(document: &mut serde_json::Value) {
    fn references(value: &serde_json::Value, found: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(members) => {
                if let Some(reference) = members.get("$ref").and_then(|r| r.as_str())
                    && let Some(name) = reference.strip_prefix("#/components/schemas/")
                {
                    found.push(name.to_owned());
                }
                members
                    .values()
                    .for_each(|member| references(member, found));
            }
            serde_json::Value::Array(items) => {
                items.iter().for_each(|item| references(item, found))
            }
            _ => {}
        }
    }
    let mut pending = Vec::new();
    if let Some(paths) = document["paths"].as_object_mut() {
        for operation in paths
            .values_mut()
            .filter_map(|item| item.as_object_mut())
            .flat_map(|item| item.values_mut())
        {
            for part in ["parameters", "requestBody"] {
                if let Some(request) = operation.get_mut(part) {
                    exclude_nul(request);
                    references(request, &mut pending);
                }
            }
        }
    }
    let mut done = std::collections::HashSet::new();
    while let Some(name) = pending.pop() {
        if !done.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = document["components"]["schemas"].get_mut(&name) {
            exclude_nul(schema);
            references(schema, &mut pending);
        }
    }
}

/// Free-text strings exclude U+0000, which the service refuses (no text column of
/// PostgreSQL can hold it): strings without a pattern, format or enumeration get one that
/// says so, and the "not blank" pattern is narrowed alike.
fn exclude_nul(schema: &mut serde_json::Value) {
    const NO_NUL: &str = "^[^\\u0000]*$";
    // `\S` alone would admit U+0000 (it is not white space).
    const NOT_BLANK_NO_NUL: &str = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$";
    match schema {
        serde_json::Value::Object(members) => {
            let is_string = match members.get("type") {
                Some(serde_json::Value::String(kind)) => kind == "string",
                Some(serde_json::Value::Array(kinds)) => kinds.iter().any(|kind| kind == "string"),
                _ => false,
            };
            if is_string && !members.contains_key("format") && !members.contains_key("enum") {
                let pattern = match members.get("pattern").and_then(|pattern| pattern.as_str()) {
                    None => Some(NO_NUL),
                    Some("\\S") => Some(NOT_BLANK_NO_NUL),
                    Some(_) => None,
                };
                if let Some(pattern) = pattern {
                    members.insert("pattern".to_owned(), pattern.into());
                }
            }
            members.values_mut().for_each(exclude_nul);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(exclude_nul),
        _ => {}
    }
}

/// The docs page at `/docs/`: Swagger UI, its assets served by the service itself (no
/// external host), reading `/api/openapi.json`.
pub fn docs() -> utoipa_swagger_ui::SwaggerUi {
    // No validator badge: it would send the contract to an external host.
    let config = utoipa_swagger_ui::Config::from("/api/openapi.json").validator_url("none");
    utoipa_swagger_ui::SwaggerUi::new("/docs/{_:.*}").config(config)
}

/// `/docs` leads to the page at `/docs/` (whose relative asset links need the slash).
pub async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((actix_web::http::header::LOCATION, "/docs/"))
        .finish()
}

/// Serves the contract.
pub async fn serve() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// What the service serves and what the contract documents are the same operations.
    #[test]
    fn every_served_route_is_documented_and_every_documented_path_is_served() {
        let served: BTreeSet<(String, String)> = routes::endpoints()
            .iter()
            .map(|endpoint| {
                (
                    endpoint.path.to_owned(),
                    endpoint.method.as_str().to_owned(),
                )
            })
            .collect();
        let document: serde_json::Value = serde_json::from_str(&document()).unwrap();
        let documented: BTreeSet<(String, String)> = document["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, operations)| {
                operations
                    .as_object()
                    .unwrap()
                    .keys()
                    .map(move |method| (path.clone(), method.to_uppercase()))
            })
            .collect();
        assert_eq!(
            served.difference(&documented).collect::<Vec<_>>(),
            Vec::<&(String, String)>::new(),
            "served but not in the contract"
        );
        assert_eq!(
            documented.difference(&served).collect::<Vec<_>>(),
            Vec::<&(String, String)>::new(),
            "in the contract but not served"
        );
    }
}
