"""Shared plumbing of the benchmarks: the model server in its own process, workers in
fresh processes, alternating rounds, peers that may be missing, tables and JSON.

Every ``bench_*.py`` takes ``--smoke`` (tiny sizes, for CI), ``--rounds`` and
``--json PATH`` (default: ``benchmarks/results/<name>.json``, which git ignores).
A peer whose package is not installed is reported as skipped, with the reason, and
never fails a run.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

# The model server: MockModelServer in a process of its own, so its CPU is not the
# client's. Commands on stdin, one per line: "connections" prints how many TCP
# connections it accepted; "forget" drops its request log; end of input stops it.
SERVER_CODE = """
import sys
from copilot_sdk.testing import MockModelServer
server = MockModelServer(latency=float(sys.argv[1]), chunk_size=int(sys.argv[2])).start()
print(server.openai_base_url, flush=True)
for line in sys.stdin:
    command = line.strip()
    if command == "connections":
        print(server.connections_accepted, flush=True)
    elif command == "forget":
        server.reset()
        print("ok", flush=True)
server.stop()
"""


class ModelServer:
    """A MockModelServer in a subprocess (see ``SERVER_CODE``)."""

    def __init__(self, latency: float = 0.0, chunk_size: int = 8) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-c", SERVER_CODE, str(latency), str(chunk_size)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        assert self._proc.stdout is not None
        self.url = self._proc.stdout.readline().strip()
        if not self.url.startswith("http"):
            self.close()
            raise RuntimeError("the model server did not start")

    def _ask(self, command: str) -> str:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(command + "\n")
        self._proc.stdin.flush()
        return self._proc.stdout.readline().strip()

    def connections(self) -> int:
        """TCP connections the server accepted so far."""
        return int(self._ask("connections"))

    def forget(self) -> None:
        """Drop the server's request log (long runs would otherwise grow it)."""
        self._ask("forget")

    def close(self) -> None:
        if self._proc.stdin is not None:
            with contextlib.suppress(OSError):
                self._proc.stdin.close()
        try:
            self._proc.wait(10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(10)

    def __enter__(self) -> ModelServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def parser(doc: Optional[str], *, rounds: int = 5) -> argparse.ArgumentParser:
    """An argument parser with the options every benchmark takes."""
    p = argparse.ArgumentParser(description=(doc or "").strip().splitlines()[0] if doc else None)
    p.add_argument("--smoke", action="store_true", help="tiny sizes, one round (for CI)")
    p.add_argument("--rounds", type=int, default=rounds, help="alternating rounds (medians reported)")
    p.add_argument("--json", type=Path, default=None, help="where to write the results")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--spec", help=argparse.SUPPRESS)
    return p


def have(module: str) -> Optional[str]:
    """None if ``module`` can be imported, else why not (for the skip note)."""
    if importlib.util.find_spec(module) is None:
        return f"{module} is not installed (pip install -e '.[bench]')"
    return None


def version(dist: str) -> Optional[str]:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def machine() -> Dict[str, Any]:
    """What the figures were taken on."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "versions": {
            name: version(name)
            for name in ("copilot_sdk", "requests", "urllib3", "openai", "github-copilot-sdk")
        },
        "load_average": list(os.getloadavg()),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def run_worker(script: str, worker: str, spec: Mapping[str, Any], timeout: float = 900) -> Dict[str, Any]:
    """Run ``script --worker NAME --spec JSON`` in a fresh process; its last stdout
    line is the JSON result. A worker that fails raises with its stderr."""
    proc = subprocess.run(
        [sys.executable, script, "--worker", worker, "--spec", json.dumps(spec)],
        capture_output=True, text=True, timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"worker {worker} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def alternate(
    variants: Sequence[str], rounds: int, measure: Callable[[str], Dict[str, Any]]
) -> Dict[str, List[Dict[str, Any]]]:
    """``measure(variant)`` for each variant in turn, ``rounds`` times over (so drift
    on a shared machine hits every variant alike)."""
    results: Dict[str, List[Dict[str, Any]]] = {v: [] for v in variants}
    for _ in range(rounds):
        for variant in variants:
            results[variant].append(measure(variant))
    return results


def median(runs: Sequence[Mapping[str, Any]], key: str) -> float:
    return float(statistics.median(float(r[key]) for r in runs))


def medians(results: Mapping[str, Sequence[Mapping[str, Any]]]) -> Dict[str, Dict[str, float]]:
    """Per variant, the median of every numeric field across its rounds."""
    out: Dict[str, Dict[str, float]] = {}
    for variant, runs in results.items():
        if not runs:
            continue
        keys = [k for k, v in runs[0].items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
        out[variant] = {k: median(runs, k) for k in keys}
    return out


def ratio_rounds(
    results: Mapping[str, Sequence[Mapping[str, Any]]], ours: str, peer: str, key: str
) -> Optional[float]:
    """The median of the per-round ratios ``ours / peer`` (rounds pair up in time)."""
    rounds = zip(results.get(ours, ()), results.get(peer, ()), strict=False)
    pairs = [(a[key], b[key]) for a, b in rounds if b[key]]
    if not pairs:
        return None
    return float(statistics.median(a / b for a, b in pairs))


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table (first column left-aligned, the rest right-aligned)."""
    cells = [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]

    def line(row: Sequence[str]) -> str:
        cols = enumerate(zip(row, widths, strict=True))
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in cols)

    lines = [title, line([str(h) for h in header]), "  ".join("-" * w for w in widths)]
    lines += [line(row) for row in cells]
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def target(measured: Optional[float], limit: float, *, at_least: bool = False) -> str:
    """"met" / "MISSED" for a ratio or figure against its target."""
    if measured is None:
        return "—"
    ok = measured >= limit if at_least else measured <= limit
    return "met" if ok else "MISSED"


def save(name: str, payload: Dict[str, Any], path: Optional[Path]) -> Path:
    """Write ``payload`` (plus the machine description) as JSON; return the path."""
    out = path or RESULTS / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"benchmark": name, "machine": machine(), **payload}
    out.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n")
    print(f"results: {out}")
    return out


@contextlib.contextmanager
def cpu_clock() -> Iterator[Dict[str, float]]:
    """Measures this process's CPU (all threads) and wall time of the ``with`` body."""
    box: Dict[str, float] = {}
    cpu0, wall0 = time.process_time(), time.perf_counter()
    yield box
    box["cpu"] = time.process_time() - cpu0
    box["wall"] = time.perf_counter() - wall0


def emit(result: Mapping[str, Any]) -> None:
    """A worker's result: one JSON line on stdout."""
    print(json.dumps(dict(result)), flush=True)
