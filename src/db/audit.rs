//! The audit trail: one append-only entry for every successful write, inserted in the
//! write's own transaction (so a refused or failed write leaves none).

use diesel::prelude::*;
use serde_json::Value;

use super::{DbConnection, now, schema::audit_entries};
use crate::domain::{actor::Actor, user::Role};

/// One change to record: `action` such as `project.create`, the entity, and its state
/// before and after (JSON).
pub struct Change<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    /// What the change answers, when more than its actor: an approved adjustment
    /// (`{"adjustment": id}`), a renewal's note, the sweep's date.
    pub cause: Option<Value>,
}

impl<'a> Change<'a> {
    pub fn new(action: &'a str, entity_type: &'a str, entity_id: impl ToString) -> Self {
        Self {
            action,
            entity_type,
            entity_id: entity_id.to_string(),
            before: None,
            after: None,
            cause: None,
        }
    }

    pub fn cause(mut self, cause: Value) -> Self {
        self.cause = Some(cause);
        self
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
            audit_entries::organization_id.eq(actor.organization_id),
            audit_entries::action.eq(change.action),
            audit_entries::entity_type.eq(change.entity_type),
            audit_entries::entity_id.eq(change.entity_id),
            audit_entries::before_state.eq(change.before.map(|state| state.to_string())),
            audit_entries::after_state.eq(change.after.map(|state| state.to_string())),
            audit_entries::request_id.eq(&actor.request_id),
            audit_entries::cause.eq(change.cause.map(|cause| cause.to_string())),
            audit_entries::created_at.eq(now()),
        ))
        .execute(conn)
        .map(drop)
}

/// How many entries the trail holds.
pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    audit_entries::table.count().get_result(conn)
}

/// An audit entry as read.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    #[schema(value_type = String, format = Uuid)]
    pub id: String,
    /// Who: `{id, kind: user | api_key | system, role, organization_id}`.
    #[schema(value_type = Object)]
    pub actor: Value,
    /// e.g. `project.update`, `project.transition`, `report.review`, `auth.login`.
    #[schema(example = "project.update")]
    pub action: String,
    #[schema(example = "project")]
    pub entity_type: String,
    pub entity_id: String,
    /// The entity before the change (`null` for a creation).
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
    /// What the change answers, when more than its actor: `{"adjustment": id}` for an
    /// approved adjustment, `{"note": …}` for a renewal, `{"as_of": …}` for the sweep.
    #[schema(value_type = Option<Object>)]
    pub cause: Option<Value>,
    pub request_id: Option<String>,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor_id: Option<String>,
    pub since: Option<chrono::NaiveDateTime>,
    pub until: Option<chrono::NaiveDateTime>,
}

/// Entries after the position `(at, id)`, oldest first; one more than `limit` is read to
/// tell whether another page follows.
pub fn list(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    after: Option<(chrono::NaiveDateTime, String)>,
    limit: u32,
) -> QueryResult<(Vec<AuditEntry>, bool)> {
    let mut query = audit_entries::table.into_boxed();
    if let Some(entity_type) = &filter.entity_type {
        query = query.filter(audit_entries::entity_type.eq(entity_type.clone()));
    }
    if let Some(entity_id) = &filter.entity_id {
        query = query.filter(audit_entries::entity_id.eq(entity_id.clone()));
    }
    if let Some(actor_id) = &filter.actor_id {
        query = query.filter(audit_entries::actor_id.eq(actor_id.clone()));
    }
    if let Some(since) = filter.since {
        query = query.filter(audit_entries::created_at.ge(since));
    }
    if let Some(until) = filter.until {
        query = query.filter(audit_entries::created_at.lt(until));
    }
    if let Some((at, id)) = after {
        query = query.filter(
            audit_entries::created_at
                .gt(at)
                .or(audit_entries::created_at
                    .eq(at)
                    .and(audit_entries::id.gt(id))),
        );
    }
    type Row = (
        String,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        chrono::NaiveDateTime,
    );
    let rows: Vec<Row> = query
        .order((audit_entries::created_at.asc(), audit_entries::id.asc()))
        .limit(i64::from(limit) + 1)
        .select((
            audit_entries::id,
            audit_entries::actor_id,
            audit_entries::actor_kind,
            audit_entries::actor_role,
            audit_entries::organization_id,
            audit_entries::action,
            audit_entries::entity_type,
            audit_entries::entity_id,
            audit_entries::before_state,
            audit_entries::after_state,
            audit_entries::cause,
            audit_entries::request_id,
            audit_entries::created_at,
        ))
        .load(conn)?;
    let has_more = rows.len() > limit as usize;
    let json = |text: Option<String>| text.and_then(|text| serde_json::from_str(&text).ok());
    let entries = rows
        .into_iter()
        .take(limit as usize)
        .map(
            |(id, actor_id, kind, role, organization_id, action, entity_type, entity_id, before, after, cause, request_id, at)| {
                AuditEntry {
                    id,
                    actor: serde_json::json!({
                        "id": actor_id, "kind": kind, "role": role, "organization_id": organization_id,
                    }),
                    action,
                    entity_type,
                    entity_id,
                    before: json(before),
                    after: json(after),
                    cause: json(cause),
                    request_id,
                    at: super::to_utc(at),
                }
            },
        )
        .collect();
    Ok((entries, has_more))
}
