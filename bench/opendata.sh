#!/usr/bin/env bash
# The open data benchmark: with 100,000 synthetic projects (SQLite, or PostgreSQL when
# given), the time, size and the server's peak memory of the OC4IDS package, and the time
# of a conditional request that finds nothing changed (304). The synthetic plan is never
# published, so its code is changed to `bench-open-data` first.
# Usage: bench/opendata.sh [sqlite|postgres]. Results: bench/results/opendata-<backend>.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}
projects=${BENCH_PROJECTS:-100000}
server_url=${BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}
if [ -z "${BENCH_BINARY:-}" ]; then cargo build --release --locked; fi
binary=${BENCH_BINARY:-${CARGO_TARGET_DIR:-target}/release/portfolio-registry}
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
export JWT_SECRET=bench-secret-of-at-least-thirty-two-bytes ADMIN_PASSWORD="bench admin passphrase" RUST_LOG=warn
export BIND=127.0.0.1:18320
rename="UPDATE plans SET code = 'bench-open-data' WHERE code = 'synthetic-bench'"
if [ "$backend" = postgres ]; then
  psql "$server_url" -qc "DROP DATABASE IF EXISTS registry_opendata WITH (FORCE)" -c "CREATE DATABASE registry_opendata"
  export DATABASE_URL="${server_url%/*}/registry_opendata"
  "$binary" synth --projects "$projects" > /dev/null
  psql "$DATABASE_URL" -qc "$rename"
else
  export DATABASE_URL="$work/registry.db"
  "$binary" synth --projects "$projects" > /dev/null
  python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()" "$DATABASE_URL" "$rename"
fi
"$binary" serve > "$work/server.log" 2>&1 &
server=$!
until curl -fs "http://$BIND/readyz" > /dev/null; do sleep 0.05; done
base="http://$BIND/api/v1"
token=$(curl -fs "$base/auth/login" -H 'content-type: application/json' \
  -d "{\"username\": \"admin\", \"password\": \"$ADMIN_PASSWORD\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
results=bench/results/opendata-$backend.jsonl
mkdir -p bench/results
: > "$results"
measure() { # name [curl options…]: seconds, status, bytes, RSS before and peak after
  local name=$1 before started seconds answer
  shift
  before=$(awk '/VmRSS/ {print $2}' /proc/$server/status)
  started=$(date +%s.%N)
  answer=$(curl -s -o "$work/out" -w '%{http_code} %{size_download}' -H "authorization: Bearer $token" "$@")
  seconds=$(python3 -c "print(round($(date +%s.%N) - $started, 3))")
  echo "{\"backend\": \"$backend\", \"scenario\": \"$name\", \"seconds\": $seconds, \"status\": ${answer% *}, \"bytes\": ${answer#* }, \"rss_before_kib\": $before, \"peak_rss_kib\": $(awk '/VmHWM/ {print $2}' /proc/$server/status)}" | tee -a "$results"
}
url="$base/plans/bench-open-data/oc4ids"
measure oc4ids_package "$url"
python3 -c "import json,sys; p = json.load(open(sys.argv[1])); assert len(p['projects']) == int(sys.argv[2]), len(p['projects'])" "$work/out" "$projects"
etag=$(curl -fs -D - -o /dev/null -H "authorization: Bearer $token" "$url" | awk 'tolower($1) == "etag:" {print $2}' | tr -d '\r')
measure oc4ids_not_modified -H "If-None-Match: $etag" "$url"
measure oc4ids_package_again "$url"
