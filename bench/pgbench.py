"""Replays the statements each endpoint runs (as traced under portfolio_registry::sql)
with pgbench, prepared, against the same database: the database's own rate, beside the
API's. Prints one JSON line per scenario and client count."""
import json
import re
import subprocess
import sys
import tempfile

pgbench, url, work, seconds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
user = open(f"{work}/user").read().strip()
category = subprocess.run(
    ["psql", url, "-Atc", "SELECT c.id FROM categories c JOIN plans p ON p.id = c.plan_id "
     "WHERE p.code = 'synthetic-bench' AND c.code = 'pollution'"],
    capture_output=True, text=True, check=True).stdout.strip()
after = open(f"{work}/cursor_code").read().strip()

PROJECT_COLUMNS = ", ".join(f'"projects"."{c}"' for c in (
    "id code name description location scale lead_department_id implementing_org_id status start_year "
    "end_year total_fen central_fen municipal_fen county_fen special_bonds_fen social_capital_fen "
    "financial_fen other_fen completed_investment_fen progress_pct national_code source_ref version "
    "created_at updated_at reserve_since reserve_expires withdrawal_reason").split())
PROJECT = (f'SELECT {PROJECT_COLUMNS}, "plans"."code", "categories"."code", "plans"."start_year", '
           '"plans"."end_year" FROM "projects" '
           'INNER JOIN "plans" ON "projects"."plan_id" = "plans"."id" '
           'INNER JOIN "categories" ON "categories"."id" = "projects"."category_id"')
# The investment by year of the projects just read (the service binds their ids).
YEARS = ('SELECT "project_years"."project_id", "project_years"."year", "project_years"."planned_fen", '
         '"project_years"."completed_fen" FROM "project_years" WHERE "project_years"."project_id" IN ({ids});\n')
CALLER = ('SELECT "users"."id", "users"."username", "users"."display_name", "users"."password_hash", '
          '"users"."role", "users"."organization_id", "users"."active", "users"."token_version", '
          '"users"."created_at", "users"."updated_at" FROM "users" WHERE "users"."id" = :user LIMIT 1;\n')
BY_CODE = "\\set n random(1, 20000)\n"
CODE = "'SY-POL-' || lpad(:n::text, 3, '0')"
LIST = (CALLER + 'SELECT "plans"."id" FROM "plans" WHERE "plans"."code" = \'synthetic-bench\' LIMIT 1;\n'
        'SELECT "categories"."id" FROM "categories" WHERE "categories"."code" = \'pollution\' '
        'AND "categories"."plan_id" = (SELECT id FROM plans WHERE code = \'synthetic-bench\');\n'
        f'{PROJECT} WHERE "projects"."category_id" = :category '
        'AND "projects"."status" = \'construction\' {after} ORDER BY "projects"."code" ASC LIMIT 51;\n'
        + YEARS.format(ids='SELECT id FROM projects WHERE category_id = :category AND status = \'construction\' '
                       '{after} ORDER BY code LIMIT 51'))
PLAN = "(SELECT id FROM plans WHERE code = 'synthetic-bench')"
SUMMARY = (CALLER + 'SELECT id, planned_project_count, planned_investment_fen FROM plans WHERE code = \'synthetic-bench\' LIMIT 1;\n'
           "SELECT c.code AS category_code, NULLIF(t.lead_key, '') AS lead_department_id, t.* FROM plan_totals t "
           f"JOIN categories c ON c.id = t.category_id WHERE t.plan_id = {PLAN} AND t.projects <> 0;\n"
           f"SELECT code, name_zh, planned_count FROM categories WHERE plan_id = {PLAN} ORDER BY position;\n"
           "SELECT id, name FROM organizations WHERE kind = 'department' AND name LIKE '合成-%';\n")
ONE_BY_CODE = YEARS.format(ids=f"SELECT id FROM projects WHERE code = {CODE}")
# An audit entry and its place in the chain, as the service seals it at commit: take the
# chain's end (locked), link the entry, move the end.
AUDIT = ("INSERT INTO audit_entries (id, actor_kind, action, entity_type, entity_id, before_state, after_state, created_at) "
         "VALUES (gen_random_uuid()::text, 'user', '{action}', 'project', {entity}::text, repeat('x', 1500), repeat('x', 1500), now()) "
         "RETURNING id AS entry \\gset\n"
         "UPDATE audit_chain_head SET seq = seq RETURNING seq AS head_seq, hash AS head_hash \\gset\n"
         "UPDATE audit_entries SET seq = :head_seq + 1, prev_hash = :head_hash, hash = md5(:entry) || md5(:head_hash) "
         "WHERE id = :entry;\n"
         "UPDATE audit_chain_head SET seq = :head_seq + 1, hash = md5(:entry) || md5(:head_hash);\n")
PATCH = (BY_CODE + CALLER + "BEGIN;\n" + f"{PROJECT} WHERE \"projects\".\"code\" = {CODE} LIMIT 1;\n" + ONE_BY_CODE
         + f"UPDATE projects SET scale = :n::text || '公里', updated_at = now(), version = version + 1 WHERE code = {CODE};\n"
         f"{PROJECT} WHERE \"projects\".\"code\" = {CODE} LIMIT 1;\n" + ONE_BY_CODE
         + AUDIT.format(action="project.update", entity=":n") + "END;\n")
# A transition of a project that the API run moved (reserve <-> preparation), by its number.
MOVABLE = "(SELECT id FROM pgbench_movable WHERE n = :r)"
TRANSITION = ("\\set r random(1, :movable)\n" + CALLER + "BEGIN;\n" + f"{PROJECT} WHERE \"projects\".\"id\" = {MOVABLE} LIMIT 1;\n"
              + YEARS.format(ids=MOVABLE)
              + "UPDATE projects SET status = CASE status WHEN 'reserve' THEN 'preparation' ELSE 'reserve' END, "
              f"version = version + 1, updated_at = now() WHERE id = {MOVABLE};\n"
              "INSERT INTO project_transitions (id, project_id, from_status, to_status, note, actor_id, created_at) "
              f"VALUES (gen_random_uuid()::text, {MOVABLE}, 'reserve', 'preparation', NULL, :user, now());\n"
              f"{PROJECT} WHERE \"projects\".\"id\" = {MOVABLE} LIMIT 1;\n" + YEARS.format(ids=MOVABLE)
              + AUDIT.format(action="project.transition", entity=":r") + "END;\n")
SCRIPTS = {
    "get": BY_CODE + CALLER + f"{PROJECT} WHERE \"projects\".\"code\" = {CODE} LIMIT 1;\n" + ONE_BY_CODE,
    "list_first": LIST.format(after=""),
    "list_deep": LIST.format(after=f"AND \"projects\".\"code\" > '{after}'"),
    "summary": SUMMARY,
    "patch": PATCH,
    "transition": TRANSITION,
}

movable = [line.split()[0] for line in open(f"{work}/reserve") if line.strip()]
subprocess.run(["psql", url, "-q", "-v", "ON_ERROR_STOP=1"], check=True, text=True, input=(
    "DROP TABLE IF EXISTS pgbench_movable;\n"
    "CREATE TABLE pgbench_movable (n SERIAL PRIMARY KEY, id TEXT NOT NULL);\n"
    "INSERT INTO pgbench_movable (id) VALUES " + ", ".join(f"('{id}')" for id in movable) + ";\n"))

for name, script in SCRIPTS.items():
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as file:
        file.write(script)
    for clients in (16, 64):
        output = subprocess.run(
            [pgbench, "-n", "-M", "prepared", "-c", str(clients), "-j", "2", "-T", seconds, "-D", f"user={user}", "-D", f"category={category}",
             "-D", f"movable={len(movable)}",
             "-f", file.name, url], capture_output=True, text=True, check=True).stdout
        tps = float(re.search(r"tps = ([0-9.]+)", output).group(1))
        latency = float(re.search(r"latency average = ([0-9.]+)", output).group(1))
        print(json.dumps({"backend": "postgres", "scenario": f"pgbench_{name}", "connections": clients,
                          "result": {"rps": tps, "latency_avg_ms": latency}}))
subprocess.run(["psql", url, "-qc", "DROP TABLE pgbench_movable"], check=True)
