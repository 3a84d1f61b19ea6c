//! Who is calling: credentials are checked on every request, and [`policy`] decides per
//! object what the caller may do.

pub mod api_key;
pub mod password;
pub mod policy;
pub mod token;

use std::{future::Future, pin::Pin};

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, http::header, web};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::{
    db::{
        self, Database,
        audit::{Actor, ActorKind},
    },
    domain::{ApiKeyId, OrganizationId, UserId, user::Role},
    error::AppError,
    telemetry::RequestId,
};

/// `bytes` random bytes as URL-safe base64.
pub fn random_token(bytes: usize) -> String {
    let mut buffer = vec![0; bytes];
    getrandom::fill(&mut buffer).expect("the operating system's random source");
    URL_SAFE_NO_PAD.encode(buffer)
}

/// A signed-in user, as loaded for this request.
#[derive(Debug, Clone)]
pub struct UserPrincipal {
    pub id: UserId,
    pub username: String,
    pub role: Role,
    pub organization_id: OrganizationId,
}

#[derive(Debug, Clone)]
pub enum Principal {
    User(UserPrincipal),
    /// An external tool: reads projects, plans and summaries, nothing else.
    ApiKey(ApiKeyId),
}

/// The authenticated caller of a request. Taking it as a handler argument is what makes
/// an endpoint require credentials: a missing, malformed or invalid one is a 401.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    pub request_id: String,
}

impl Caller {
    /// Who the audit trail names for a write by this caller.
    pub fn actor(&self) -> Actor {
        let (id, kind, role, organization_id) = match &self.principal {
            Principal::User(user) => (
                user.id.to_string(),
                ActorKind::User,
                Some(user.role),
                Some(user.organization_id),
            ),
            Principal::ApiKey(id) => (id.to_string(), ActorKind::ApiKey, None, None),
        };
        Actor {
            id: Some(id),
            kind,
            role,
            organization_id,
            request_id: Some(self.request_id.clone()),
        }
    }
}

/// The token keys, shared by every worker.
pub struct Authenticator {
    pub keys: token::TokenKeys,
}

pub fn request_id(request: &HttpRequest) -> String {
    request
        .extensions()
        .get::<RequestId>()
        .map(|id| id.0.clone())
        .unwrap_or_default()
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

impl FromRequest for Caller {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let credential = bearer(request);
        let request_id = request_id(request);
        let database = request.app_data::<web::Data<Database>>().cloned();
        let authenticator = request.app_data::<web::Data<Authenticator>>().cloned();
        Box::pin(async move {
            let (Some(credential), Some(database), Some(authenticator)) =
                (credential, database, authenticator)
            else {
                return Err(AppError::Unauthorized);
            };
            let principal = if credential.starts_with(api_key::PREFIX) {
                let hash = api_key::hash(&credential);
                database
                    .run(move |conn| db::api_keys::find_active(conn, &hash).map_err(AppError::from))
                    .await?
                    .map(Principal::ApiKey)
            } else {
                match authenticator.keys.verify(&credential) {
                    Some(subject) => database
                        .run(move |conn| {
                            db::users::find_account(conn, subject.user_id).map_err(AppError::from)
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
            let principal = principal.ok_or(AppError::Unauthorized)?;
            Ok(Caller {
                principal,
                request_id,
            })
        })
    }
}
