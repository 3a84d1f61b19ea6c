"""Turns the JSON lines of bench/run.sh into a Markdown table, with API ÷ database ratios."""
import json
import statistics
import sys

rows = [json.loads(line) for path in sys.argv[1:] for line in open(path) if line.strip()]
db = {(r["scenario"].removeprefix("pgbench_"), r["connections"]): r["result"]["rps"]
      for r in rows if r["scenario"].startswith("pgbench_")}
print("| backend | scenario | connections | req/s | p50 ms | p99 ms | errors | pgbench tx/s | API ÷ DB |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    if r["scenario"] == "server" or r["scenario"].startswith("pgbench_"):
        continue
    res = r["result"]
    pg = db.get((r["scenario"], r["connections"])) if r["backend"] == "postgres" else None
    ratio = f"{res['rps'] / pg:.2f}" if pg else "–"
    print(f"| {r['backend']} | {r['scenario']} | {r['connections']} | {res['rps']:.0f} | {res['p50_ms']:.1f} | "
          f"{res['p99_ms']:.1f} | {res['errors']} | {f'{pg:.0f}' if pg else '–'} | {ratio} |")
for r in rows:
    if r["scenario"] == "server":
        print(f"\n{r['backend']}: ready {r['ready_seconds']} s after start, peak RSS {r['peak_rss_kib'] / 1024:.1f} MiB")
    if r["scenario"] == "month_end":
        print(f"\n{r['backend']}: month's end at {r['connections']} connections, peak RSS under it "
              f"{r['peak_rss_kib'] / 1024:.1f} MiB")
for backend in dict.fromkeys(r["backend"] for r in rows):
    p99 = {scenario: [r["result"]["p99_ms"] for r in rows if r["backend"] == backend and r["scenario"] == scenario]
           for scenario in ("get_alone", "get_during_logins")}
    if all(p99.values()):
        alone, storm = (statistics.median(p99[s]) for s in ("get_alone", "get_during_logins"))
        print(f"\n{backend}: GET p99 at 16 connections, median of {len(p99['get_alone'])} pairs: "
              f"{alone:.1f} ms alone, {storm:.1f} ms during a login storm ({storm / alone:.1f}×)")
