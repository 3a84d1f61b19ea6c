DROP TRIGGER projects_totals_delete ON projects;
DROP TRIGGER projects_totals_update ON projects;
DROP TRIGGER projects_totals_insert ON projects;
DROP FUNCTION projects_maintain_totals();
DROP FUNCTION plan_totals_add(projects, BIGINT);
DROP TABLE plan_totals;
