"""Import time: ``import copilot_sdk`` against ``import requests`` and the peers.

Each import runs in a fresh interpreter (``python -c "import X"``), rounds
alternating; reported is the CPU the child used (user + system, from
``RUSAGE_CHILDREN``) and its wall time, minus those of ``python -c pass`` measured
in the same rounds (the interpreter's own start-up). Also lists which optional or
heavy modules ``import copilot_sdk`` loads (they should come on first use only).

Target: ``import copilot_sdk`` <= 1.1x ``import requests`` (CPU).

    python benchmarks/bench_import.py [--smoke] [--rounds 15] [--json PATH]
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from typing import Any, Dict, List

import harness

VARIANTS = {
    "python": "python -c pass (subtracted)",
    "requests": "import requests",
    "copilot_sdk": "import copilot_sdk",
    "openai": "import openai",
    "copilot": "import copilot (github-copilot-sdk)",
}
WATCHED = ["tenacity", "http.cookiejar", "urllib.request", "sqlite3", "email.message", "mcp", "pydantic",
           "psycopg", "redis", "jsonschema", "asyncio", "ssl", "uuid", "random"]


def one(module: str) -> Dict[str, float]:
    code = "pass" if module == "python" else f"import {module}"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"cpu": cpu, "wall": wall}


def compile_first(module: str) -> None:
    """Import once with bytecode writing allowed: every variant is then measured
    importing compiled modules, as an installed package does (a checkout run with
    ``PYTHONDONTWRITEBYTECODE`` would otherwise compile copilot_sdk on every import
    while the installed peers load theirs)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-c", "pass" if module == "python" else f"import {module}"],
                   check=True, env=env)


def loaded_by_copilot_sdk() -> Dict[str, bool]:
    code = ("import sys, json, copilot_sdk; "
            f"print(json.dumps({{m: m in sys.modules for m in {WATCHED!r}}}))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out))


def main() -> None:
    args = harness.parser(__doc__, rounds=15).parse_args()
    rounds = 2 if args.smoke else args.rounds
    skipped = {v: why for v in ("openai", "copilot") if (why := harness.have(v))}
    variants = [v for v in VARIANTS if v not in skipped]
    for variant in variants:
        compile_first(variant)
    results = harness.alternate(variants, rounds, one)
    base = harness.medians({"python": results["python"]})["python"]
    net: Dict[str, List[Dict[str, Any]]] = {
        v: [{"cpu": r["cpu"] - p["cpu"], "wall": r["wall"] - p["wall"]}
            for r, p in zip(results[v], results["python"], strict=True)]
        for v in variants if v != "python"
    }
    med = harness.medians(net)
    rows = [[VARIANTS[v], med[v]["cpu"] * 1e3, med[v]["wall"] * 1e3,
             harness.ratio_rounds(net, v, "requests", "cpu")] for v in med]
    print(harness.table(
        f"import, fresh interpreter each, {rounds} alternating round(s), medians, minus "
        f"`python -c pass` ({base['cpu'] * 1e3:.0f} ms CPU, {base['wall'] * 1e3:.0f} ms wall)",
        ["import", "CPU ms", "wall ms", "x requests CPU"], rows,
    ))
    for v, why in skipped.items():
        print(f"skipped {VARIANTS[v]}: {why}")
    loaded = loaded_by_copilot_sdk()
    print("loaded by `import copilot_sdk`: " + ", ".join(m for m, on in loaded.items() if on))
    print("not loaded: " + ", ".join(m for m, on in loaded.items() if not on))
    ratio = harness.ratio_rounds(net, "copilot_sdk", "requests", "cpu")
    print(f"target: import copilot_sdk <= 1.1x import requests: {harness.target(ratio, 1.1)}")
    harness.save("import", {
        "rounds": rounds, "skipped": skipped, "interpreter": base, "runs": net, "medians": med,
        "loaded": loaded, "targets": {"ours_vs_requests_cpu": [ratio, 1.1]},
    }, args.json)


if __name__ == "__main__":
    sys.exit(main())
