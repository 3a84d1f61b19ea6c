DROP TABLE audit_entries;
DROP TABLE login_failures;
DROP TABLE api_keys;
DROP TABLE users;
ALTER TABLE organizations DROP COLUMN active;
