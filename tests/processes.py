"""Real server processes for tests and benchmarks (`chroma run`, `licensebot ui`, `licensebot
serve`): a free port, start in its own process group, wait until its health URL answers, stop."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import httpx

BIN = Path(sys.executable).parent
CHROMA = BIN / "chroma"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(command: list[str], health_url: str, log: Path, env: dict | None = None, timeout_s: float = 120,
            healthy: Callable[[httpx.Response], bool] = lambda r: r.status_code == 200) -> Iterator[subprocess.Popen]:
    """Yield the started process once `health_url` answers healthily; its output goes to `log`."""
    with log.open("w") as out:
        proc = subprocess.Popen(command, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        deadline = time.time() + timeout_s
        while True:
            try:
                if healthy(httpx.get(health_url, timeout=2)):
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"{' '.join(command[:2])} did not come up: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@contextmanager
def chroma_server(path: Path, timeout_s: float = 90) -> Iterator[int]:
    """A real `chroma run` on 127.0.0.1; yields its port."""
    port = free_port()
    with running([str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                 f"http://127.0.0.1:{port}/api/v2/heartbeat", path.parent / f"chroma-{port}.log",
                 {"ANONYMIZED_TELEMETRY": "False"}, timeout_s):
        yield port
