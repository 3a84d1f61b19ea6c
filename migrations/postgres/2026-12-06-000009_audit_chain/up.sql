-- Tamper evidence. Each entry's `hash` covers its content, its place `seq` and the previous
-- entry's hash (`prev_hash`); entries are chained when the write that made them commits
-- (see `db::audit::seal`), so the chain follows commit order. Entries older than this
-- migration are chained by the first write after it, in the order they were made.
ALTER TABLE audit_entries ADD COLUMN seq BIGINT UNIQUE;
ALTER TABLE audit_entries ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_entries ADD COLUMN hash TEXT;
CREATE INDEX audit_entries_unsealed ON audit_entries (created_at, id) WHERE hash IS NULL;

-- The chain's end. Every sealing transaction locks this one row until it commits, so that
-- appenders (threads or instances) take turns: no two entries claim one place, none is
-- skipped. A trail cut short at its end is told by `seq` here running past the last entry.
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
CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE' OR OLD.hash IS NOT NULL
       OR (NEW.id, NEW.actor_id, NEW.actor_kind, NEW.actor_role, NEW.organization_id,
           NEW.action, NEW.entity_type, NEW.entity_id, NEW.before_state, NEW.after_state,
           NEW.request_id, NEW.created_at, NEW.cause)
          IS DISTINCT FROM
          (OLD.id, OLD.actor_id, OLD.actor_kind, OLD.actor_role, OLD.organization_id,
           OLD.action, OLD.entity_type, OLD.entity_id, OLD.before_state, OLD.after_state,
           OLD.request_id, OLD.created_at, OLD.cause)
    THEN
        RAISE EXCEPTION 'audit entries are append-only (% refused)', TG_OP;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only();
