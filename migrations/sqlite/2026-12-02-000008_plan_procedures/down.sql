ALTER TABLE audit_entries DROP COLUMN cause;
DROP INDEX projects_status_reserve_expires;
ALTER TABLE projects DROP COLUMN withdrawal_reason;
ALTER TABLE projects DROP COLUMN reserve_expires;
ALTER TABLE projects DROP COLUMN reserve_since;
ALTER TABLE plans DROP COLUMN reserve_validity_years;
DROP TABLE adjustments;
DROP TABLE project_years;
