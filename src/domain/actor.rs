//! Who made a change, as the audit trail names it.

use super::{OrganizationId, user::Role};

/// The acting party of a write: a user, an API key, or the registry itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The user's or API key's id; `None` for the registry itself.
    pub id: Option<String>,
    pub kind: ActorKind,
    pub role: Option<Role>,
    pub organization_id: Option<OrganizationId>,
    /// The request the write came with, if it came with one.
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    User,
    ApiKey,
    /// The registry itself: start-up, loading the plan, the command line.
    System,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::ApiKey => "api_key",
            Self::System => "system",
        }
    }
}

impl Actor {
    pub fn system() -> Self {
        Self {
            id: None,
            kind: ActorKind::System,
            role: None,
            organization_id: None,
            request_id: None,
        }
    }
}
