//! The audit trail: one append-only entry for every successful write, inserted in the
//! write's own transaction (so a refused or failed write leaves none), and chained: each
//! entry's hash covers its content and the hash of the entry before it, so that an entry
//! edited, removed or moved by hand breaks the chain where it was (see [`verify`]).

use std::cell::RefCell;

use diesel::prelude::*;
use serde_json::Value;

use super::{
    DbConnection, now,
    schema::{audit_chain_head, audit_entries},
};
use crate::domain::{actor::Actor, fingerprint::sha256_hex};

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

/// Adds an entry to the trail. Inside a write transaction it joins the chain when that
/// transaction commits (see [`Recording`]); outside one, at once.
pub fn record(conn: &mut DbConnection, actor: &Actor, change: Change<'_>) -> QueryResult<()> {
    let entry = Content {
        id: uuid::Uuid::new_v4().to_string(),
        actor_id: actor.id.clone(),
        actor_kind: actor.kind.as_str().to_owned(),
        actor_role: actor.role.map(|role| role.as_str().to_owned()),
        organization_id: actor.organization_id.map(|id| id.to_string()),
        action: change.action.to_owned(),
        entity_type: change.entity_type.to_owned(),
        entity_id: change.entity_id,
        before_state: change.before.map(|state| state.to_string()),
        after_state: change.after.map(|state| state.to_string()),
        request_id: actor.request_id.clone(),
        created_at: now(),
        cause: change.cause.map(|cause| cause.to_string()),
    };
    diesel::insert_into(audit_entries::table)
        .values(&entry)
        .execute(conn)?;
    let unchained = RECORDED.with_borrow_mut(|recorded| match recorded {
        Some(recorded) => {
            recorded.push(entry);
            None
        }
        None => Some(entry),
    });
    match unchained {
        Some(entry) => append(conn, [entry]),
        None => Ok(()),
    }
}

thread_local! {
    /// The entries recorded by the write transaction running on this thread, in the order
    /// recorded (`None` outside one). A transaction runs on one thread from start to commit.
    static RECORDED: RefCell<Option<Vec<Content>>> = const { RefCell::new(None) };
}

/// A write transaction's entries, chained just before it commits. Chaining takes the
/// chain's end (one row, locked until commit), so that appenders take turns, threads or
/// instances alike; taken last, after every other lock of the transaction, it cannot close
/// a cycle of waits with them, and it is held only for the commit.
pub struct Recording {
    /// False for a transaction inside another, whose entries the outer one chains.
    outermost: bool,
}

impl Recording {
    pub fn start() -> Self {
        let outermost = RECORDED.with_borrow_mut(|recorded| {
            let outermost = recorded.is_none();
            if outermost {
                *recorded = Some(Vec::new());
            }
            outermost
        });
        Self { outermost }
    }

    /// Chains the entries recorded since [`Recording::start`] (call it last in the
    /// transaction).
    pub fn seal(self, conn: &mut DbConnection) -> QueryResult<()> {
        if !self.outermost {
            return Ok(());
        }
        let recorded = RECORDED.with_borrow_mut(Option::take).unwrap_or_default();
        append(conn, recorded)
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        if self.outermost {
            RECORDED.with_borrow_mut(|recorded| *recorded = None);
        }
    }
}

/// The hash before the first entry.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an entry's hash covers: every column but the chain's own.
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_entries)]
struct Content {
    id: String,
    actor_id: Option<String>,
    actor_kind: String,
    actor_role: Option<String>,
    organization_id: Option<String>,
    action: String,
    entity_type: String,
    entity_id: String,
    before_state: Option<String>,
    after_state: Option<String>,
    request_id: Option<String>,
    created_at: chrono::NaiveDateTime,
    cause: Option<String>,
}

impl Content {
    /// SHA-256 (hex) of the entry's place, the previous hash and its content, written as
    /// one JSON array: unambiguous, and the same on both backends.
    fn chained_hash(&self, seq: i64, prev_hash: &str) -> String {
        let written = serde_json::json!([
            seq,
            prev_hash,
            self.id,
            self.actor_id,
            self.actor_kind,
            self.actor_role,
            self.organization_id,
            self.action,
            self.entity_type,
            self.entity_id,
            self.before_state,
            self.after_state,
            self.request_id,
            self.created_at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
            self.cause,
        ]);
        sha256_hex(written.to_string().as_bytes())
    }
}

/// Appends `entries` to the chain, holding its end until the transaction ends. An entry
/// that is gone (recorded in a savepoint since rolled back) takes no place.
fn append(conn: &mut DbConnection, entries: impl IntoIterator<Item = Content>) -> QueryResult<()> {
    let mut entries = entries.into_iter().peekable();
    if entries.peek().is_none() {
        return Ok(());
    }
    // Taking the end locks its row: on PostgreSQL until commit, and what it returns is the
    // end as the previous holder committed it.
    let (mut seq, mut hash): (i64, String) = diesel::update(audit_chain_head::table)
        .set(audit_chain_head::seq.eq(audit_chain_head::seq))
        .returning((audit_chain_head::seq, audit_chain_head::hash))
        .get_result(conn)?;
    let end = seq;
    for entry in entries {
        let entry_hash = entry.chained_hash(seq + 1, &hash);
        let chained = diesel::update(audit_entries::table.find(&entry.id))
            .set((
                audit_entries::seq.eq(seq + 1),
                audit_entries::prev_hash.eq(&hash),
                audit_entries::hash.eq(&entry_hash),
            ))
            .execute(conn)?;
        if chained == 1 {
            seq += 1;
            hash = entry_hash;
        }
    }
    if seq == end {
        return Ok(());
    }
    diesel::update(audit_chain_head::table)
        .set((
            audit_chain_head::seq.eq(seq),
            audit_chain_head::hash.eq(&hash),
        ))
        .execute(conn)
        .map(drop)
}

/// Chains the entries made before the chain existed, oldest first (at start-up, after the
/// migrations; nothing once they are chained).
pub fn seal_legacy(conn: &mut DbConnection) -> QueryResult<()> {
    let legacy_until: Option<chrono::NaiveDateTime> = audit_chain_head::table
        .select(audit_chain_head::legacy_until)
        .first(conn)?;
    let Some(legacy_until) = legacy_until else {
        return Ok(());
    };
    let legacy: Vec<Content> = audit_entries::table
        .filter(audit_entries::hash.is_null())
        .filter(audit_entries::created_at.le(legacy_until))
        .order((audit_entries::created_at.asc(), audit_entries::id.asc()))
        .select(Content::as_select())
        .load(conn)?;
    append(conn, legacy)
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Verification {
    /// True when every entry is in the chain and every link holds.
    pub ok: bool,
    /// How many entries were checked.
    pub entries: i64,
    /// The first entry where the chain breaks, in chain order.
    pub first_broken: Option<BrokenLink>,
}

/// Where and why the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct BrokenLink {
    /// The entry: the first one whose link fails; for a trail cut short at its end, the
    /// last one left (`null` when none is).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub id: Option<String>,
    /// One of `edited` (its content does not match its hash), `missing_before` (entries
    /// before it are gone), `relinked` (its link to the previous entry does not hold: an
    /// entry removed or moved), `truncated` (entries after it are gone), `unchained` (it
    /// was added outside the registry).
    #[schema(example = "edited")]
    pub reason: String,
}

/// An entry with its place, previous hash and hash as stored.
type Chained = (Content, Option<i64>, Option<String>, Option<String>);

/// Walks the chain from its start to its end as it stands now, page by page, and reports
/// the first broken link.
pub fn verify(conn: &mut DbConnection) -> QueryResult<Verification> {
    const PAGE: i64 = 1000;
    // The end first: entries chained while the walk runs lie beyond it.
    let (end_seq, end_hash): (i64, String) = audit_chain_head::table
        .select((audit_chain_head::seq, audit_chain_head::hash))
        .first(conn)?;
    let broken = |id: Option<String>, reason: &str, entries: i64| Verification {
        ok: false,
        entries,
        first_broken: Some(BrokenLink {
            id,
            reason: reason.to_owned(),
        }),
    };
    let mut checked = 0;
    let mut last: Option<(i64, String, String)> = None;
    loop {
        let after = last.as_ref().map_or(0, |(seq, _, _)| *seq);
        let page: Vec<Chained> = audit_entries::table
            .filter(audit_entries::seq.gt(after))
            .filter(audit_entries::seq.le(end_seq))
            .order(audit_entries::seq.asc())
            .limit(PAGE)
            .select((
                Content::as_select(),
                audit_entries::seq,
                audit_entries::prev_hash,
                audit_entries::hash,
            ))
            .load(conn)?;
        let full = page.len() as i64 == PAGE;
        for (content, seq, prev_hash, hash) in page {
            checked += 1;
            let (Some(seq), Some(prev_hash), Some(hash)) = (seq, prev_hash, hash) else {
                return Ok(broken(Some(content.id), "edited", checked));
            };
            let (expected_seq, expected_prev) = last
                .as_ref()
                .map_or((1, GENESIS), |(seq, hash, _)| (seq + 1, hash.as_str()));
            if seq != expected_seq {
                return Ok(broken(Some(content.id), "missing_before", checked));
            }
            if prev_hash != expected_prev {
                return Ok(broken(Some(content.id), "relinked", checked));
            }
            if content.chained_hash(seq, &prev_hash) != hash {
                return Ok(broken(Some(content.id), "edited", checked));
            }
            last = Some((seq, hash, content.id));
        }
        if !full {
            break;
        }
    }
    let (last_seq, last_hash, last_id) = last
        .map_or((0, GENESIS.to_owned(), None), |(seq, hash, id)| {
            (seq, hash, Some(id))
        });
    if last_seq != end_seq || last_hash != end_hash {
        return Ok(broken(last_id, "truncated", checked));
    }
    let unchained: Option<String> = audit_entries::table
        .filter(audit_entries::hash.is_null())
        .order((audit_entries::created_at.asc(), audit_entries::id.asc()))
        .select(audit_entries::id)
        .first(conn)
        .optional()?;
    if let Some(id) = unchained {
        return Ok(broken(Some(id), "unchained", checked));
    }
    Ok(Verification {
        ok: true,
        entries: checked,
        first_broken: None,
    })
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
    /// SHA-256 (hex) of this entry's content, its place in the chain and `prev_hash`
    /// (`null` only for an entry made outside the registry, which `/audit/verify` reports).
    pub hash: Option<String>,
    /// The hash of the entry before it in the chain (64 zeros for the first).
    pub prev_hash: Option<String>,
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
        Option<String>,
        Option<String>,
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
            audit_entries::hash,
            audit_entries::prev_hash,
        ))
        .load(conn)?;
    let has_more = rows.len() > limit as usize;
    let json = |text: Option<String>| text.and_then(|text| serde_json::from_str(&text).ok());
    let entries = rows
        .into_iter()
        .take(limit as usize)
        .map(
            |(id, actor_id, kind, role, organization_id, action, entity_type, entity_id, before, after, cause, request_id, at, hash, prev_hash)| {
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
                    hash,
                    prev_hash,
                }
            },
        )
        .collect();
    Ok((entries, has_more))
}
