DROP TRIGGER projects_totals_delete;
DROP TRIGGER projects_totals_update;
DROP TRIGGER projects_totals_insert;
DROP TRIGGER plan_total_changes_apply;
DROP VIEW plan_total_changes;
DROP TABLE plan_totals;
