//! Failed-login counters, kept in the database so that every instance on one database
//! throttles as one.

use chrono::{Duration, NaiveDateTime};
use diesel::{
    prelude::*,
    sql_types::{Integer, Text, Timestamp},
};

use sha2::{Digest, Sha256};

use super::{DbConnection, schema::login_failures};

/// The stored key of a subject: its SHA-256, so that a key has one short length whatever
/// a client sent (a 3,000-character username once overflowed PostgreSQL's index row) and
/// the table holds no username or address in clear.
fn key(subject: &str) -> String {
    Sha256::digest(subject.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// A subject is blocked after this many failures within [`WINDOW`]…
pub const WINDOW: Duration = Duration::minutes(15);
/// …for this long.
pub const BLOCK: Duration = Duration::minutes(15);
/// Failures allowed per username, and per client address (which many users may share).
pub const USERNAME_LIMIT: i32 = 5;
pub const ADDRESS_LIMIT: i32 = 20;

/// Seconds until the longest block among `subjects` ends; `None` when none is blocked.
pub fn blocked_for(
    conn: &mut DbConnection,
    subjects: &[String],
    at: NaiveDateTime,
) -> QueryResult<Option<u64>> {
    let keys: Vec<String> = subjects.iter().map(|subject| key(subject)).collect();
    let until: Option<NaiveDateTime> = login_failures::table
        .filter(login_failures::subject.eq_any(keys))
        .filter(login_failures::blocked_until.gt(at))
        .select(diesel::dsl::max(login_failures::blocked_until))
        .first(conn)?;
    Ok(until.map(|until| u64::try_from((until - at).num_seconds().max(1)).unwrap_or(1)))
}

/// Counts a failure for `subject`, starting a new window when the last one is over, and
/// blocking the subject when it reaches `limit`. One atomic upsert (both backends accept
/// `ON CONFLICT`; `$n` placeholders are numbered in order of first use, as SQLite needs).
/// Rows whose window and block are both over are deleted on the way, so that the table
/// holds only the last [`WINDOW`]'s subjects whatever a client sends.
pub fn record_failure(
    conn: &mut DbConnection,
    subject: &str,
    limit: i32,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(
        login_failures::table
            .filter(login_failures::window_started_at.lt(at - WINDOW))
            .filter(
                login_failures::blocked_until
                    .is_null()
                    .or(login_failures::blocked_until.le(at)),
            ),
    )
    .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO login_failures (subject, failures, window_started_at, blocked_until) \
         VALUES ($1, 1, $2, CASE WHEN 1 >= $3 THEN $4 ELSE NULL END) \
         ON CONFLICT (subject) DO UPDATE SET \
           failures = CASE WHEN login_failures.window_started_at < $5 THEN 1 \
                      ELSE login_failures.failures + 1 END, \
           blocked_until = CASE \
             WHEN login_failures.window_started_at >= $5 AND login_failures.failures + 1 >= $3 THEN $4 \
             ELSE login_failures.blocked_until END, \
           window_started_at = CASE WHEN login_failures.window_started_at < $5 THEN $2 \
                               ELSE login_failures.window_started_at END",
    )
    .bind::<Text, _>(key(subject))
    .bind::<Timestamp, _>(at)
    .bind::<Integer, _>(limit)
    .bind::<Timestamp, _>(at + BLOCK)
    .bind::<Timestamp, _>(at - WINDOW)
    .execute(conn)
    .map(drop)
}

/// Forgets the failures of `subject` (after a successful login).
pub fn clear(conn: &mut DbConnection, subject: &str) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::subject.eq(key(subject))))
        .execute(conn)
        .map(drop)
}
