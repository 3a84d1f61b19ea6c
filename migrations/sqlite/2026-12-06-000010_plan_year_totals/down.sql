DROP TRIGGER projects_year_totals_status;
DROP TRIGGER project_years_totals_delete;
DROP TRIGGER project_years_totals_update;
DROP TRIGGER project_years_totals_insert;
DROP TRIGGER plan_year_changes_apply;
DROP VIEW plan_year_changes;
DROP TABLE plan_year_totals;
