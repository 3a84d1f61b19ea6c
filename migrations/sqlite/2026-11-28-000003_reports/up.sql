-- Progress reports (调度): one per project and period, reviewed by finance or the plan office.
CREATE TABLE progress_reports (
    id                       TEXT PRIMARY KEY,
    project_id               TEXT NOT NULL REFERENCES projects (id),
    -- YYYY-MM
    period                   TEXT NOT NULL,
    investment_completed_fen BIGINT NOT NULL CHECK (investment_completed_fen >= 0),
    physical_progress        INTEGER NOT NULL CHECK (physical_progress BETWEEN 0 AND 100),
    summary                  TEXT NOT NULL,
    issues                   TEXT NOT NULL DEFAULT '',
    status                   TEXT NOT NULL CHECK (status IN ('submitted', 'accepted', 'returned')),
    submitted_by             TEXT NOT NULL REFERENCES users (id),
    submitted_at             TIMESTAMP NOT NULL,
    reviewed_by              TEXT REFERENCES users (id),
    reviewed_at              TIMESTAMP,
    review_comment           TEXT,
    UNIQUE (project_id, period)
);
CREATE INDEX progress_reports_accepted ON progress_reports (project_id, status, period);
