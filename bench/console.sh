#!/usr/bin/env bash
# The console benchmark: with 100,000 synthetic projects on SQLite (or PostgreSQL when
# given), a cold first load of the console (bytes transferred, DOMContentLoaded) and how
# long the dashboard and the project list take to show, in Debian's headless Chromium.
# Usage: bench/console.sh [sqlite|postgres]. Results: bench/results/console-<backend>.jsonl.
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
if [ "$backend" = postgres ]; then
  psql "$server_url" -qc "DROP DATABASE IF EXISTS registry_console WITH (FORCE)" -c "CREATE DATABASE registry_console"
  export DATABASE_URL="${server_url%/*}/registry_console"
else
  export DATABASE_URL="$work/registry.db"
fi
"$binary" synth --projects "$projects" > /dev/null
"$binary" serve > "$work/server.log" 2>&1 &
server=$!
until curl -fs "http://$BIND/readyz" > /dev/null; do sleep 0.05; done
results=bench/results/console-$backend.jsonl
mkdir -p bench/results
CONSOLE_BENCH_URL="http://$BIND" CONSOLE_BENCH_PLAN=synthetic-bench \
  cargo test --locked --test console_browser console_at_scale -- --ignored --nocapture --test-threads=1 \
  | grep -o '{"first_load.*' | tee "$results"
