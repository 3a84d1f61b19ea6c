ALTER TABLE organizations ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL DEFAULT '',
    -- argon2id PHC string
    password_hash   TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('plan_office', 'department', 'platform_company', 'finance', 'viewer')),
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    -- bumped when the password changes: tokens carry it and older ones stop working
    token_version   INTEGER NOT NULL DEFAULT 1,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    -- SHA-256 of the whole key, hex: keys are 256-bit random, so a fast hash suffices
    key_hash    TEXT NOT NULL UNIQUE,
    created_by  TEXT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP
);

-- Failed logins per subject ("user:<name>" or "ip:<address>"), shared by every instance.
CREATE TABLE login_failures (
    subject           TEXT PRIMARY KEY,
    failures          INTEGER NOT NULL,
    window_started_at TIMESTAMP NOT NULL,
    blocked_until     TIMESTAMP
);

-- Append-only: the service never updates or deletes a row.
CREATE TABLE audit_entries (
    id              TEXT PRIMARY KEY,
    -- NULL actor: the registry itself (start-up, seeds)
    actor_id        TEXT,
    actor_kind      TEXT NOT NULL CHECK (actor_kind IN ('user', 'api_key', 'system')),
    actor_role      TEXT,
    organization_id TEXT,
    action          TEXT NOT NULL,
    entity_type     TEXT NOT NULL,
    entity_id       TEXT NOT NULL,
    before_state    TEXT,
    after_state     TEXT,
    request_id      TEXT,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX audit_entries_entity ON audit_entries (entity_type, entity_id, created_at);
CREATE INDEX audit_entries_created_at ON audit_entries (created_at, id);
CREATE INDEX audit_entries_actor ON audit_entries (actor_id, created_at);
