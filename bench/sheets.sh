#!/usr/bin/env bash
# The spreadsheet benchmark: with 100,000 synthetic projects (SQLite, or PostgreSQL when
# given), the time and the server's peak memory of exporting the synthetic plan as .xlsx
# and as .csv, and the time of a dry run and a real import of 10,000 new rows.
# Usage: bench/sheets.sh [sqlite|postgres]. Results: bench/results/sheets-<backend>.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}
projects=${BENCH_PROJECTS:-100000}
rows=${BENCH_IMPORT_ROWS:-10000}
server_url=${BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}
if [ -z "${BENCH_BINARY:-}" ]; then cargo build --release --locked; fi
binary=${BENCH_BINARY:-${CARGO_TARGET_DIR:-target}/release/portfolio-registry}
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT
export JWT_SECRET=bench-secret-of-at-least-thirty-two-bytes ADMIN_PASSWORD="bench admin passphrase" RUST_LOG=warn
export BIND=127.0.0.1:18310 IMPORT_MAX_ROWS=$rows IMPORT_MAX_BYTES=$((50 * 1024 * 1024))
if [ "$backend" = postgres ]; then
  psql "$server_url" -qc "DROP DATABASE IF EXISTS registry_sheets WITH (FORCE)" -c "CREATE DATABASE registry_sheets"
  export DATABASE_URL="${server_url%/*}/registry_sheets"
else
  export DATABASE_URL="$work/registry.db"
fi
"$binary" synth --projects "$projects" > /dev/null
"$binary" serve > "$work/server.log" 2>&1 &
server=$!
until curl -fs "http://$BIND/readyz" > /dev/null; do sleep 0.05; done
base="http://$BIND/api/v1"
token=$(curl -fs "$base/auth/login" -H 'content-type: application/json' \
  -d "{\"username\": \"admin\", \"password\": \"$ADMIN_PASSWORD\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
results=bench/results/sheets-$backend.jsonl
mkdir -p bench/results
: > "$results"
rss() { awk '/VmRSS/ {print $2}' /proc/$server/status; }
peak() { awk '/VmHWM/ {print $2}' /proc/$server/status; }
measure() { # name method url [curl options…]: seconds, bytes, RSS before and peak after
  local name=$1 before started seconds size
  shift
  before=$(rss)
  started=$(date +%s.%N)
  size=$(curl -fs -o "$work/out" -w '%{size_download}' -H "authorization: Bearer $token" "$@")
  seconds=$(python3 -c "print(round($(date +%s.%N) - $started, 2))")
  echo "{\"backend\": \"$backend\", \"scenario\": \"$name\", \"seconds\": $seconds, \"bytes\": $size, \"rss_before_kib\": $before, \"peak_rss_kib\": $(peak)}" | tee -a "$results"
}
measure export_csv "$base/projects/export?plan=synthetic-bench&format=csv"
measure export_xlsx "$base/projects/export?plan=synthetic-bench&format=xlsx"
python3 - "$work/import.csv" "$rows" <<'PY'
import sys
path, rows = sys.argv[1], int(sys.argv[2])
with open(path, "w", encoding="utf-8-sig", newline="") as out:
    out.write("项目名称,类别,牵头部门,实施单位,建设地点,起止年限,总投资（元）,中央资金（元）,县级财政（元）\r\n")
    for n in range(rows):
        out.write(f"合成-导入-{n:06d},绿色低碳工程,合成-部门-{n % 40:02d},合成-平台-{n % 20:02d},合成-镇-{n % 300:03d},2024-2026,{1_000_000 + n}.50,{300_000 + n},200000\r\n")
PY
measure import_dry_run_${rows} -X POST -H 'content-type: text/csv' --data-binary "@$work/import.csv" "$base/plans/synthetic-bench/imports?dry_run=true"
measure import_${rows} -X POST -H 'content-type: text/csv' --data-binary "@$work/import.csv" "$base/plans/synthetic-bench/imports?dry_run=false"
