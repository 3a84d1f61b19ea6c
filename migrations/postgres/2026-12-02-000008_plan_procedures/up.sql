-- The plan's own procedures: investment by year, adjustment requests, reserve expiry.

-- A project's planned investment per year (本年计划投资 is the current year's) and the
-- completed investment per year of its accepted reports (kept by the review's transaction).
CREATE TABLE project_years (
    project_id    TEXT NOT NULL REFERENCES projects (id),
    year          INTEGER NOT NULL,
    planned_fen   BIGINT CHECK (planned_fen >= 0),
    completed_fen BIGINT NOT NULL DEFAULT 0 CHECK (completed_fen >= 0),
    PRIMARY KEY (project_id, year)
);
INSERT INTO project_years (project_id, year, planned_fen, completed_fen)
SELECT project_id, CAST(substr(period, 1, 4) AS INTEGER), NULL, CAST(SUM(investment_completed_fen) AS BIGINT)
FROM progress_reports WHERE status = 'accepted'
GROUP BY project_id, substr(period, 1, 4);

-- Changes to location, scale, technical description, end year or total investment that the
-- owner asks for and the plan office approves or rejects (national rules for government
-- investment). `changes` is the merge patch as filed; `base` the same fields' values then.
CREATE TABLE adjustments (
    id           TEXT PRIMARY KEY,
    project_id   TEXT NOT NULL REFERENCES projects (id),
    changes      TEXT NOT NULL,
    base         TEXT NOT NULL,
    reason       TEXT NOT NULL,
    status       TEXT COLLATE "C" NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    requested_by TEXT NOT NULL REFERENCES users (id),
    requested_at TIMESTAMP NOT NULL,
    reviewed_by  TEXT REFERENCES users (id),
    reviewed_at  TIMESTAMP,
    review_note  TEXT
);
CREATE INDEX adjustments_project ON adjustments (project_id, requested_at, id);
CREATE INDEX adjustments_status ON adjustments (status, requested_at, id);

-- Reserve expiry: a plan's validity, and when each project entered the reserve. Existing
-- projects count from their registration day in China Standard Time (UTC+8, the registry's
-- calendar); the expiry date is the same day `validity` years later (29 February to
-- 28 February), as the registry computes it.
ALTER TABLE plans ADD COLUMN reserve_validity_years INTEGER NOT NULL DEFAULT 3
    CHECK (reserve_validity_years BETWEEN 1 AND 20);
ALTER TABLE projects ADD COLUMN reserve_since DATE;
ALTER TABLE projects ADD COLUMN reserve_expires DATE;
ALTER TABLE projects ADD COLUMN withdrawal_reason TEXT
    CHECK (withdrawal_reason IN ('expired', 'merged', 'cancelled_by_owner', 'funding_unavailable', 'other'));
UPDATE projects SET
    reserve_since = (created_at + INTERVAL '8 hours')::date,
    reserve_expires = ((created_at + INTERVAL '8 hours')::date + INTERVAL '3 years')::date;
UPDATE projects SET withdrawal_reason = 'other' WHERE status = 'withdrawn';
CREATE INDEX projects_status_reserve_expires ON projects (status, reserve_expires, id);

-- What an audited change answers, when more than its actor (an approved adjustment).
ALTER TABLE audit_entries ADD COLUMN cause TEXT;
