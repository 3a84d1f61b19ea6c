//! What handlers take from a request, shared by every route module: the authenticated
//! [`Caller`], the `If-Match` precondition, ids in the path, and answers that carry a
//! project's `ETag`.

use std::{future::Future, net::IpAddr, pin::Pin};

use actix_web::{
    FromRequest, HttpMessage, HttpRequest, HttpResponse, HttpResponseBuilder, dev::Payload,
    http::header, web,
};

use super::console;
use crate::{
    auth::{Caller, Principal, UserPrincipal, api_key, token::TokenKeys},
    config::TrustedProxies,
    db::{self, Database},
    domain::{Error, concurrency::IfMatch, project::Project},
    error::AppError,
    ops::sessions::{self, SessionLimits},
    telemetry::RequestId,
};

/// The client's address, for login throttling and logs: the peer's, or, when the peer is a
/// trusted proxy, the address that proxy says it served (see [`forwarded_client`]).
pub fn client_address(request: &HttpRequest) -> String {
    let Some(peer) = request.peer_addr().map(|peer| peer.ip()) else {
        return String::new();
    };
    let proxies = request.app_data::<web::Data<TrustedProxies>>();
    let forwarded_for = request
        .headers()
        .get_all(FORWARDED_FOR)
        .filter_map(|value| value.to_str().ok());
    match proxies {
        Some(proxies) => forwarded_client(peer, forwarded_for, proxies),
        None => peer,
    }
    .to_canonical()
    .to_string()
}

pub const FORWARDED_FOR: header::HeaderName = header::HeaderName::from_static("x-forwarded-for");

/// Walks `X-Forwarded-For` from the right (the hop nearest us) while the address it got the
/// entry from is a trusted proxy; the first address not trusted is the client. Entries a
/// client wrote itself sit to the left of the first untrusted hop and are never reached.
/// (Written here: actix's `realip_remote_addr` believes any header from anyone.) Only
/// `X-Forwarded-For` is read: the proxies counties run append to it by default, while a
/// `Forwarded` header a client sends passes nginx untouched.
pub fn forwarded_client<'a>(
    peer: IpAddr,
    headers: impl Iterator<Item = &'a str>,
    proxies: &TrustedProxies,
) -> IpAddr {
    let entries: Vec<&str> = headers.flat_map(|value| value.split(',')).collect();
    let mut client = peer;
    for entry in entries.iter().rev() {
        if !proxies.trusts(client) {
            break;
        }
        match entry.trim().parse::<IpAddr>() {
            Ok(address) => client = address,
            Err(_) => break,
        }
    }
    client
}

pub fn request_id(request: &HttpRequest) -> Option<String> {
    request
        .extensions()
        .get::<RequestId>()
        .map(RequestId::recorded)
}

pub fn bearer(request: &HttpRequest) -> Option<String> {
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
/// credentials: a bearer token or API key, or the console's session cookie; a missing,
/// malformed or invalid one is a 401. The user is loaded afresh for every request, so a
/// deactivation or password change ends its tokens and sessions at once.
impl FromRequest for Caller {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let credential = match bearer(request) {
            Some(bearer) => Some(Credential::Bearer(bearer)),
            None => cookie(request, console::SESSION_COOKIE).map(|secret| Credential::Session {
                secret,
                // Reading changes nothing; every other method must prove it comes from the
                // console's own page.
                csrf_sent: (!request.method().is_safe())
                    .then(|| header_text(request, console::CSRF_HEADER).unwrap_or_default()),
            }),
        };
        let request_id = request_id(request);
        let database = request.app_data::<web::Data<Database>>().cloned();
        let keys = request.app_data::<web::Data<TokenKeys>>().cloned();
        let limits = request.app_data::<web::Data<SessionLimits>>().cloned();
        Box::pin(async move {
            let (Some(credential), Some(database), Some(keys), Some(limits)) =
                (credential, database, keys, limits)
            else {
                return Err(Error::Unauthorized.into());
            };
            let principal = match credential {
                Credential::Bearer(bearer) => principal_of_bearer(&database, &keys, bearer).await?,
                Credential::Session { secret, csrf_sent } => {
                    let found =
                        sessions::resume_console_session(&database, &secret, **limits).await?;
                    match (found, csrf_sent) {
                        (None, _) => None,
                        (Some((_, expected)), Some(sent)) if !same_secret(&sent, &expected) => {
                            return Err(Error::Forbidden(
                                "the console's CSRF token (X-CSRF-Token) is missing or wrong"
                                    .into(),
                            )
                            .into());
                        }
                        (Some((user, _)), _) => Some(Principal::User(UserPrincipal::from(user))),
                    }
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

enum Credential {
    Bearer(String),
    /// The console's session cookie, and the CSRF token sent with an unsafe method.
    Session {
        secret: String,
        csrf_sent: Option<String>,
    },
}

async fn principal_of_bearer(
    database: &Database,
    keys: &TokenKeys,
    credential: String,
) -> Result<Option<Principal>, Error> {
    if credential.starts_with(api_key::PREFIX) {
        let hash = api_key::hash(&credential);
        return Ok(database
            .run(move |conn| Ok::<_, Error>(db::api_keys::find_active(conn, &hash)?))
            .await?
            .map(Principal::ApiKey));
    }
    let Some(subject) = keys.verify(&credential) else {
        return Ok(None);
    };
    Ok(database
        .run(move |conn| Ok::<_, Error>(db::users::find_account(conn, subject.user_id)?))
        .await?
        .filter(|account| account.user.active && account.token_version == subject.token_version)
        .map(|account| Principal::User(UserPrincipal::from(account.user))))
}

/// Compares two secrets by their SHA-256, so the time taken tells nothing of the secret.
fn same_secret(sent: &str, expected: &str) -> bool {
    api_key::hash(sent) == api_key::hash(expected)
}

fn header_text(request: &HttpRequest, name: &str) -> Option<String> {
    Some(request.headers().get(name)?.to_str().ok()?.to_owned())
}

/// The value of cookie `name`. Parsed here: actix's cookie support brings the `cookie` and
/// `time` crates for what is one `name=value` lookup.
pub fn cookie(request: &HttpRequest, name: &str) -> Option<String> {
    request
        .headers()
        .get_all(header::COOKIE)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, value)| *key == name && !value.is_empty())
        .map(|(_, value)| value.to_owned())
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

    fn client(peer: &str, forwarded_for: &[&str], proxies: &str) -> String {
        forwarded_client(
            peer.parse().unwrap(),
            forwarded_for.iter().copied(),
            &TrustedProxies::parse(proxies).unwrap(),
        )
        .to_string()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client() {
        assert_eq!(client("198.51.100.1", &["203.0.113.9"], ""), "198.51.100.1");
    }

    #[test]
    fn a_trusted_proxy_names_the_client_it_served() {
        assert_eq!(
            client("10.0.0.5", &["203.0.113.9"], "10.0.0.5"),
            "203.0.113.9"
        );
    }

    #[test]
    fn what_a_client_wrote_before_the_proxy_appended_is_not_believed() {
        let forged = ["1.2.3.4, 203.0.113.9"];
        assert_eq!(client("10.0.0.5", &forged, "10.0.0.5"), "203.0.113.9");
    }

    #[test]
    fn a_chain_of_trusted_proxies_is_walked_to_the_first_untrusted_hop() {
        let chain = ["1.2.3.4, 203.0.113.9", "10.0.0.7"];
        assert_eq!(client("10.0.0.5", &chain, "10.0.0.0/24"), "203.0.113.9");
    }

    #[test]
    fn an_unreadable_entry_stops_at_the_last_trusted_hop() {
        assert_eq!(client("10.0.0.5", &["unknown"], "10.0.0.5"), "10.0.0.5");
    }
}
