//! The audit trail: one append-only entry for every successful write, inserted in the
//! write's own transaction (so a refused or failed write leaves none).

use diesel::prelude::*;
use serde_json::Value;

use super::{DbConnection, now, schema::audit_entries};
use crate::domain::{OrganizationId, user::Role};

/// Who made a change.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<String>,
    pub kind: ActorKind,
    pub role: Option<Role>,
    pub organization_id: Option<OrganizationId>,
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    User,
    ApiKey,
    /// The registry itself: start-up and loading the plan.
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

/// One change to record: `action` such as `project.create`, the entity, and its state
/// before and after (JSON).
pub struct Change<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl<'a> Change<'a> {
    pub fn new(action: &'a str, entity_type: &'a str, entity_id: impl ToString) -> Self {
        Self {
            action,
            entity_type,
            entity_id: entity_id.to_string(),
            before: None,
            after: None,
        }
    }

    pub fn before(mut self, state: &impl serde::Serialize) -> Self {
        self.before = serde_json::to_value(state).ok();
        self
    }

    pub fn after(mut self, state: &impl serde::Serialize) -> Self {
        self.after = serde_json::to_value(state).ok();
        self
    }
}

pub fn record(conn: &mut DbConnection, actor: &Actor, change: Change<'_>) -> QueryResult<()> {
    diesel::insert_into(audit_entries::table)
        .values((
            audit_entries::id.eq(uuid::Uuid::new_v4().to_string()),
            audit_entries::actor_id.eq(&actor.id),
            audit_entries::actor_kind.eq(actor.kind.as_str()),
            audit_entries::actor_role.eq(actor.role.map(Role::as_str)),
            audit_entries::organization_id.eq(actor.organization_id.map(|id| id.to_string())),
            audit_entries::action.eq(change.action),
            audit_entries::entity_type.eq(change.entity_type),
            audit_entries::entity_id.eq(change.entity_id),
            audit_entries::before_state.eq(change.before.map(|state| state.to_string())),
            audit_entries::after_state.eq(change.after.map(|state| state.to_string())),
            audit_entries::request_id.eq(&actor.request_id),
            audit_entries::created_at.eq(now()),
        ))
        .execute(conn)
        .map(drop)
}

/// How many entries the trail holds.
pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    audit_entries::table.count().get_result(conn)
}
