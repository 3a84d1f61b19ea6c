use std::{sync::Arc, time::SystemTime};

use actix_web::{
    HttpRequest, HttpResponse,
    http::header::{self, EntityTag, Header, HttpDate, IfModifiedSince, IfNoneMatch},
    web,
};
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use futures_util::StreamExt;

use super::query;
use crate::{
    auth::Caller,
    db::Database,
    error::{AppError, Problem},
    opendata::oc4ids::Publication,
    ops::opendata::{self, Package, Selection},
};

/// The plan's projects as an OC4IDS 0.9.5 project package (docs/OC4IDS.md has the
/// mapping), every project the caller may read, in code order. Cheap to poll: a strong
/// `ETag` and `Last-Modified`, and `304 Not Modified` to `If-None-Match` or
/// `If-Modified-Since` when nothing changed.
#[utoipa::path(get, path = "/api/v1/plans/{code}/oc4ids", operation_id = "plans_oc4ids", tag = "open data",
    params(
        ("code" = String, Path, description = "the plan's code", example = "yunyang-eco-2021-2025"),
        ("updated_since" = Option<chrono::DateTime<chrono::Utc>>, Query,
            description = "only projects changed at or after this time (RFC 3339), as on the list"),
        ("If-None-Match" = Option<String>, Header, description = "the `ETag` of a package read before"),
        ("If-Modified-Since" = Option<String>, Header, description = "the `Last-Modified` of a package read before"),
    ),
    responses(
        (status = 200, description = "the project package", content_type = "application/json", body = Object,
            headers(("ETag" = String), ("Last-Modified" = String))),
        (status = 304, description = "nothing changed since the package the request names"),
        (status = 404, description = "no such plan, or the synthetic benchmark plan", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "a parameter is invalid", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = [])))]
pub async fn oc4ids(
    db: web::Data<Database>,
    caller: Caller,
    publication: web::Data<Publication>,
    code: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let selection = Selection {
        plan: code.into_inner(),
        updated_since: updated_since(request.query_string())?,
    };
    let uri = package_uri(&request, &publication, &selection.plan);
    let publication = publication.into_inner();
    let (reader, published) = (caller.clone(), publication.clone());
    let package = db
        .run(move |conn| opendata::prepare(conn, &reader, &published, uri, selection))
        .await?;
    let tag = EntityTag::new_strong(package.tag.clone());
    let last_modified = last_modified(package.last_changed, Utc::now());
    let not_modified = unchanged(&request, &tag, package.last_changed);
    let mut response = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header(header::ETag(tag))
        .insert_header(header::LastModified(HttpDate::from(SystemTime::from(
            last_modified,
        ))))
        // Authenticated: kept by no shared cache, and checked again before every use.
        .insert_header((header::CACHE_CONTROL, "private, no-cache"));
    if not_modified {
        return Ok(response.finish());
    }
    Ok(response
        .content_type("application/json")
        .streaming(body(db, caller, publication, package).await?))
}

/// The package as a stream: its head and first page read before answering (so that an
/// error is a status, not a cut body), then a page at a time.
async fn body(
    db: web::Data<Database>,
    caller: Caller,
    publication: Arc<Publication>,
    package: Package,
) -> Result<impl futures_util::Stream<Item = Result<web::Bytes, AppError>>, AppError> {
    let reader = caller.clone();
    let (first, writer, next) = db
        .run(move |conn| opendata::first_page(conn, &reader, &publication, &package))
        .await?;
    let writer = Arc::new(writer);
    let pages = futures_util::stream::unfold(next, move |next| {
        let (db, caller, writer) = (db.clone(), caller.clone(), writer.clone());
        async move {
            let query = next?;
            match db
                .run(move |conn| opendata::next_page(conn, &caller, &writer, query))
                .await
            {
                Ok((bytes, following)) => Some((Ok(web::Bytes::from(bytes)), following)),
                Err(error) => Some((Err(error.into()), None)),
            }
        }
    });
    Ok(futures_util::stream::once(async move { Ok(web::Bytes::from(first)) }).chain(pages))
}

fn updated_since(text: &str) -> Result<Option<DateTime<Utc>>, AppError> {
    let mut errors = query::Errors::default();
    let mut since = None;
    for (_, value) in query::pairs(text, &["updated_since"], &[], &mut errors) {
        let parsed = match value.as_str() {
            "" => Err("must not be empty"),
            value => query::parse_rfc3339(value),
        };
        since = errors.take("updated_since", parsed);
    }
    errors.finish()?;
    Ok(since)
}

/// Where the package is published: `PUBLIC_URL`, else the address the request came to.
fn package_uri(request: &HttpRequest, publication: &Publication, plan: &str) -> String {
    let base = match &publication.public_url {
        Some(url) => url.clone(),
        None => {
            let connection = request.connection_info();
            format!("{}://{}", connection.scheme(), connection.host())
        }
    };
    let plan: String = form_urlencoded::byte_serialize(plan.as_bytes()).collect();
    format!("{base}/api/v1/plans/{plan}/oc4ids")
}

/// Whether the request names the package as it is. `If-None-Match` decides when present
/// (RFC 9110 §13.2.2); else `If-Modified-Since`, against the exact time of the last change.
fn unchanged(request: &HttpRequest, tag: &EntityTag, last_changed: DateTime<Utc>) -> bool {
    if request.headers().contains_key(header::IF_NONE_MATCH) {
        return match IfNoneMatch::parse(request) {
            Ok(IfNoneMatch::Any) => true,
            Ok(IfNoneMatch::Items(tags)) => tags.iter().any(|seen| seen.weak_eq(tag)),
            Err(_) => false,
        };
    }
    match IfModifiedSince::parse(request) {
        Ok(IfModifiedSince(since)) => last_changed < DateTime::<Utc>::from(SystemTime::from(since)),
        Err(_) => false,
    }
}

/// `Last-Modified` is whole seconds. The next whole second after the last change is given
/// once it has passed, so that any later change is at or after it and a client's
/// `If-Modified-Since` never hides it; within that second, the second itself, which
/// `If-Modified-Since` never matches (see [`unchanged`]).
fn last_modified(last_changed: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    let second = TimeDelta::seconds(1);
    let floor = last_changed.duration_trunc(second).unwrap_or(last_changed);
    let next = if floor == last_changed {
        floor
    } else {
        floor + second
    };
    if now >= next { next } else { floor }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn last_modified_is_the_next_second_once_it_has_passed() {
        let changed = at("2026-12-01T08:00:00.400Z");
        assert_eq!(
            last_modified(changed, at("2026-12-01T08:00:05Z")),
            at("2026-12-01T08:00:01Z")
        );
        assert_eq!(
            last_modified(changed, at("2026-12-01T08:00:00.700Z")),
            at("2026-12-01T08:00:00Z")
        );
    }
}
