-- Portable column types (see src/db/schema.rs): ids are canonical uuid text, money is
-- BIGINT fen, times are UTC TIMESTAMP (text in SQLite). SQLite compares text by code point,
-- which the PostgreSQL migration matches with the "C" collation.

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('department', 'platform_company', 'finance', 'plan_office')),
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE plans (
    id                     TEXT PRIMARY KEY,
    code                   TEXT NOT NULL UNIQUE,
    code_prefix            TEXT NOT NULL,
    title                  TEXT NOT NULL,
    region                 TEXT NOT NULL,
    start_year             INTEGER NOT NULL,
    end_year               INTEGER NOT NULL CHECK (end_year >= start_year),
    base_year              INTEGER,
    planned_project_count  INTEGER NOT NULL CHECK (planned_project_count >= 0),
    planned_investment_fen BIGINT NOT NULL CHECK (planned_investment_fen >= 0),
    created_at             TIMESTAMP NOT NULL
);

CREATE TABLE categories (
    id             TEXT PRIMARY KEY,
    plan_id        TEXT NOT NULL REFERENCES plans (id),
    code           TEXT NOT NULL,
    abbreviation   TEXT NOT NULL,
    name_zh        TEXT NOT NULL,
    planned_count  INTEGER NOT NULL CHECK (planned_count >= 0),
    position       INTEGER NOT NULL,
    -- last project sequence number handed out in this category (project codes)
    last_seq       INTEGER NOT NULL DEFAULT 0,
    UNIQUE (plan_id, code),
    UNIQUE (plan_id, abbreviation)
);

CREATE TABLE projects (
    id                       TEXT PRIMARY KEY,
    plan_id                  TEXT NOT NULL REFERENCES plans (id),
    category_id              TEXT NOT NULL REFERENCES categories (id),
    code                     TEXT NOT NULL UNIQUE,
    name                     TEXT NOT NULL,
    description              TEXT NOT NULL DEFAULT '',
    location                 TEXT,
    scale                    TEXT,
    lead_department_id       TEXT REFERENCES organizations (id),
    implementing_org_id      TEXT REFERENCES organizations (id),
    status                   TEXT NOT NULL CHECK (status IN ('reserve', 'preparation', 'construction', 'completed', 'withdrawn')),
    start_year               INTEGER,
    end_year                 INTEGER CHECK (end_year >= start_year),
    total_fen                BIGINT CHECK (total_fen >= 0),
    central_fen              BIGINT CHECK (central_fen >= 0),
    municipal_fen            BIGINT CHECK (municipal_fen >= 0),
    county_fen               BIGINT CHECK (county_fen >= 0),
    special_bonds_fen        BIGINT CHECK (special_bonds_fen >= 0),
    social_capital_fen       BIGINT CHECK (social_capital_fen >= 0),
    financial_fen            BIGINT CHECK (financial_fen >= 0),
    other_fen                BIGINT CHECK (other_fen >= 0),
    completed_investment_fen BIGINT NOT NULL DEFAULT 0 CHECK (completed_investment_fen >= 0),
    progress_pct             INTEGER NOT NULL DEFAULT 0 CHECK (progress_pct BETWEEN 0 AND 100),
    national_code            TEXT,
    source_ref               TEXT,
    -- key of the seed row the project was loaded from (NULL for projects made through the API)
    seed_key                 TEXT,
    version                  BIGINT NOT NULL DEFAULT 1,
    created_at               TIMESTAMP NOT NULL,
    updated_at               TIMESTAMP NOT NULL,
    UNIQUE (plan_id, seed_key)
);

-- Keyset pagination: every index ends with the sort key and id, after the filter columns.
CREATE INDEX projects_plan_code ON projects (plan_id, code);
CREATE INDEX projects_category_status_code ON projects (category_id, status, code);
CREATE INDEX projects_status_code ON projects (status, code);
CREATE INDEX projects_lead_department_code ON projects (lead_department_id, code);
CREATE INDEX projects_implementing_org_code ON projects (implementing_org_id, code);
CREATE INDEX projects_name_id ON projects (name, id);
CREATE INDEX projects_updated_at_id ON projects (updated_at, id);
CREATE INDEX projects_total_id ON projects ((COALESCE(total_fen, -1)), id);

CREATE TABLE project_transitions (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects (id),
    from_status TEXT,
    to_status   TEXT NOT NULL,
    note        TEXT,
    -- NULL: done by the registry itself (loading the plan)
    actor_id    TEXT,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX project_transitions_project ON project_transitions (project_id, created_at);
