-- Signed-in browser sessions of the console. The cookie holds a random secret; the row is
-- keyed by its SHA-256, so a copy of the database opens no session. A session ends at
-- logout (row deleted), after an idle time, or when its user's token version moves on
-- (password change, reset, deactivation).
CREATE TABLE console_sessions (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id),
    token_version INTEGER NOT NULL,
    csrf_token    TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    last_seen_at  TIMESTAMP NOT NULL
);
CREATE INDEX console_sessions_by_last_seen ON console_sessions (last_seen_at);
