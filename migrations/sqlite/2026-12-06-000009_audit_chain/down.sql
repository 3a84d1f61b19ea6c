DROP TRIGGER audit_entries_seal_only;
DROP TRIGGER audit_entries_no_delete;
DROP TABLE audit_chain_head;
DROP INDEX audit_entries_unsealed;
DROP INDEX audit_entries_seq;
ALTER TABLE audit_entries DROP COLUMN hash;
ALTER TABLE audit_entries DROP COLUMN prev_hash;
ALTER TABLE audit_entries DROP COLUMN seq;
