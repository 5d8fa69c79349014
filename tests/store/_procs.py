"""Worker processes for the store tests, and reading what they print."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional

from ._backends import Backend

__all__ = ["Worker"]

ROOT = Path(__file__).resolve().parents[2]


class Worker:
    """``python -m tests.store._worker`` on a backend; its JSON lines in a queue."""

    def __init__(self, backend: Backend, mode: str, options: Dict[str, Any], **spec: Any) -> None:
        payload = json.loads(backend.spec(**options))
        payload.update(mode=mode, **spec)
        path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
        env = {**os.environ, "PYTHONPATH": path}
        self._stderr = tempfile.TemporaryFile("w+")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.store._worker", json.dumps(payload)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
            cwd=ROOT, env=env, text=True,
        )
        self.lines: queue.Queue[Optional[Dict[str, Any]]] = queue.Queue()
        self.seen: List[Dict[str, Any]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(json.loads(line))
        self.lines.put(None)

    def next(self, timeout: float = 30.0) -> Dict[str, Any]:
        """The next line it printed (AssertionError if it ended or timed out)."""
        try:
            item = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"worker printed nothing for {timeout} s") from None
        if item is None:
            raise AssertionError(f"worker ended: {self.stderr()}")
        self.seen.append(item)
        return item

    def tell(self, text: str = "go") -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()

    def signal(self, sig: signal.Signals) -> None:
        self.process.send_signal(sig)

    def finish(self, timeout: float = 60.0) -> List[Dict[str, Any]]:
        """Wait for it to exit 0; returns the lines not read yet."""
        rest: List[Dict[str, Any]] = []
        while True:
            item = self.lines.get(timeout=timeout)
            if item is None:
                break
            rest.append(item)
        code = self.process.wait(timeout)
        assert code == 0, f"worker exited {code}: {self.stderr()}"
        self.close()
        return rest

    def stderr(self) -> str:
        if self.process.poll() is None:
            return "(still running)"
        self._stderr.seek(0)
        return self._stderr.read()[-3000:]

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
        self.process.wait(30)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        self._stderr.close()
