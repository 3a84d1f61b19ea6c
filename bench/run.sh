#!/usr/bin/env bash
# The load benchmark: 100,000 synthetic projects on PostgreSQL and on SQLite, every
# endpoint at 16 and 64 connections (wrk), the database's own rate for the same
# statements (pgbench, PostgreSQL), the server's peak memory. Results: bench/results/.
# Usage: bench/run.sh [postgres|sqlite|both] (default both). Needs wrk and pgbench; installs wrk.
# BENCH_PIN=1 pins the service to core 0 and the load generators (wrk, pgbench) to core 1
# (taskset), so that two runs compare: neither competes with the other for a core. The
# database is not pinned, in either case.
set -euo pipefail
cd "$(dirname "$0")/.."
backends=${1:-both}
[ "$backends" = both ] && backends="postgres sqlite"
projects=${BENCH_PROJECTS:-100000}
duration=${BENCH_SECONDS:-10}
server_url=${BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
pgbench=$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench | tail -n 1)

# BENCH_BINARY measures another build (e.g. an earlier commit's, for a comparison) and
# BENCH_RESULTS keeps its figures apart.
if [ -z "${BENCH_BINARY:-}" ]; then
  cargo build --release --locked
fi
binary=${BENCH_BINARY:-${CARGO_TARGET_DIR:-target}/release/portfolio-registry}
out=${BENCH_RESULTS:-bench/results}
work=$(mktemp -d)
mkdir -p "$out"
export BENCH_LUA=$PWD/bench/lua BENCH_THREADS=2 BENCH_USER=admin BENCH_PASSWORD="bench admin passphrase"
export JWT_SECRET=bench-secret-of-at-least-thirty-two-bytes ADMIN_PASSWORD=$BENCH_PASSWORD RUST_LOG=warn
service_core="" load_core=""
if [ "${BENCH_PIN:-}" = 1 ]; then
  service_core="taskset -c 0" load_core="taskset -c 1"
fi
server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT

for backend in $backends; do
  if [ "$backend" = postgres ]; then
    psql "$server_url" -qc "DROP DATABASE IF EXISTS registry_bench WITH (FORCE)" -c "CREATE DATABASE registry_bench"
    export DATABASE_URL="${server_url%/*}/registry_bench"
  else
    export DATABASE_URL="$work/registry.db"
  fi
  echo "== $backend: $projects synthetic projects"
  "$binary" synth --projects "$projects"
  export BIND=127.0.0.1:18300
  started=$(date +%s.%N)
  $service_core "$binary" serve > "$work/server.log" 2>&1 &
  server=$!
  until curl -fs http://$BIND/readyz > /dev/null; do sleep 0.05; done
  ready=$(python3 -c "print(round($(date +%s.%N) - $started, 2))")
  python3 bench/prepare.py "http://$BIND" "$work"   # token, ids, deep cursor
  export BENCH_TOKEN=$(cat "$work/token") BENCH_IDS="$work/ids" BENCH_RESERVE="$work/reserve"
  export BENCH_DEPARTMENT=$(cat "$work/department")
  results="$out/$backend.jsonl"
  : > "$results"
  list="/api/v1/projects?plan=synthetic-bench&category=pollution&status=construction&limit=50"
  run() { # name connections script [path]
    local line
    line=$(BENCH_PATH=${4:-} $load_core wrk -t2 -c"$2" -d"${duration}s" -s "bench/lua/$3.lua" "http://$BIND" | tail -n 1)
    echo "{\"backend\": \"$backend\", \"scenario\": \"$1\", \"connections\": $2, \"result\": $line}" | tee -a "$results"
  }
  for c in 16 64; do
    run list_first "$c" path "$list"
    run list_deep "$c" path "$list&cursor=$(cat "$work/cursor")"
    run get "$c" get
    run summary "$c" path "/api/v1/plans/synthetic-bench/summary"
    python3 bench/prepare.py "http://$BIND" "$work" versions
    run patch "$c" patch
    python3 bench/prepare.py "http://$BIND" "$work" versions
    BENCH_IDS="$work/reserve" run transition "$c" transition
    run login "$c" login
  done
  # GET alone, then while logins run (Argon2 must not stall other requests): three pairs,
  # since one p99 of a 10-second run swings with whatever else the machine does.
  for pair in 1 2 3; do
    run get_alone 16 get
    $load_core wrk -t1 -c16 -d"$((duration + 1))s" -s bench/lua/login.lua "http://$BIND" > /dev/null &
    storm=$!
    run get_during_logins 16 get
    wait $storm
  done
  # Month's end: every request a write (register, move to preparation, report), three
  # times as long as the others; the server's peak memory under this load alone (writing 5
  # to clear_refs resets VmHWM to the current resident size) beside its peak over the run.
  rss=$(awk '/VmHWM/ {print $2}' /proc/$server/status)
  for c in 16 64; do
    echo 5 > /proc/$server/clear_refs
    line=$($load_core wrk -t2 -c"$c" -d"$((duration * 3))s" -s bench/lua/month_end.lua "http://$BIND" | tail -n 1)
    peak=$(awk '/VmHWM/ {print $2}' /proc/$server/status)
    rss=$((peak > rss ? peak : rss))
    echo "{\"backend\": \"$backend\", \"scenario\": \"month_end\", \"connections\": $c, \"peak_rss_kib\": $peak, \"result\": $line}" | tee -a "$results"
  done
  echo "{\"backend\": \"$backend\", \"scenario\": \"server\", \"ready_seconds\": $ready, \"peak_rss_kib\": $rss}" | tee -a "$results"
  kill $server; wait $server 2>/dev/null || true; server=""
  if [ "$backend" = postgres ]; then
    $load_core python3 bench/pgbench.py "$pgbench" "$DATABASE_URL" "$work" "$duration" | tee -a "$results"
  fi
done
python3 bench/report.py "$out"/*.jsonl | tee "$out/table.md"
