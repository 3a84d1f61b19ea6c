-- Spreadsheet imports: who imported which file into which plan, and what it did. The
-- changes themselves are in the audit trail, under the request id `import:<id>`.
CREATE TABLE imports (
    id         TEXT PRIMARY KEY,
    plan_id    TEXT NOT NULL REFERENCES plans (id),
    user_id    TEXT REFERENCES users (id),
    file_name  TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    dry_run    BOOLEAN NOT NULL,
    created    INTEGER NOT NULL,
    updated    INTEGER NOT NULL,
    unchanged  INTEGER NOT NULL,
    errors     INTEGER NOT NULL,
    reports    INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX imports_by_user ON imports (user_id, created_at);
