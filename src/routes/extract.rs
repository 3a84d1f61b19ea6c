//! What handlers take from a request, shared by every route module: the authenticated
//! [`Caller`], the `If-Match` precondition, ids in the path, and answers that carry a
//! project's `ETag`.

use std::{future::Future, pin::Pin};

use actix_web::{
    FromRequest, HttpMessage, HttpRequest, HttpResponse, HttpResponseBuilder, dev::Payload,
    http::header, web,
};

use crate::{
    auth::{Caller, Principal, UserPrincipal, api_key, token::TokenKeys},
    db::{self, Database},
    domain::{Error, concurrency::IfMatch, project::Project},
    error::AppError,
    telemetry::RequestId,
};

/// The client's address for throttling and logs: the peer, not a forwarded header a
/// client could forge.
pub fn client_address(request: &HttpRequest) -> String {
    request
        .peer_addr()
        .map(|peer| peer.ip().to_string())
        .unwrap_or_default()
}

pub fn request_id(request: &HttpRequest) -> Option<String> {
    request
        .extensions()
        .get::<RequestId>()
        .map(RequestId::recorded)
}

fn bearer(request: &HttpRequest) -> Option<String> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, credential) = value.split_once(' ')?;
    let credential = credential.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !credential.is_empty()).then(|| credential.to_owned())
}

/// Taking a [`Caller`] as a handler argument is what makes an endpoint require
/// credentials: a missing, malformed or invalid one is a 401. The user is loaded afresh for
/// every request, so a deactivation or password change ends its tokens at once.
impl FromRequest for Caller {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let credential = bearer(request);
        let request_id = request_id(request);
        let database = request.app_data::<web::Data<Database>>().cloned();
        let keys = request.app_data::<web::Data<TokenKeys>>().cloned();
        Box::pin(async move {
            let (Some(credential), Some(database), Some(keys)) = (credential, database, keys)
            else {
                return Err(Error::Unauthorized.into());
            };
            let principal = if credential.starts_with(api_key::PREFIX) {
                let hash = api_key::hash(&credential);
                database
                    .run(move |conn| Ok::<_, Error>(db::api_keys::find_active(conn, &hash)?))
                    .await?
                    .map(Principal::ApiKey)
            } else {
                match keys.verify(&credential) {
                    Some(subject) => database
                        .run(move |conn| {
                            Ok::<_, Error>(db::users::find_account(conn, subject.user_id)?)
                        })
                        .await?
                        .filter(|account| {
                            account.user.active && account.token_version == subject.token_version
                        })
                        .map(|account| {
                            Principal::User(UserPrincipal {
                                id: account.user.id,
                                username: account.user.username,
                                role: account.user.role,
                                organization_id: account.user.organization_id,
                            })
                        }),
                    None => None,
                }
            };
            let principal = principal.ok_or(Error::Unauthorized)?;
            Ok(Caller {
                principal,
                request_id,
            })
        })
    }
}

/// What the client's `If-Match` says.
pub fn if_match(request: &HttpRequest) -> IfMatch {
    let values: Vec<String> = request
        .headers()
        .get_all(header::IF_MATCH)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().to_owned())
        .filter(|tag| !tag.is_empty())
        .collect();
    if values.is_empty() {
        IfMatch::Missing
    } else if values.iter().any(|tag| tag == "*") {
        IfMatch::Any
    } else {
        IfMatch::Tags(values)
    }
}

/// An id from the path; text that is no id names nothing (404, as `not_found` says).
pub fn path_id<T: std::str::FromStr>(
    text: &str,
    not_found: impl FnOnce(String) -> Error,
) -> Result<T, AppError> {
    text.parse().map_err(|_| not_found(text.to_owned()).into())
}

/// The `ETag` of a project: its version as a strong tag.
pub fn etag(project: &Project) -> header::EntityTag {
    header::EntityTag::new_strong(project.version.to_string())
}

/// An answer with the project and its `ETag`.
pub fn with_etag(mut response: HttpResponseBuilder, project: &Project) -> HttpResponse {
    response
        .insert_header(header::ETag(etag(project)))
        .json(project)
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn parsed(value: Option<&str>) -> IfMatch {
        let mut request = TestRequest::default();
        if let Some(value) = value {
            request = request.insert_header((header::IF_MATCH, value));
        }
        if_match(&request.to_http_request())
    }

    #[test]
    fn if_match_lists_tags_and_tells_star_and_missing_apart() {
        assert_eq!(
            parsed(Some("\"6\", \"7\"")),
            IfMatch::Tags(vec!["\"6\"".into(), "\"7\"".into()])
        );
        assert_eq!(parsed(Some("*")), IfMatch::Any);
        assert_eq!(parsed(None), IfMatch::Missing);
    }
}
