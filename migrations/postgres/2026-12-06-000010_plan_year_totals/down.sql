DROP TRIGGER projects_year_totals ON projects;
DROP FUNCTION projects_year_totals();
DROP TRIGGER project_years_totals ON project_years;
DROP FUNCTION project_years_totals();
DROP FUNCTION plan_year_totals_add(TEXT, INTEGER, BIGINT, BIGINT, BIGINT);
DROP TABLE plan_year_totals;
