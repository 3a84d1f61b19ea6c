//! Who is acting, and what they may do: credentials (passwords, tokens, API keys), the
//! [`Caller`] of an operation, and [`policy`], which decides per object. Nothing here
//! speaks HTTP or SQL: the routes extract a caller, the operations consult the policy.

pub mod api_key;
mod hs256;
pub mod password;
pub mod policy;
pub mod scrape;
pub mod token;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::domain::{
    ApiKeyId, OrganizationId, UserId,
    actor::{Actor, ActorKind},
    user::{Role, User},
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

impl From<User> for UserPrincipal {
    fn from(user: User) -> Self {
        Self {
            id: user.id,
            username: user.username,
            role: user.role,
            organization_id: user.organization_id,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Principal {
    User(UserPrincipal),
    /// An external tool: reads projects, plans and summaries, nothing else.
    ApiKey(ApiKeyId),
    /// The registry itself: start-up, loading the plan, the command line run by whoever
    /// runs the server.
    System,
}

/// The party an operation acts for, with the request it came with (if any).
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    pub request_id: Option<String>,
}

impl Caller {
    /// The registry itself (start-up, seeds, the command line).
    pub fn system() -> Self {
        Self {
            principal: Principal::System,
            request_id: None,
        }
    }

    /// Who the audit trail names for a write by this caller.
    pub fn actor(&self) -> Actor {
        let mut actor = match &self.principal {
            Principal::User(user) => Actor {
                id: Some(user.id.to_string()),
                kind: ActorKind::User,
                role: Some(user.role),
                organization_id: Some(user.organization_id),
                request_id: None,
            },
            Principal::ApiKey(id) => Actor {
                id: Some(id.to_string()),
                kind: ActorKind::ApiKey,
                role: None,
                organization_id: None,
                request_id: None,
            },
            Principal::System => Actor::system(),
        };
        actor.request_id = self.request_id.clone();
        actor
    }

    /// The user's id, for the records that name a person (transitions, reports).
    pub fn user_id(&self) -> Option<UserId> {
        match &self.principal {
            Principal::User(user) => Some(user.id),
            Principal::ApiKey(_) | Principal::System => None,
        }
    }
}
