-- Tamper evidence. Each entry's `hash` covers its content, its place `seq` and the previous
-- entry's hash (`prev_hash`); entries are chained when the write that made them commits
-- (see `db::audit::seal`), so the chain follows commit order. Entries older than this
-- migration are chained by the first write after it, in the order they were made.
ALTER TABLE audit_entries ADD COLUMN seq BIGINT;
ALTER TABLE audit_entries ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_entries ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX audit_entries_seq ON audit_entries (seq);
CREATE INDEX audit_entries_unsealed ON audit_entries (created_at, id) WHERE hash IS NULL;

-- The chain's end: `seq` running past the last entry tells a trail cut short at its end.
-- (SQLite's write transaction already lets one sealer at a time.)
CREATE TABLE audit_chain_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL,
    -- The newest entry made before the chain existed: start-up chains unsealed entries up
    -- to it, and only those (one inserted by hand later is reported, never adopted).
    legacy_until TIMESTAMP
);
INSERT INTO audit_chain_head (id, seq, hash, legacy_until)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000',
        (SELECT MAX(created_at) FROM audit_entries));

-- Append-only, as far as the database can hold it: an entry is never deleted, and updated
-- only once, to be sealed (its content unchanged).
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'audit entries are append-only (DELETE refused)');
END;
CREATE TRIGGER audit_entries_seal_only BEFORE UPDATE ON audit_entries
WHEN OLD.hash IS NOT NULL
    OR NEW.id IS NOT OLD.id OR NEW.actor_id IS NOT OLD.actor_id
    OR NEW.actor_kind IS NOT OLD.actor_kind OR NEW.actor_role IS NOT OLD.actor_role
    OR NEW.organization_id IS NOT OLD.organization_id OR NEW.action IS NOT OLD.action
    OR NEW.entity_type IS NOT OLD.entity_type OR NEW.entity_id IS NOT OLD.entity_id
    OR NEW.before_state IS NOT OLD.before_state OR NEW.after_state IS NOT OLD.after_state
    OR NEW.request_id IS NOT OLD.request_id OR NEW.created_at IS NOT OLD.created_at
    OR NEW.cause IS NOT OLD.cause
BEGIN
    SELECT RAISE(ABORT, 'audit entries are append-only (UPDATE refused)');
END;
