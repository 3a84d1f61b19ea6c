"""Two runs of bench/run.sh side by side: req/s and p99 of each scenario, after ÷ before.
Usage: python3 bench/compare.py BEFORE_DIR AFTER_DIR (each holding <backend>.jsonl)."""
import json
import pathlib
import statistics
import sys


def load(folder):
    """(backend, scenario, connections) -> [result, ...] (the get pairs repeat a scenario)."""
    runs = {}
    for path in sorted(pathlib.Path(folder).glob("*.jsonl")):
        for row in map(json.loads, filter(str.strip, path.read_text().splitlines())):
            if "connections" in row and not row["scenario"].startswith("pgbench_"):
                runs.setdefault((row["backend"], row["scenario"], row["connections"]), []).append(row["result"])
    return runs


def median(results, key):
    return statistics.median(r[key] for r in results)


before, after = load(sys.argv[1]), load(sys.argv[2])
print("| backend | scenario | conn. | req/s before | req/s after | after ÷ before | p99 ms before | p99 ms after | errors before/after |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
for key in before:
    if key not in after:
        continue
    b, a = before[key], after[key]
    rps_b, rps_a = median(b, "rps"), median(a, "rps")
    errors = f"{sum(r['errors'] for r in b)}/{sum(r['errors'] for r in a)}"
    print(f"| {key[0]} | {key[1]} | {key[2]} | {rps_b:.0f} | {rps_a:.0f} | {rps_a / rps_b:.2f} | "
          f"{median(b, 'p99_ms'):.1f} | {median(a, 'p99_ms'):.1f} | {errors} |")
