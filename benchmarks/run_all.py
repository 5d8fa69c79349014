"""Run every ``benchmarks/bench_*.py`` in turn and gather their results.

Each benchmark runs as its own process with the same options (``--smoke`` passes
through), writes its JSON next to the others (``benchmarks/results/`` by default, or
the directory given by ``--out``), and the targets of all of them are summarised at
the end. A benchmark that fails is reported and the others still run; the exit
status is non-zero if any failed.

    python benchmarks/run_all.py [--smoke] [--out DIR] [--only sessions,overhead]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

import harness


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    p.add_argument("--smoke", action="store_true", help="tiny sizes, one round each")
    p.add_argument("--out", type=Path, default=harness.RESULTS, help="directory for the JSON results")
    p.add_argument("--only", default="", help="comma-separated names (e.g. overhead,stream)")
    args = p.parse_args()
    only = {n.strip() for n in args.only.split(",") if n.strip()}
    scripts = sorted(harness.HERE.glob("bench_*.py"))
    failed: List[str] = []
    summary: Dict[str, Any] = {}
    for script in scripts:
        name = script.stem.removeprefix("bench_")
        if only and name not in only:
            continue
        out = args.out / f"{name}.json"
        command = [sys.executable, str(script), "--json", str(out)] + (["--smoke"] if args.smoke else [])
        print(f"\n=== {script.name}", flush=True)
        began = time.perf_counter()
        rc = subprocess.run(command).returncode
        print(f"--- {script.name}: exit {rc}, {time.perf_counter() - began:.1f} s", flush=True)
        if rc != 0:
            failed.append(script.name)
            continue
        targets = json.loads(out.read_text()).get("targets")
        if targets:
            summary[name] = targets
    print("\n=== targets (measured, limit)")
    for name, targets in summary.items():
        for key, value in _flatten(targets):
            print(f"{name}.{key}: {value}")
    summary_file = args.out / "summary.json"
    summary_file.write_text(json.dumps({"targets": summary, "failed": failed}, indent=2) + "\n")
    if failed:
        print("failed: " + ", ".join(failed))
        return 1
    return 0


def _flatten(targets: Any, prefix: str = "") -> List[Any]:
    items = []
    for key, value in targets.items():
        if isinstance(value, dict):
            items += _flatten(value, f"{prefix}{key}.")
        else:
            items.append((prefix + key, value))
    return items


if __name__ == "__main__":
    sys.exit(main())
