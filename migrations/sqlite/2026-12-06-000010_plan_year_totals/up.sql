-- The summary's sums by year, kept current by triggers like `plan_totals`: per plan and
-- year, the planned and completed investment of the projects that are not withdrawn. The
-- summary reads five rows instead of joining every project's years (at 100,000 projects
-- that join made the summary a hundred times slower). Sums as `hi × 10^9 + lo` fen.
CREATE TABLE plan_year_totals (
    plan_id      TEXT NOT NULL,
    year         INTEGER NOT NULL,
    planned_hi   BIGINT NOT NULL,
    planned_lo   BIGINT NOT NULL,
    completed_hi BIGINT NOT NULL,
    completed_lo BIGINT NOT NULL,
    PRIMARY KEY (plan_id, year)
);

-- Inserting a year's figures with a sign into this view adds them to, or takes them from,
-- the sums of the plan whose project they belong to, if that project is not withdrawn.
CREATE VIEW plan_year_changes AS
SELECT 0 AS sign, project_id, year, planned_fen, completed_fen FROM project_years WHERE 0;

CREATE TRIGGER plan_year_changes_apply INSTEAD OF INSERT ON plan_year_changes
BEGIN
    INSERT INTO plan_year_totals
    SELECT p.plan_id, NEW.year,
           NEW.sign * (COALESCE(NEW.planned_fen, 0) / 1000000000),
           NEW.sign * (COALESCE(NEW.planned_fen, 0) % 1000000000),
           NEW.sign * (NEW.completed_fen / 1000000000),
           NEW.sign * (NEW.completed_fen % 1000000000)
    FROM projects p WHERE p.id = NEW.project_id AND p.status <> 'withdrawn'
    ON CONFLICT (plan_id, year) DO UPDATE SET
        planned_hi = planned_hi + excluded.planned_hi,
        planned_lo = planned_lo + excluded.planned_lo,
        completed_hi = completed_hi + excluded.completed_hi,
        completed_lo = completed_lo + excluded.completed_lo;
END;

CREATE TRIGGER project_years_totals_insert AFTER INSERT ON project_years
BEGIN
    INSERT INTO plan_year_changes VALUES (1, NEW.project_id, NEW.year, NEW.planned_fen, NEW.completed_fen);
END;

CREATE TRIGGER project_years_totals_update AFTER UPDATE ON project_years
WHEN (OLD.project_id, OLD.year, OLD.planned_fen, OLD.completed_fen)
  IS NOT (NEW.project_id, NEW.year, NEW.planned_fen, NEW.completed_fen)
BEGIN
    INSERT INTO plan_year_changes VALUES (-1, OLD.project_id, OLD.year, OLD.planned_fen, OLD.completed_fen);
    INSERT INTO plan_year_changes VALUES (1, NEW.project_id, NEW.year, NEW.planned_fen, NEW.completed_fen);
END;

CREATE TRIGGER project_years_totals_delete AFTER DELETE ON project_years
BEGIN
    INSERT INTO plan_year_changes VALUES (-1, OLD.project_id, OLD.year, OLD.planned_fen, OLD.completed_fen);
END;

-- A project withdrawn (or back from it) takes its years out of the sums (or brings them
-- back). The update has happened: the view's status test would see the new status, so the
-- old side is taken out here directly.
CREATE TRIGGER projects_year_totals_status AFTER UPDATE ON projects
WHEN (OLD.status = 'withdrawn') IS NOT (NEW.status = 'withdrawn') OR OLD.plan_id IS NOT NEW.plan_id
BEGIN
    INSERT INTO plan_year_totals
    SELECT OLD.plan_id, y.year,
           -(COALESCE(y.planned_fen, 0) / 1000000000), -(COALESCE(y.planned_fen, 0) % 1000000000),
           -(y.completed_fen / 1000000000), -(y.completed_fen % 1000000000)
    FROM project_years y WHERE y.project_id = OLD.id AND OLD.status <> 'withdrawn'
    ON CONFLICT (plan_id, year) DO UPDATE SET
        planned_hi = planned_hi + excluded.planned_hi,
        planned_lo = planned_lo + excluded.planned_lo,
        completed_hi = completed_hi + excluded.completed_hi,
        completed_lo = completed_lo + excluded.completed_lo;
    INSERT INTO plan_year_changes
    SELECT 1, project_id, year, planned_fen, completed_fen FROM project_years WHERE project_id = NEW.id;
END;

-- The years already recorded.
INSERT INTO plan_year_totals
SELECT p.plan_id, y.year,
       SUM(COALESCE(y.planned_fen, 0) / 1000000000), SUM(COALESCE(y.planned_fen, 0) % 1000000000),
       SUM(y.completed_fen / 1000000000), SUM(y.completed_fen % 1000000000)
FROM project_years y JOIN projects p ON p.id = y.project_id
WHERE p.status <> 'withdrawn'
GROUP BY p.plan_id, y.year;
