"""Logs in and collects what the load scripts need: a token, the synthetic projects' ids
(all, and those in reserve), a department that leads some of them, and a cursor deep in the
benchmarked list."""
import json
import sys
import time
import urllib.error
import urllib.request

base, work = sys.argv[1], sys.argv[2]
only_versions = sys.argv[3:] == ["versions"]  # refresh ids and versions before a write run


def call(path, token=None, body=None):
    request = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode())
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", "Bearer " + token)
    for _ in range(60):  # the service may still be draining the previous scenario
        try:
            with urllib.request.urlopen(request) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            if error.code != 503:
                raise
            time.sleep(1)
    raise SystemExit(f"{path}: still 503 after a minute")


if only_versions:
    token = open(f"{work}/token").read().strip()
else:
    login = call("/api/v1/auth/login", body={"username": "admin", "password": "bench admin passphrase"})
    token = login["access_token"]
    open(f"{work}/token", "w").write(token)
    open(f"{work}/user", "w").write(login["user"]["id"])

ids, reserve, cursor, department = [], [], None, None
while True:
    page = call("/api/v1/projects?plan=synthetic-bench&limit=200" + (f"&cursor={cursor}" if cursor else ""), token)
    for project in page["items"]:
        line = f'{project["id"]} {project["version"]}'
        ids.append(line)
        if project["status"] == "reserve":
            reserve.append(line)
        department = department or project["lead_department"]
    cursor = page["next_cursor"]
    if not cursor:
        break
open(f"{work}/ids", "w").write("\n".join(ids) + "\n")
open(f"{work}/reserve", "w").write("\n".join(reserve) + "\n")
open(f"{work}/department", "w").write(department)
if only_versions:
    sys.exit(0)

# The cursor of the middle page of the list that the benchmark pages through.
list_path = "/api/v1/projects?plan=synthetic-bench&category=pollution&status=construction&limit=50"
pages, cursor, last_code = [], None, None
while True:
    page = call(list_path + (f"&cursor={cursor}" if cursor else ""), token)
    pages.append((page["next_cursor"], page["items"][-1]["code"]))
    cursor = page["next_cursor"]
    if not cursor:
        break
with_next = [page for page in pages if page[0]] or [("", "")]
middle_cursor, middle_code = with_next[len(with_next) // 2]
open(f"{work}/cursor", "w").write(middle_cursor)
open(f"{work}/cursor_code", "w").write(middle_code)
print(f"{len(ids)} projects, {len(reserve)} in reserve, list of {len(pages)} pages", file=sys.stderr)
