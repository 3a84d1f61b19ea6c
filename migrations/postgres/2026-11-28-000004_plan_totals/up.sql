-- The plan summary's sums, kept current by a trigger in the transaction of every write to
-- projects, so that the summary reads a few hundred rows instead of every project.
--
-- One row per (plan, category, status, lead department); `lead_key` is '' for projects
-- without a lead (a NULL in a key would never conflict). Each sum is kept as
-- `hi × 10^9 + lo` fen in two BIGINTs, each part summed separately: exact for any number of
-- projects of the largest amount, where one BIGINT sum would overflow. (The SQLite migration
-- keeps the same table, which is why this one does not use NUMERIC.)
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

-- Adds a project's figures to their group (sign +1) or takes them from it (sign -1).
CREATE FUNCTION plan_totals_add(p projects, sign BIGINT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO plan_totals AS t
    SELECT p.plan_id, p.category_id, p.status, COALESCE(p.lead_department_id, ''), sign,
           sign * (v.total / 1000000000), sign * (v.total % 1000000000),
           sign * (v.central / 1000000000), sign * (v.central % 1000000000),
           sign * (v.municipal / 1000000000), sign * (v.municipal % 1000000000),
           sign * (v.county / 1000000000), sign * (v.county % 1000000000),
           sign * (v.special_bonds / 1000000000), sign * (v.special_bonds % 1000000000),
           sign * (v.social_capital / 1000000000), sign * (v.social_capital % 1000000000),
           sign * (v.financial / 1000000000), sign * (v.financial % 1000000000),
           sign * (v.other / 1000000000), sign * (v.other % 1000000000),
           sign * (v.gap / 1000000000), sign * (v.gap % 1000000000),
           sign * (v.completed / 1000000000), sign * (v.completed % 1000000000)
    FROM (
        SELECT COALESCE(p.total_fen, 0) AS total,
               COALESCE(p.central_fen, 0) AS central,
               COALESCE(p.municipal_fen, 0) AS municipal,
               COALESCE(p.county_fen, 0) AS county,
               COALESCE(p.special_bonds_fen, 0) AS special_bonds,
               COALESCE(p.social_capital_fen, 0) AS social_capital,
               COALESCE(p.financial_fen, 0) AS financial,
               COALESCE(p.other_fen, 0) AS other,
               CASE WHEN p.total_fen IS NULL THEN 0 ELSE p.total_fen
                   - COALESCE(p.central_fen, 0) - COALESCE(p.municipal_fen, 0)
                   - COALESCE(p.county_fen, 0) - COALESCE(p.special_bonds_fen, 0)
                   - COALESCE(p.social_capital_fen, 0) - COALESCE(p.financial_fen, 0)
                   - COALESCE(p.other_fen, 0) END AS gap,
               p.completed_investment_fen AS completed
    ) AS v
    ON CONFLICT (plan_id, category_id, status, lead_key) DO UPDATE SET
        projects = t.projects + excluded.projects,
        total_hi = t.total_hi + excluded.total_hi, total_lo = t.total_lo + excluded.total_lo,
        central_hi = t.central_hi + excluded.central_hi, central_lo = t.central_lo + excluded.central_lo,
        municipal_hi = t.municipal_hi + excluded.municipal_hi, municipal_lo = t.municipal_lo + excluded.municipal_lo,
        county_hi = t.county_hi + excluded.county_hi, county_lo = t.county_lo + excluded.county_lo,
        special_bonds_hi = t.special_bonds_hi + excluded.special_bonds_hi, special_bonds_lo = t.special_bonds_lo + excluded.special_bonds_lo,
        social_capital_hi = t.social_capital_hi + excluded.social_capital_hi, social_capital_lo = t.social_capital_lo + excluded.social_capital_lo,
        financial_hi = t.financial_hi + excluded.financial_hi, financial_lo = t.financial_lo + excluded.financial_lo,
        other_hi = t.other_hi + excluded.other_hi, other_lo = t.other_lo + excluded.other_lo,
        gap_hi = t.gap_hi + excluded.gap_hi, gap_lo = t.gap_lo + excluded.gap_lo,
        completed_hi = t.completed_hi + excluded.completed_hi, completed_lo = t.completed_lo + excluded.completed_lo;
$$;

-- A project moving between groups updates two rows: always in key order, so that two
-- transactions moving projects in opposite directions cannot deadlock.
CREATE FUNCTION projects_maintain_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM plan_totals_add(NEW, 1);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM plan_totals_add(OLD, -1);
    ELSIF (OLD.plan_id, OLD.category_id, OLD.status, COALESCE(OLD.lead_department_id, ''))
        <= (NEW.plan_id, NEW.category_id, NEW.status, COALESCE(NEW.lead_department_id, '')) THEN
        PERFORM plan_totals_add(OLD, -1);
        PERFORM plan_totals_add(NEW, 1);
    ELSE
        PERFORM plan_totals_add(NEW, 1);
        PERFORM plan_totals_add(OLD, -1);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER projects_totals_insert AFTER INSERT ON projects
    FOR EACH ROW EXECUTE FUNCTION projects_maintain_totals();
-- Only writes that move a project between groups or change its figures touch the totals.
CREATE TRIGGER projects_totals_update AFTER UPDATE ON projects
    FOR EACH ROW
    WHEN ((OLD.plan_id, OLD.category_id, OLD.status, OLD.lead_department_id, OLD.total_fen,
           OLD.central_fen, OLD.municipal_fen, OLD.county_fen, OLD.special_bonds_fen,
           OLD.social_capital_fen, OLD.financial_fen, OLD.other_fen, OLD.completed_investment_fen)
          IS DISTINCT FROM
          (NEW.plan_id, NEW.category_id, NEW.status, NEW.lead_department_id, NEW.total_fen,
           NEW.central_fen, NEW.municipal_fen, NEW.county_fen, NEW.special_bonds_fen,
           NEW.social_capital_fen, NEW.financial_fen, NEW.other_fen, NEW.completed_investment_fen))
    EXECUTE FUNCTION projects_maintain_totals();
CREATE TRIGGER projects_totals_delete AFTER DELETE ON projects
    FOR EACH ROW EXECUTE FUNCTION projects_maintain_totals();

-- The projects already registered.
SELECT plan_totals_add(p, 1) FROM projects p;
