//! Failed-login counters and the clients each user signed in from, kept in the database so
//! that every instance on one database throttles as one. The policy that uses them is in
//! `ops::sessions`.

use chrono::{Duration, NaiveDateTime};
use diesel::{
    prelude::*,
    sql_types::{Integer, Text, Timestamp},
};

use sha2::{Digest, Sha256};

use super::{
    DbConnection,
    schema::{login_failures, login_known_clients},
};

/// The stored key of a subject: its SHA-256, so that a key has one short length whatever
/// a client sent (a 3,000-character username once overflowed PostgreSQL's index row) and
/// the tables hold no username or address in clear.
fn key(subject: &str) -> String {
    Sha256::digest(subject.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Failures are counted within this window…
pub const WINDOW: Duration = Duration::minutes(15);
/// …and a subject that reaches its limit waits [`FIRST_DELAY`], doubled with every further
/// failure, up to [`LONGEST_DELAY`].
pub const FIRST_DELAY: Duration = Duration::seconds(30);
pub const LONGEST_DELAY: Duration = Duration::minutes(15);
/// A client stays known this long after its last successful login.
pub const KNOWN_FOR: Duration = Duration::days(90);

/// How long a subject waits after `failures` failures against a `limit`: nothing below the
/// limit, then 30 s, 1 min, 2 min, … up to 15 min.
pub fn delay(failures: i32, limit: i32) -> Option<Duration> {
    let beyond = u32::try_from(failures - limit).ok()?;
    let doubled = FIRST_DELAY
        .checked_mul(1_i32.checked_shl(beyond.min(16)).unwrap_or(i32::MAX))
        .unwrap_or(LONGEST_DELAY);
    Some(doubled.min(LONGEST_DELAY))
}

/// Seconds until the longest wait among `subjects` ends; `None` when none waits.
pub fn blocked_for(
    conn: &mut DbConnection,
    subjects: &[&str],
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

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = Integer)]
    failures: i32,
}

/// Counts a failure for `subject`, starting a new window when the last one is over, and
/// makes the subject wait [`delay`] once it reaches `limit`. One atomic upsert counts (both
/// backends accept `ON CONFLICT … RETURNING`; `$n` placeholders are numbered in order of
/// first use, as SQLite needs). Rows whose window and wait are both over are deleted on the
/// way, so that the table holds only the last [`WINDOW`]'s subjects whatever a client sends.
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
    let subject = key(subject);
    let counted: Counted = diesel::sql_query(
        "INSERT INTO login_failures (subject, failures, window_started_at, blocked_until) \
         VALUES ($1, 1, $2, NULL) \
         ON CONFLICT (subject) DO UPDATE SET \
           failures = CASE WHEN login_failures.window_started_at < $3 THEN 1 \
                      ELSE login_failures.failures + 1 END, \
           window_started_at = CASE WHEN login_failures.window_started_at < $3 THEN $2 \
                               ELSE login_failures.window_started_at END \
         RETURNING failures",
    )
    .bind::<Text, _>(&subject)
    .bind::<Timestamp, _>(at)
    .bind::<Timestamp, _>(at - WINDOW)
    .get_result(conn)?;
    if let Some(wait) = delay(counted.failures, limit) {
        diesel::update(login_failures::table.find(&subject))
            .set(login_failures::blocked_until.eq(at + wait))
            .execute(conn)?;
    }
    Ok(())
}

/// Forgets the failures of `subject` (after a successful login).
pub fn clear(conn: &mut DbConnection, subject: &str) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::subject.eq(key(subject))))
        .execute(conn)
        .map(drop)
}

/// Remembers that `client` signed in successfully at `at`; forgets clients unseen for
/// [`KNOWN_FOR`] on the way.
pub fn remember_client(
    conn: &mut DbConnection,
    client: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(
        login_known_clients::table.filter(login_known_clients::last_success_at.lt(at - KNOWN_FOR)),
    )
    .execute(conn)?;
    diesel::sql_query(
        "INSERT INTO login_known_clients (subject, last_success_at) VALUES ($1, $2) \
         ON CONFLICT (subject) DO UPDATE SET last_success_at = $2",
    )
    .bind::<Text, _>(key(client))
    .bind::<Timestamp, _>(at)
    .execute(conn)
    .map(drop)
}

/// Whether `client` signed in successfully within [`KNOWN_FOR`] before `at`.
pub fn is_known(conn: &mut DbConnection, client: &str, at: NaiveDateTime) -> QueryResult<bool> {
    login_known_clients::table
        .filter(login_known_clients::subject.eq(key(client)))
        .filter(login_known_clients::last_success_at.ge(at - KNOWN_FOR))
        .select(login_known_clients::subject)
        .first::<String>(conn)
        .optional()
        .map(|found| found.is_some())
}
