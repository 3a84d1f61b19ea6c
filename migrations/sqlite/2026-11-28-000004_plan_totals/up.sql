-- The plan summary's sums, kept current by triggers in the transaction of every write to
-- projects, so that the summary reads a few hundred rows instead of every project.
--
-- One row per (plan, category, status, lead department); `lead_key` is '' for projects
-- without a lead (a NULL in a key would never conflict). Each sum is kept as
-- `hi × 10^9 + lo` fen in two 64-bit integers, each part summed separately: exact for any
-- number of projects of the largest amount, where one 64-bit sum would overflow (and
-- SQLite would silently turn it into a float).
CREATE TABLE plan_totals (
    plan_id           TEXT NOT NULL,
    category_id       TEXT NOT NULL,
    status            TEXT NOT NULL,
    lead_key          TEXT NOT NULL,
    projects          BIGINT NOT NULL,
    total_hi          BIGINT NOT NULL,
    total_lo          BIGINT NOT NULL,
    central_hi        BIGINT NOT NULL,
    central_lo        BIGINT NOT NULL,
    municipal_hi      BIGINT NOT NULL,
    municipal_lo      BIGINT NOT NULL,
    county_hi         BIGINT NOT NULL,
    county_lo         BIGINT NOT NULL,
    special_bonds_hi  BIGINT NOT NULL,
    special_bonds_lo  BIGINT NOT NULL,
    social_capital_hi BIGINT NOT NULL,
    social_capital_lo BIGINT NOT NULL,
    financial_hi      BIGINT NOT NULL,
    financial_lo      BIGINT NOT NULL,
    other_hi          BIGINT NOT NULL,
    other_lo          BIGINT NOT NULL,
    -- total − secured, over the projects that have a total
    gap_hi            BIGINT NOT NULL,
    gap_lo            BIGINT NOT NULL,
    completed_hi      BIGINT NOT NULL,
    completed_lo      BIGINT NOT NULL,
    PRIMARY KEY (plan_id, category_id, status, lead_key)
);

-- Inserting a project's figures with a sign (+1 or -1) into this view adds them to, or
-- takes them from, their group: SQLite has no stored procedures, and this keeps the
-- arithmetic in one place for the three triggers below.
CREATE VIEW plan_total_changes AS
SELECT 0 AS sign, plan_id, category_id, status, lead_department_id, total_fen, central_fen,
       municipal_fen, county_fen, special_bonds_fen, social_capital_fen, financial_fen,
       other_fen, completed_investment_fen
FROM projects WHERE 0;

CREATE TRIGGER plan_total_changes_apply INSTEAD OF INSERT ON plan_total_changes
BEGIN
    INSERT INTO plan_totals
    SELECT plan_id, category_id, status, lead_key, sign,
           sign * (total / 1000000000), sign * (total % 1000000000),
           sign * (central / 1000000000), sign * (central % 1000000000),
           sign * (municipal / 1000000000), sign * (municipal % 1000000000),
           sign * (county / 1000000000), sign * (county % 1000000000),
           sign * (special_bonds / 1000000000), sign * (special_bonds % 1000000000),
           sign * (social_capital / 1000000000), sign * (social_capital % 1000000000),
           sign * (financial / 1000000000), sign * (financial % 1000000000),
           sign * (other / 1000000000), sign * (other % 1000000000),
           sign * (gap / 1000000000), sign * (gap % 1000000000),
           sign * (completed / 1000000000), sign * (completed % 1000000000)
    FROM (
        SELECT NEW.sign AS sign, NEW.plan_id AS plan_id, NEW.category_id AS category_id,
               NEW.status AS status, COALESCE(NEW.lead_department_id, '') AS lead_key,
               COALESCE(NEW.total_fen, 0) AS total,
               COALESCE(NEW.central_fen, 0) AS central,
               COALESCE(NEW.municipal_fen, 0) AS municipal,
               COALESCE(NEW.county_fen, 0) AS county,
               COALESCE(NEW.special_bonds_fen, 0) AS special_bonds,
               COALESCE(NEW.social_capital_fen, 0) AS social_capital,
               COALESCE(NEW.financial_fen, 0) AS financial,
               COALESCE(NEW.other_fen, 0) AS other,
               CASE WHEN NEW.total_fen IS NULL THEN 0 ELSE NEW.total_fen
                   - COALESCE(NEW.central_fen, 0) - COALESCE(NEW.municipal_fen, 0)
                   - COALESCE(NEW.county_fen, 0) - COALESCE(NEW.special_bonds_fen, 0)
                   - COALESCE(NEW.social_capital_fen, 0) - COALESCE(NEW.financial_fen, 0)
                   - COALESCE(NEW.other_fen, 0) END AS gap,
               NEW.completed_investment_fen AS completed
    ) WHERE true
    ON CONFLICT (plan_id, category_id, status, lead_key) DO UPDATE SET
        projects = projects + excluded.projects,
        total_hi = total_hi + excluded.total_hi, total_lo = total_lo + excluded.total_lo,
        central_hi = central_hi + excluded.central_hi, central_lo = central_lo + excluded.central_lo,
        municipal_hi = municipal_hi + excluded.municipal_hi, municipal_lo = municipal_lo + excluded.municipal_lo,
        county_hi = county_hi + excluded.county_hi, county_lo = county_lo + excluded.county_lo,
        special_bonds_hi = special_bonds_hi + excluded.special_bonds_hi, special_bonds_lo = special_bonds_lo + excluded.special_bonds_lo,
        social_capital_hi = social_capital_hi + excluded.social_capital_hi, social_capital_lo = social_capital_lo + excluded.social_capital_lo,
        financial_hi = financial_hi + excluded.financial_hi, financial_lo = financial_lo + excluded.financial_lo,
        other_hi = other_hi + excluded.other_hi, other_lo = other_lo + excluded.other_lo,
        gap_hi = gap_hi + excluded.gap_hi, gap_lo = gap_lo + excluded.gap_lo,
        completed_hi = completed_hi + excluded.completed_hi, completed_lo = completed_lo + excluded.completed_lo;
END;

CREATE TRIGGER projects_totals_insert AFTER INSERT ON projects
BEGIN
    INSERT INTO plan_total_changes VALUES (1, NEW.plan_id, NEW.category_id, NEW.status,
        NEW.lead_department_id, NEW.total_fen, NEW.central_fen, NEW.municipal_fen,
        NEW.county_fen, NEW.special_bonds_fen, NEW.social_capital_fen, NEW.financial_fen,
        NEW.other_fen, NEW.completed_investment_fen);
END;

-- Only writes that move a project between groups or change its figures touch the totals.
CREATE TRIGGER projects_totals_update AFTER UPDATE ON projects
WHEN (OLD.plan_id, OLD.category_id, OLD.status, OLD.lead_department_id, OLD.total_fen,
      OLD.central_fen, OLD.municipal_fen, OLD.county_fen, OLD.special_bonds_fen,
      OLD.social_capital_fen, OLD.financial_fen, OLD.other_fen, OLD.completed_investment_fen)
  IS NOT (NEW.plan_id, NEW.category_id, NEW.status, NEW.lead_department_id, NEW.total_fen,
      NEW.central_fen, NEW.municipal_fen, NEW.county_fen, NEW.special_bonds_fen,
      NEW.social_capital_fen, NEW.financial_fen, NEW.other_fen, NEW.completed_investment_fen)
BEGIN
    INSERT INTO plan_total_changes VALUES (-1, OLD.plan_id, OLD.category_id, OLD.status,
        OLD.lead_department_id, OLD.total_fen, OLD.central_fen, OLD.municipal_fen,
        OLD.county_fen, OLD.special_bonds_fen, OLD.social_capital_fen, OLD.financial_fen,
        OLD.other_fen, OLD.completed_investment_fen);
    INSERT INTO plan_total_changes VALUES (1, NEW.plan_id, NEW.category_id, NEW.status,
        NEW.lead_department_id, NEW.total_fen, NEW.central_fen, NEW.municipal_fen,
        NEW.county_fen, NEW.special_bonds_fen, NEW.social_capital_fen, NEW.financial_fen,
        NEW.other_fen, NEW.completed_investment_fen);
END;

CREATE TRIGGER projects_totals_delete AFTER DELETE ON projects
BEGIN
    INSERT INTO plan_total_changes VALUES (-1, OLD.plan_id, OLD.category_id, OLD.status,
        OLD.lead_department_id, OLD.total_fen, OLD.central_fen, OLD.municipal_fen,
        OLD.county_fen, OLD.special_bonds_fen, OLD.social_capital_fen, OLD.financial_fen,
        OLD.other_fen, OLD.completed_investment_fen);
END;

-- The projects already registered.
INSERT INTO plan_total_changes
SELECT 1, plan_id, category_id, status, lead_department_id, total_fen, central_fen,
       municipal_fen, county_fen, special_bonds_fen, social_capital_fen, financial_fen,
       other_fen, completed_investment_fen
FROM projects;
